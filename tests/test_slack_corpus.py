"""Replays Slack's real payloads (the shared reference corpus) against the running app, and holds the fake
Slack and the request sender to the corpus's shapes.

Every payload goes in over HTTP (signed, form or JSON as Slack sends it) and as a Socket Mode envelope. What
Slack sends must never get a 400 or a 5xx, and Socket Mode envelopes must be acknowledged. The ones Pulssi
handles are pointed at a Pulssi feature (the command, action_id or callback_id changed, nothing else) and
must do their job. The corpus lives outside the repository (`../shared/reference/slack-payloads`, or
$PULSSI_SLACK_CORPUS); without it these tests skip and say so.
"""

from __future__ import annotations

import copy
import json
import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.slack_text import decode_entities
from bot.payload_check import interaction_problem
from bot.services import rounds
from bot.socket_mode import CheckedSocketModeHandler
from handlers.common import workspace_id_of
from tests.harness import TEAM_ID, Harness
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackHttpResponse
from tests.slack.socket_mode import FakeSocketModeServer

CORPUS_ENV = "PULSSI_SLACK_CORPUS"
ROOT = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    override = os.environ.get(CORPUS_ENV, "").strip()
    return Path(override) if override else ROOT.parent / "shared" / "reference" / "slack-payloads"


def _corpus_files() -> list[Any]:
    base = corpus_dir()
    if not base.is_dir():
        return [pytest.param(None, id="no-corpus")]
    return [
        pytest.param(path.relative_to(base).as_posix(), id=path.relative_to(base).as_posix())
        for folder in ("interactions", "events", "socket-mode")
        for path in sorted((base / folder).glob("*.json"))
        # KEYS-ONLY unions have placeholder values ("" for objects); they tell which keys exist, not what.
        # hello and disconnect are frames Slack sends a Socket Mode client, not requests (shapes checked below).
        if "KEYS-ONLY" not in path.name and not path.name.startswith(("hello", "disconnect"))
    ]


def _require_corpus() -> Path:
    base = corpus_dir()
    if not base.is_dir():
        pytest.skip(f"Slack payload corpus not found at {base} (set {CORPUS_ENV}); corpus replay skipped")
    return base


@pytest.fixture(autouse=True)
def _corpus_present() -> None:
    """Skips before the app starts when the corpus isn't there."""
    _require_corpus()


def load(name: str) -> Any:
    return json.loads((_require_corpus() / name).read_text(encoding="utf-8"))


# -- making a captured payload ours: the installation's IDs, live response_urls and trigger_ids


def _installation_team(payload: dict[str, Any]) -> str | None:
    view = payload.get("view") if isinstance(payload.get("view"), dict) else {}
    authorizations = payload.get("authorizations") or [{}]
    candidates = [
        view.get("app_installed_team_id"),
        authorizations[0].get("team_id") if isinstance(authorizations[0], dict) else None,
        payload.get("team_id"),
        (payload.get("team") or {}).get("id") if isinstance(payload.get("team"), dict) else None,
        (payload.get("user") or {}).get("team_id") if isinstance(payload.get("user"), dict) else None,
    ]
    return next((c for c in candidates if isinstance(c, str) and c.startswith("T")), None)


def _replace_strings(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_strings(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


def localize(payload: dict[str, Any], fake: FakeSlack, key: str) -> dict[str, Any]:
    """The captured payload with the installation's team ID made the fake's, response_urls pointing at the
    fake and a live trigger_id. Keys, nulls and types stay as captured."""
    payload = copy.deepcopy(payload)
    team = _installation_team(payload)
    if team is not None:
        payload = _replace_strings(payload, {team: TEAM_ID})
    if isinstance(payload.get("response_url"), str):
        payload["response_url"] = fake.response_url(key)
    for index, item in enumerate(payload.get("response_urls") or []):
        item["response_url"] = fake.response_url(f"{key}-{index}")
    if isinstance(payload.get("trigger_id"), str):
        payload["trigger_id"] = fake.issue_trigger()
    user = payload.get("user")
    user_id = user.get("id") if isinstance(user, dict) else payload.get("user_id")
    if isinstance(user_id, str):
        fake.add_user(user_id)
    event = payload.get("event")
    if isinstance(event, dict) and isinstance(event.get("user"), str):
        fake.add_user(event["user"])
    return payload


def _wrap_event(inner: dict[str, Any], harness: Harness) -> dict[str, Any]:
    return harness.sender.event_envelope(inner)


# -- how each corpus file is replayed, and what the handled ones must do


class Replay:
    """One corpus payload, made ours: how it is sent over HTTP, and the envelope it becomes in Socket Mode."""

    def __init__(self, name: str, harness: Harness) -> None:
        self.name = name
        self.harness = harness
        self.key = f"replay-{name.replace('/', '-')}-{time.monotonic_ns()}"
        self.headers: dict[str, str] = {}
        raw = load(name)
        if isinstance(raw, dict) and "body" in raw and "_note" in raw:
            # Our wrapper around a captured HTTP request: Slack's body plus the headers worth keeping.
            self.headers = {
                k: v for k, v in raw.get("headers", {}).items() if k in ("x-slack-retry-num", "x-slack-retry-reason")
            }
            raw = raw["body"]
        self.envelope_type: str | None = None
        if name.startswith("socket-mode/"):
            self.envelope_type = raw.get("type")
            raw = raw.get("payload")
        self.kind = self._kind(name, raw)
        if self.kind == "inner_event":
            raw = _wrap_event(raw, harness)
            self.kind = "event"
        self.payload: dict[str, Any] | None = localize(raw, harness.fake, self.key) if isinstance(raw, dict) else None

    @staticmethod
    def _kind(name: str, raw: Any) -> str:
        if not isinstance(raw, dict):
            return "frame"
        if "command" in raw:
            return "command"
        if raw.get("type") in ("event_callback", "url_verification"):
            return "event"
        if name.startswith("events/") and "inner_event" in name:
            return "inner_event"
        if raw.get("type") in ("hello", "disconnect"):
            return "frame"
        return "interaction"

    def handled(self) -> Callable[[], None] | None:
        """Point the payload at a Pulssi feature; return the check that it did its job (None: only acked)."""
        payload, fake, user = self.payload, self.harness.fake, self._user()
        assert payload is not None
        if self.kind == "command":
            payload["command"], payload["text"] = "/pulse", "help"
            key = self.key

            def helped() -> None:
                found = fake.wait_for("response_url", predicate=lambda c: c.params.get("key") == key)
                assert "/pulse setup" in json.dumps(found[0].params["blocks"])

            return helped
        kind = payload.get("type")
        if kind == "block_actions":
            action = payload["actions"][0]
            action["action_id"] = "home_toggle_mute"
            # An org-wide Grid install's payloads belong to the org (E…), not to the workspace.
            installation = workspace_id_of(payload)
            if "value" not in action:  # a select menu: toggling without "mute" means resume
                return self._views_publish_for(
                    user, then=lambda: not rounds.is_muted(self.harness.deps, installation, user)
                )
            action["value"] = "mute"
            return self._views_publish_for(user, then=lambda: rounds.is_muted(self.harness.deps, installation, user))
        if kind == "view_submission":
            payload["view"]["callback_id"] = "home_delete_modal"

            def deleted() -> None:
                # Done when the modal was told what was removed (never a DM: Slack keeps those) and Home redrawn.
                fake.wait_for("views.update")
                fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
                assert not [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == user]

            return deleted
        if kind == "message_action":
            payload["callback_id"] = "share_as_win"
            return self._views_open_with(str(payload["trigger_id"]))
        if kind == "event_callback":
            event = payload["event"]
            if event["type"] == "app_home_opened":
                return self._views_publish_for(str(event["user"]))
            if event["type"] == "member_joined_channel":
                event["user"] = fake.bot_user_id
                fake.add_channel(str(event["channel"]), "joined", [fake.bot_user_id])
                channel = str(event["channel"])

                def welcomed() -> None:
                    posted = fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == channel)
                    assert posted[0].answer is not None and posted[0].answer["ok"] is True

                return welcomed
        if kind == "url_verification":
            return None
        return None

    def _user(self) -> str:
        payload = self.payload or {}
        user = payload.get("user")
        return str(user.get("id") if isinstance(user, dict) else payload.get("user_id") or "")

    def _views_publish_for(self, user: str, then: Callable[[], bool] | None = None) -> Callable[[], None]:
        fake = self.harness.fake

        def published() -> None:
            fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
            if then is not None:
                assert then()

        return published

    def _views_open_with(self, trigger: str) -> Callable[[], None]:
        fake = self.harness.fake

        def opened() -> None:
            found = fake.wait_for("views.open", predicate=lambda c: c.params.get("trigger_id") == trigger)
            assert found[0].answer is not None and found[0].answer["ok"] is True

        return opened

    def send_http(self) -> SlackHttpResponse:
        assert self.payload is not None
        sender = self.harness.sender
        if self.kind == "command":
            body = urllib.parse.urlencode(self.payload).encode()
            return sender.post_raw(body, content_type="application/x-www-form-urlencoded")
        if self.kind == "event":
            body = json.dumps(self.payload).encode()
            return sender.post_raw(body, content_type="application/json", extra_headers=self.headers)
        body = urllib.parse.urlencode({"payload": json.dumps(self.payload)}).encode()
        return sender.post_raw(body, content_type="application/x-www-form-urlencoded")

    def socket_envelope_type(self) -> str:
        return {"command": "slash_commands", "event": "events_api"}.get(self.kind, "interactive")


def _assert_accepted(response: SlackHttpResponse, name: str) -> None:
    assert response.status == 200, f"{name}: HTTP {response.status} {response.text[:300]}"
    assert "Traceback" not in response.text


@pytest.mark.parametrize("name", _corpus_files())
def test_corpus_payload_over_http_as_captured(harness: Harness, name: str | None) -> None:
    """As Slack sent it (only the installation made ours): accepted."""
    _require_corpus()
    assert name is not None
    replay = Replay(name, harness)
    if replay.kind == "command":
        replay.payload["command"] = "/pulse"  # type: ignore[index]  # Slack only sends the app's own commands
    response = replay.send_http()
    _assert_accepted(response, name)
    if replay.payload and replay.payload.get("type") == "url_verification":
        assert replay.payload["challenge"] in response.text


@pytest.mark.parametrize("name", _corpus_files())
def test_corpus_payload_over_http_does_its_job(harness: Harness, name: str | None) -> None:
    _require_corpus()
    assert name is not None
    replay = Replay(name, harness)
    check = replay.handled()
    _assert_accepted(replay.send_http(), name)
    if check is not None:
        check()
    if replay.headers:  # a redelivery: the same event_id again is acknowledged and not handled twice
        _assert_accepted(replay.send_http(), name)


@pytest.fixture
def socket_handler(harness: Harness) -> Iterator[FakeSocketModeServer]:
    with FakeSocketModeServer(harness.fake) as server:
        handler = CheckedSocketModeHandler(harness.app, harness.fake.app_token, web_client=harness.deps.client)
        handler.connect()
        try:
            server.wait_connected()
            yield server
        finally:
            handler.close()


def test_every_corpus_payload_in_socket_mode(harness: Harness, socket_handler: FakeSocketModeServer) -> None:
    """The same payloads as Socket Mode envelopes: each acknowledged by envelope_id, the handled ones do their job."""
    base = _require_corpus()
    names = [p.values[0] for p in _corpus_files()]
    replayed = 0
    for name in names:
        replay = Replay(name, harness)
        if replay.kind == "frame":
            continue
        check = replay.handled()
        envelope_type = replay.envelope_type or replay.socket_envelope_type()
        if replay.payload and replay.payload.get("type") == "url_verification":
            continue  # HTTP only: Socket Mode apps are never asked to verify a URL
        envelope_id = socket_handler.send_envelope(envelope_type, replay.payload or {})
        ack = socket_handler.wait_ack(envelope_id)
        assert ack["envelope_id"] == envelope_id, name
        if check is not None:
            check()
        replayed += 1
    assert replayed >= 20, f"only {replayed} payloads replayed from {base}"


# -- the fake Slack and the sender hold to the corpus's shapes


def _keys(value: dict[str, Any]) -> set[str]:
    return set(value.keys())


def test_sender_payloads_have_the_corpus_shapes(harness: Harness) -> None:
    sender = harness.sender
    command = sender.command_payload("/pulse", "help", user_id="U1")
    assert _keys(command) == _keys(load("interactions/slash_command.json"))
    assert all(isinstance(v, str) for v in command.values())

    captured = load("interactions/block_actions.message_dm.json")
    click = sender.block_action_payload(user_id="U1", action_id="a", value="v", channel_id="DU1")
    assert _keys(click) == _keys(captured)
    assert click["enterprise"] is None and click["channel"]["name"] == "directmessage"
    assert _keys(click["container"]) == _keys(captured["container"])
    assert _keys(click["message"]) == _keys(captured["message"])
    assert _keys(click["actions"][0]) == _keys(captured["actions"][0]) - {"style"}

    captured = load("interactions/block_actions.modal.json")
    click = sender.block_action_payload(user_id="U1", action_id="a", container={"type": "view", "view_id": "V1"})
    assert _keys(click) == _keys(captured)
    assert _keys(click["view"]) == _keys(captured["view"])
    for key in ("close", "submit", "previous_view_id"):
        assert click["view"][key] is None

    captured = load("interactions/view_submission.json")
    submitted = sender.view_submission_payload(user_id="U1", callback_id="c", values={})
    assert _keys(submitted) == _keys(captured)
    assert _keys(submitted["view"]) == _keys(captured["view"])
    assert submitted["response_urls"] == [] and submitted["enterprise"] is None

    closed = sender.view_closed_payload(user_id="U1", callback_id="c")
    assert _keys(closed) == _keys(load("interactions/view_closed.grid_org_install.json"))
    assert "trigger_id" not in closed

    captured = load("interactions/message_action.json")
    shortcut = sender.message_shortcut_payload(user_id="U1", callback_id="c", message={"text": "x", "ts": "1.2"})
    assert _keys(shortcut) == _keys(captured)

    captured = load("events/reaction_added.json")
    envelope = sender.event_envelope({"type": "reaction_added", "user": "U1"})
    assert _keys(envelope) == _keys(captured)
    assert _keys(envelope["authorizations"][0]) == _keys(captured["authorizations"][0])
    assert envelope["context_enterprise_id"] is None and envelope["authorizations"][0]["enterprise_id"] is None


TYPED_AND_SENT = {
    "R&D <Ops>": "R&amp;D &lt;Ops&gt;",
    "&lt; is <": "&amp;lt; is &lt;",
    "managers <@U001> <@U002|bo>": "managers <@U001> <@U002|bo>",  # Slack's markup for mentions
    "winschannel <#C0WINS|wins> & <https://x.example|x>": "winschannel <#C0WINS|wins> &amp; <https://x.example|x>",
    "a <b> <!here>": "a &lt;b&gt; <!here>",
    "cxfeed <https://x.example/f.csv?a=1&b=2>": "cxfeed <https://x.example/f.csv?a=1&amp;b=2>",
}


def test_the_sender_escapes_a_commands_text_as_slack_does(harness: Harness) -> None:
    """Slack sends a person's `&`, `<` and `>` as entities and its own mention and link markup as it is;
    the app reads back what was typed (bot.domain.slack_text)."""
    for typed, sent in TYPED_AND_SENT.items():
        form = harness.sender.command_payload("/pulse", typed, user_id="U1")
        assert form["text"] == sent
        assert decode_entities(form["text"]) == typed


def test_app_home_opened_carries_a_view_only_once_one_was_published(harness: Harness) -> None:
    sender, fake = harness.sender, harness.fake
    assert "view" not in sender.event_envelope({"type": "app_home_opened", "user": "U1", "tab": "home"})["event"]
    fake.add_user("U1")
    sender.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    fake.wait_for("views.publish")
    event = sender.event_envelope({"type": "app_home_opened", "user": "U1", "tab": "home"})["event"]
    assert _keys(event["view"]) == _keys(load("events/app_home_opened.inner_event_with_view.json")["view"])


def _call(fake: FakeSlack, method: str, **params: str) -> dict[str, Any]:
    """A Web API call the way the captures were made: form-encoded, without a charset."""
    request = urllib.request.Request(
        fake.url + method,
        data=urllib.parse.urlencode(params).encode(),
        headers={"Authorization": f"Bearer {fake.token}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.loads(response.read()))


def test_fake_web_api_answers_have_the_corpus_shapes(harness: Harness) -> None:
    _require_corpus()
    fake = harness.fake
    fake.add_user("U1", is_admin=True)
    fake.add_user("UGONE", deleted=True)
    fake.add_channel("C1", "general", ["U1", fake.bot_user_id])
    fake.add_channel("C2", "elsewhere", ["U1"])

    assert _keys(_call(fake, "auth.test")) == _keys(load("web-api/auth.test.json"))
    member = _call(fake, "users.info", user="U1")["user"]
    assert _keys(member) == _keys(load("web-api/users.info.member.json")["user"])
    captured_profile = load("web-api/users.info.member.json")["user"]["profile"]
    assert member["profile"]["fields"] is None and _keys(member["profile"]) <= _keys(captured_profile)
    gone = _call(fake, "users.info", user="UGONE")["user"]
    assert _keys(gone) == _keys(load("web-api/users.info.deactivated.json")["user"])
    assert _call(fake, "users.info", user="U404") == load("web-api/users.info.user_not_found.json") | {
        "warning": "missing_charset",
        "response_metadata": {"warnings": ["missing_charset"]},
    }

    info = _call(fake, "conversations.info", channel="C1")["channel"]
    assert _keys(info) == _keys(load("web-api/conversations.info.public_member.json")["channel"])
    assert info["is_member"] is True
    assert _call(fake, "conversations.info", channel="C2")["channel"]["is_member"] is False
    fake.scopes.add("im:read")  # conversations.info on a DM needs it; Pulssi itself never asks
    im = _call(fake, "conversations.info", channel="DU1")["channel"]
    assert _keys(im) == _keys(load("web-api/conversations.info.im.json")["channel"])
    assert _keys(_call(fake, "conversations.open", users="U1")) == _keys(load("web-api/conversations.open.docs.json"))
    members = _call(fake, "conversations.members", channel="C1")
    assert members["response_metadata"]["next_cursor"] == ""

    posted = _call(fake, "chat.postMessage", channel="C1", text="hi")
    captured = load("web-api/chat.postMessage.ok.json")
    assert _keys(posted) == _keys(captured) and _keys(posted["message"]) == _keys(captured["message"])
    updated = _call(fake, "chat.update", channel="C1", ts=posted["ts"], text="edited")
    captured = load("web-api/chat.update.json")
    assert _keys(updated) == _keys(captured) and _keys(updated["message"]) == _keys(captured["message"])
    assert _keys(_call(fake, "chat.postEphemeral", channel="C1", user="U1", text="x")) == _keys(
        load("web-api/chat.postEphemeral.ok.docs.json")
    )
    refused = _call(fake, "chat.postMessage", channel="C2", text="hi")
    assert refused == load("web-api/chat.postMessage.not_in_channel.json")

    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    published = _call(fake, "views.publish", user_id="U1", view=json.dumps(home))["view"]
    assert _keys(published) == _keys(load("web-api/views.publish.ok.docs.json")["view"])
    for key in ("close", "submit", "previous_view_id"):
        assert published[key] is None


def test_socket_mode_frames_have_the_corpus_shapes(harness: Harness, socket_handler: FakeSocketModeServer) -> None:
    """hello, envelopes and disconnects as the captures show them, seen from the client's side."""
    server = socket_handler
    hello = server._hello()
    assert _keys(hello) == _keys(load("socket-mode/hello.json"))
    assert _keys(hello["debug_info"]) == _keys(load("socket-mode/hello.json")["debug_info"])
    sent: list[dict[str, Any]] = []
    connection = server.wait_connected()
    original = connection.websocket.send

    def record(message: Any) -> None:
        sent.append(json.loads(message))
        original(message)

    connection.websocket.send = record  # type: ignore[method-assign]
    harness.fake.add_user("U1")
    event = harness.sender.event_envelope({"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1"})
    server.wait_ack(server.send_envelope("events_api", event))
    command = harness.sender.command_payload("/pulse", "help", user_id="U1")
    server.wait_ack(server.send_envelope("slash_commands", command))
    click = harness.sender.block_action_payload(user_id="U1", action_id="x", container={"type": "view", "view_id": "V"})
    server.wait_ack(server.send_envelope("interactive", click))
    server.request_refresh()
    by_name = {
        "socket-mode/events_api.app_mention.json": sent[0],
        "socket-mode/slash_commands.json": sent[1],
        "socket-mode/interactive.block_actions_modal.json": sent[2],
        "socket-mode/disconnect.warning.json": sent[3],
        "socket-mode/disconnect.refresh_requested.json": sent[4],
    }
    for name, frame in by_name.items():
        captured = load(name)
        assert _keys(frame) == _keys(captured), name
        assert frame.get("accepts_response_payload") == captured.get("accepts_response_payload"), name
        assert frame.get("reason") == captured.get("reason"), name


@pytest.mark.parametrize(
    ("name", "installation"),
    [
        # Org-wide installs: `team: null`, `is_enterprise_install: true`; the installation is the org.
        ("interactions/block_actions.grid_org_install.json", "E111"),
        ("interactions/view_submission.grid_org_install.json", "E111"),
        ("interactions/global_shortcut.grid_org_install.json", "E111"),
        # The test author made app_installed_team_id a T… here; is_enterprise_install still says org-wide.
        ("interactions/view_closed.grid_org_install.json", "E111"),
        # A Grid workspace install: the workspace, though an `enterprise` object is there too.
        ("interactions/global_shortcut.grid_workspace_install.json", "T111"),
        ("interactions/slash_command.grid.json", "T111"),  # is_enterprise_install is the string "false"
        # Slack Connect: `team` is the submitter's org; only the view names the installation.
        ("interactions/view_submission.slack_connect_other_org.json", "T-installed-workspace"),
    ],
)
def test_the_installation_a_grid_payload_names(name: str, installation: str) -> None:
    payload = load(name)
    assert workspace_id_of(payload) == installation
    if "command" not in payload:
        assert interaction_problem(payload) is None  # accepted as Slack sends it, nulls included


@pytest.mark.parametrize(
    ("authorized", "happened_in", "installation"),
    [
        ("T0INSTALLED", "T0INSTALLED", "T0INSTALLED"),  # the usual case: one workspace
        # A channel shared between two installed workspaces: the event happened in the other one, and Bolt
        # authorizes the installation it was delivered to; data is read there too.
        ("T0INSTALLED", "T0OTHER", "T0INSTALLED"),
        (None, "T0INSTALLED", "T0INSTALLED"),  # no authorizations (app_uninstalled, tokens_revoked)
    ],
)
def test_an_event_belongs_to_the_installation_it_was_delivered_to(
    authorized: str | None, happened_in: str, installation: str
) -> None:
    # An event_callback envelope with the keys the corpus shows (reaction_added.json), built here so that this
    # runs without ../shared too.
    event: dict[str, object] = {
        "token": "x",
        "team_id": happened_in,
        "context_team_id": happened_in,
        "context_enterprise_id": None,
        "api_app_id": "A0PULSSI",
        "event": {"type": "reaction_added", "user": "U1", "reaction": "tada", "item_user": "U2"},
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": 1700000000,
    }
    if authorized is not None:
        event["authorizations"] = [
            {
                "enterprise_id": None,
                "team_id": authorized,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]
    assert workspace_id_of(event) == installation
