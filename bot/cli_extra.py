"""Subcommands added by features (import-cx, report, demo-data)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot.settings import Settings


def add_subcommands(sub: Any) -> None:
    return None


def runners() -> dict[str, Callable[[Settings, argparse.Namespace], int]]:
    return {}
