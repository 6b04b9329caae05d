"""manifest.yml and the code must agree: a command, shortcut or event in one is in the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from handlers.registry import registered
from tests.harness import Harness

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_basics() -> None:
    manifest = load_manifest()
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_commands_shortcuts_and_events_match_the_app(harness: Harness) -> None:
    manifest = load_manifest()
    app_listeners = registered(harness.app)
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == app_listeners.commands
    assert {s["callback_id"] for s in manifest["features"].get("shortcuts", [])} == app_listeners.shortcuts
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == app_listeners.events


def test_scopes_cover_the_web_api_methods_used() -> None:
    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    # users.info/conversations.members/chat.postMessage/files upload/reactions are what the app calls.
    assert {"commands", "chat:write", "im:write", "im:history", "users:read", "channels:read", "files:write"} <= scopes
