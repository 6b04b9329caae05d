"""Sends genuinely signed Slack requests (commands, interactivity, events) to the app over HTTP.

The payloads have the key sets, nulls and string types Slack sends (judged against the reference corpus):
`enterprise: null` outside Grid, string-typed slash command fields, no channel/message/response_url for clicks
in modals and on Home, full view objects with null `close`/`submit`/`previous_view_id`. A slash command's text
goes out as Slack sends it: the person's `&`, `<` and `>` as entities, Slack's own markup (`<@U…>`, `<#C…|name>`,
`<!here>`, `<https://…>`, which `should_escape` makes of mentions and links) as it is but for a link's `&`
(`slack_command_text`).

Enterprise Grid (`enterprise_id`): a workspace install adds `team.enterprise_id`/`enterprise_name` and an
`enterprise` object; an org-wide install (`org_install`) sends `team: null`, `is_enterprise_install: true`,
the person's workspace in `user.team_id` and the org's id in `view.app_installed_team_id`, and events carry
`authorizations[0]` with no team. A Slack Connect person of another org (`installed_id`: the installation they
reach) sends their own org as `team`/`enterprise`, no `is_enterprise_install`, and only
`view.app_installed_team_id` names the installation (view_submission.slack_connect_other_org.json).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.slack.fake_slack import APP_ID, FakeSlack

_counter = itertools.count(1)

# What Slack itself writes in a command's text for a mention, a channel, a special mention or a link.
_SLACK_MARKUP = re.compile(r"<(?:[@#!]|https?:|mailto:)[^<>]*>")


def _escape_typed(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_command_text(text: str) -> str:
    """`text` (what the person typed, with Slack's markup for mentions and links) as a slash command carries it:
    every other `&`, `<` and `>` escaped as an entity, as Slack does ("Escaping text" in its formatting docs);
    inside the markup only `&` (a link's query string: `<https://x.example/f?a=1&amp;b=2>`)."""
    parts: list[str] = []
    end = 0
    for markup in _SLACK_MARKUP.finditer(text):
        parts += [_escape_typed(text[end : markup.start()]), markup.group().replace("&", "&amp;")]
        end = markup.end()
    parts.append(_escape_typed(text[end:]))
    return "".join(parts)


@dataclass
class SlackHttpResponse:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return "v0=" + digest


class SlackRequestSender:
    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: FakeSlack,
        *,
        team_id: str = "T0001",
        events_path: str = "/slack/events",
        enterprise_id: str | None = None,
        org_install: bool = False,
        installed_id: str | None = None,
    ) -> None:
        self.app_url = app_url.rstrip("/")
        self.secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.events_path = events_path
        self.enterprise_id = enterprise_id
        self.org_install = org_install
        self.installed_id = installed_id  # Slack Connect: the installation a person of another org reaches
        assert not org_install or enterprise_id, "an org-wide install needs its enterprise_id"

    @property
    def installation(self) -> str:
        """What `view.app_installed_team_id` says: the org for an org-wide install, else the workspace."""
        if self.installed_id:
            return self.installed_id
        return str(self.enterprise_id) if self.org_install else self.team_id

    def _enterprise(self) -> dict[str, Any] | None:
        return {"id": self.enterprise_id, "name": "Example Org"} if self.enterprise_id else None

    def _grid_keys(self) -> dict[str, Any]:
        """`team`, `enterprise` and `is_enterprise_install` of an interaction payload, in Slack's order."""
        keys: dict[str, Any] = {"team": None if self.org_install else self._team()}
        if self.installed_id is None:
            keys["is_enterprise_install"] = self.org_install
        keys["enterprise"] = self._enterprise()
        return keys

    def _trigger(self, age: float = 0.0) -> str:
        return self.fake.issue_trigger(age=age)

    def post_raw(
        self,
        body: bytes,
        *,
        content_type: str,
        signature: str | None = None,
        timestamp: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> SlackHttpResponse:
        timestamp = timestamp or str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or sign(self.secret, timestamp, body),
            **(extra_headers or {}),
        }
        request = urllib.request.Request(self.app_url + self.events_path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return SlackHttpResponse(response.status, response.read(), dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            return SlackHttpResponse(error.code, error.read(), dict(error.headers.items()))

    def _user(self, user_id: str) -> dict[str, Any]:
        return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        team: dict[str, Any] = {"id": self.team_id, "domain": "example"}
        if self.enterprise_id:
            team.update(enterprise_id=self.enterprise_id, enterprise_name="Example Org")
        return team

    def _interactive(self, payload: dict[str, Any]) -> SlackHttpResponse:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post_raw(body, content_type="application/x-www-form-urlencoded")

    def full_view(
        self, view: dict[str, Any] | None, *, view_id: str = "VSUB", view_type: str = "modal"
    ) -> dict[str, Any]:
        """A view as Slack sends it in a payload: every key present, `close`/`submit`/`previous_view_id` null
        when not set, `callback_id` and `private_metadata` "" when empty; given keys win."""
        view = dict(view or {})
        view_id = str(view.get("id") or view_id)
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", view_type),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": view.get("state", {"values": {}}),
            "hash": view.get("hash", f"{int(time.time())}.{view_id}"),
            "title": view.get("title", {"type": "plain_text", "text": "Pulssi", "emoji": True}),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": view.get("previous_view_id"),
            "root_view_id": view.get("root_view_id", view_id),
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": view.get("app_installed_team_id", self.installation),
            "bot_id": self.fake.bot_id,
        }

    def _known_view(self, view_id: str, user_id: str) -> dict[str, Any]:
        """The view a click came from: one the app opened or published at the fake, else an empty Home."""
        opened = self.fake.views.get(view_id)
        if opened is not None:
            return opened
        home = self.fake.home_views.get(user_id)
        return dict(home or {}, id=view_id, type="home")

    # -- payloads (the dicts Slack sends; also put into Socket Mode envelopes)
    def command_payload(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str = "C0001",
        channel_name: str = "general",
        response_key: str | None = None,
        trigger_age: float = 0.0,
    ) -> dict[str, str]:
        """Form fields of a slash command: every value a string, no enterprise keys outside Grid
        (slash_command.grid.json: `enterprise_id`/`enterprise_name` after `is_enterprise_install`); `text` as
        typed, escaped on the way as Slack does (slack_command_text)."""
        form = {
            "token": "FAKEfakeFAKEfakeFAKEfake",
            "team_id": self.team_id,
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": slack_command_text(text),
            "api_app_id": APP_ID,
            "is_enterprise_install": "true" if self.org_install else "false",
        }
        if self.enterprise_id:
            form.update(enterprise_id=self.enterprise_id, enterprise_name="Example Org")
        form["response_url"] = self.fake.response_url(response_key or f"cmd-{next(_counter)}")
        form["trigger_id"] = self._trigger(trigger_age)
        return form

    def block_action_payload(
        self,
        *,
        user_id: str,
        action_id: str,
        value: str | None = None,
        block_id: str = "b",
        selected_option_value: str | None = None,
        action_type: str = "button",
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        response_key: str | None = None,
    ) -> dict[str, Any]:
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
        }
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            action["value"] = value
        if selected_option_value is not None:
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": selected_option_value, "emoji": True},
                "value": selected_option_value,
            }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "FAKEfakeFAKEfakeFAKEfake",
        }
        in_view = view is not None or (container or {}).get("type") == "view"
        if in_view:
            # Modal and App Home clicks: no channel, no message and no response_url.
            view_id = str((view or {}).get("id") or (container or {}).get("view_id") or "VHOME")
            full = self.full_view(view if view is not None else self._known_view(view_id, user_id), view_id=view_id)
            payload["container"] = {"type": "view", "view_id": full["id"]}
            payload["trigger_id"] = self._trigger()
            payload.update(self._grid_keys())
            payload["view"] = full
        else:
            channel = channel_id or (container or {}).get("channel_id") or f"D{user_id}"
            ts = (container or {}).get("message_ts") or (message or {}).get("ts") or f"{time.time():.6f}"
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": bool((container or {}).get("is_ephemeral", False)),
            }
            payload["trigger_id"] = self._trigger()
            payload.update(self._grid_keys())
            payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else channel}
            if not payload["container"]["is_ephemeral"]:
                payload["message"] = {
                    "bot_id": self.fake.bot_id,
                    "type": "message",
                    "text": "",
                    "user": self.fake.bot_user_id,
                    "ts": ts,
                    "app_id": APP_ID,
                    "blocks": [],
                    "team": self.team_id,
                    **(message or {}),
                }
            payload["state"] = {"values": {}}
            payload["response_url"] = self.fake.response_url(response_key or f"act-{next(_counter)}")
        payload["actions"] = [action]
        return payload

    def view_submission_payload(
        self,
        *,
        user_id: str,
        callback_id: str,
        values: dict[str, Any],
        private_metadata: str = "",
        view_id: str = "VSUB",
        title: str = "x",
    ) -> dict[str, Any]:
        view = self.full_view(
            {
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "title": {"type": "plain_text", "text": title, "emoji": True},
                "state": {"values": values},
                "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            },
            view_id=view_id,
        )
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": None if self.org_install else self._team(),
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "FAKEfakeFAKEfakeFAKEfake",
            "trigger_id": self._trigger(),
            "view": view,
            "response_urls": [],
        }
        grid = self._grid_keys()
        del grid["team"]
        return {**payload, **grid}

    def view_closed_payload(
        self, *, user_id: str, callback_id: str, private_metadata: str = "", view_id: str = "VSUB"
    ) -> dict[str, Any]:
        view = self.full_view(
            {"callback_id": callback_id, "private_metadata": private_metadata, "notify_on_close": True},
            view_id=view_id,
        )
        # view_closed has no trigger_id.
        payload: dict[str, Any] = {
            "type": "view_closed",
            "team": None if self.org_install else self._team(),
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "FAKEfakeFAKEfakeFAKEfake",
            "view": view,
            "is_cleared": False,
        }
        grid = self._grid_keys()
        del grid["team"]
        return {**payload, **grid}

    def message_shortcut_payload(
        self, *, user_id: str, callback_id: str, message: dict[str, Any], channel_id: str = "C0001"
    ) -> dict[str, Any]:
        ts = str(message.get("ts") or f"{time.time():.6f}")
        return {
            "type": "message_action",
            "token": "FAKEfakeFAKEfakeFAKEfake",
            "action_ts": f"{time.time():.6f}",
            **self._grid_keys(),
            "user": self._user(user_id),
            "channel": {"id": channel_id, "name": channel_id},
            "callback_id": callback_id,
            "trigger_id": self._trigger(),
            "response_url": self.fake.response_url(f"sc-{next(_counter)}"),
            "message_ts": ts,
            "message": {"type": "message", "text": "", "user": user_id, "ts": ts, "team": self.team_id, **message},
        }

    def event_envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        """An Events API envelope as Slack sends it (and as Socket Mode's events_api payload)."""
        event = dict(event)
        event.setdefault("event_ts", f"{time.time():.6f}")
        if event.get("type") == "app_home_opened" and "view" not in event:
            # Slack includes the Home view only once one has been published.
            published = self.fake.home_views.get(str(event.get("user")))
            if published is not None:
                event["view"] = self.full_view(published, view_type="home")
        envelope: dict[str, Any] = {"token": "FAKEfakeFAKEfakeFAKEfake", "team_id": self.team_id}
        if self.enterprise_id:
            envelope["enterprise_id"] = self.enterprise_id
        return {
            **envelope,
            "context_team_id": self.team_id,
            "context_enterprise_id": self.enterprise_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    # Who received the event: an org-wide install has no team of its own.
                    "enterprise_id": self.enterprise_id,
                    "team_id": None if self.org_install else self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": self.org_install,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event.get('type')}-{self.team_id}",
        }

    # -- signed HTTP requests
    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str = "C0001",
        channel_name: str = "general",
        response_key: str | None = None,
        trigger_age: float = 0.0,
    ) -> SlackHttpResponse:
        form = self.command_payload(
            command,
            text,
            user_id=user_id,
            channel_id=channel_id,
            channel_name=channel_name,
            response_key=response_key,
            trigger_age=trigger_age,
        )
        return self.post_raw(urllib.parse.urlencode(form).encode(), content_type="application/x-www-form-urlencoded")

    def block_action(self, **kwargs: Any) -> SlackHttpResponse:
        return self._interactive(self.block_action_payload(**kwargs))

    def view_submission(self, **kwargs: Any) -> SlackHttpResponse:
        return self._interactive(self.view_submission_payload(**kwargs))

    def view_closed(self, **kwargs: Any) -> SlackHttpResponse:
        return self._interactive(self.view_closed_payload(**kwargs))

    def message_shortcut(self, **kwargs: Any) -> SlackHttpResponse:
        return self._interactive(self.message_shortcut_payload(**kwargs))

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> SlackHttpResponse:
        envelope = self.event_envelope(event, event_id=event_id)
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post_raw(json.dumps(envelope).encode(), content_type="application/json", extra_headers=headers)

    def team_access(
        self,
        event_type: str,
        team_ids: list[str],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        authorized_team: str | None = None,
    ) -> SlackHttpResponse:
        """An org admin took the org-wide app out of (`team_access_revoked`) or added it to
        (`team_access_granted`) `team_ids`: the fake's envelope for this sender's org, signed and posted
        (`authorized_team`: docs.slack.dev's shape, authorized as that workspace of the org)."""
        assert self.enterprise_id, "team access events are an Enterprise Grid org's"
        envelope = self.fake.team_access_envelope(
            event_type,
            self.enterprise_id,
            team_ids,
            event_id=event_id or f"Ev{next(_counter):08d}",
            authorized_team=authorized_team,
        )
        headers = (
            {} if retry_num is None else {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        )
        return self.post_raw(json.dumps(envelope).encode(), content_type="application/json", extra_headers=headers)
