"""manifest.yml (Socket Mode), manifest.http.yml (HTTP mode) and the code must agree: a command, shortcut or
event in one is in the other, /pulse's usage hint and help come from the subcommand registry, and the
fake Slack grants exactly the manifest's scopes (so a method the manifest forgot fails the tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import catalogs
from handlers.registry import EVERYONE, MANAGERS, pulse_help_keys, pulse_subcommands, pulse_usage_hint, registered
from tests.harness import Harness

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
HTTP_MANIFEST = MANIFEST.with_name("manifest.http.yml")
PLACEHOLDER_URL = "https://pulssi.example.com/slack/events"


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_manifest_basics() -> None:
    manifest = load_manifest()
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    # Nothing reads what people type to the bot, so they can't type there (and think they were heard).
    app_home = manifest["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True and app_home["messages_tab_read_only_enabled"] is True
    # Enterprise Grid: installable org-wide (one install, every workspace of the org; README "Enterprise Grid").
    assert manifest["settings"]["org_deploy_enabled"] is True


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


def test_pulse_usage_hint_and_help_come_from_the_subcommand_registry(harness: Harness) -> None:
    names = {entry.name for entry in pulse_subcommands()}
    # The ones that were missing from the hint or the help before they came from one list.
    assert {"close", "cxfeed", "winschannel", "managers", "rename", "move", "export"} <= names
    for path in (MANIFEST, HTTP_MANIFEST):
        pulse = next(c for c in load_manifest(path)["features"]["slash_commands"] if c["command"] == "/pulse")
        assert pulse["usage_hint"] == pulse_usage_hint(), (
            f"set {path.name}'s /pulse usage_hint to: {pulse_usage_hint()}"
        )
    for language, catalog in catalogs().items():
        for audience in (EVERYONE, MANAGERS):
            for key in pulse_help_keys(audience):
                assert f"core.help.cmd.{key}" in catalog, f"no {language} help line for /pulse {key}"
    harness.fake.add_user("U1")
    harness.sender.command("/pulse", "help", user_id="U1")
    help_text = json.dumps(harness.fake.wait_for("response_url")[0].params["blocks"])
    for entry in pulse_subcommands():
        assert f"/pulse {entry.name}" in help_text, entry.name


def test_http_manifest_is_the_socket_manifest_with_request_urls() -> None:
    socket_mode, http = load_manifest(MANIFEST), load_manifest(HTTP_MANIFEST)
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == PLACEHOLDER_URL
    assert http["settings"]["interactivity"]["request_url"] == PLACEHOLDER_URL
    assert all(command["url"] == PLACEHOLDER_URL for command in http["features"]["slash_commands"])
    # Apart from those, the two are the same app.
    del http["settings"]["event_subscriptions"]["request_url"], http["settings"]["interactivity"]["request_url"]
    for command in http["features"]["slash_commands"]:
        del command["url"]
    http["settings"]["socket_mode_enabled"] = True
    assert http == socket_mode


OAUTH_MANIFEST = MANIFEST.with_name("manifest.oauth.yml")


def test_oauth_manifest_is_the_http_manifest_with_a_redirect_url_and_rotating_tokens() -> None:
    from bot.oauth import BOT_SCOPES, REDIRECT_PATH

    http, oauth = load_manifest(HTTP_MANIFEST), load_manifest(OAUTH_MANIFEST)
    assert oauth["oauth_config"]["redirect_urls"] == [PLACEHOLDER_URL.replace("/slack/events", REDIRECT_PATH)]
    assert oauth["settings"]["token_rotation_enabled"] is True
    # What /slack/install asks for is what the manifest grants (and what the fake Slack checks calls against).
    assert tuple(oauth["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    del oauth["oauth_config"]["redirect_urls"]
    oauth["settings"]["token_rotation_enabled"] = False
    # Org-wide install on Enterprise Grid is the Grid part's to decide.
    oauth["settings"].pop("org_deploy_enabled"), http["settings"].pop("org_deploy_enabled")
    assert oauth == http
