"""Slack listeners: one module per feature, each with `register(app, deps)`.

Every module of this package that defines `register` is registered, so a new feature module needs no line
here. All of them are imported before any registers, so `/pulse` knows every subcommand (they are added by
the `@subcommand` decorator at import) before its help and dispatcher are built.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from slack_bolt import App

from bot.deps import Deps


def feature_modules() -> list[ModuleType]:
    """The modules with listeners, in name order (listeners of different features never match the same
    request, so their order doesn't decide anything)."""
    imported = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m for m in imported if callable(getattr(m, "register", None))), key=lambda m: m.__name__)


def register_all(app: App, deps: Deps) -> None:
    for module in feature_modules():
        module.register(app, deps)
