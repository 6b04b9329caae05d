"""Sends genuinely signed Slack requests (commands, interactivity, events) to the app over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.slack.fake_slack import FakeSlack

_counter = itertools.count(1)


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
    ) -> None:
        self.app_url = app_url.rstrip("/")
        self.secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.events_path = events_path

    def _trigger(self) -> str:
        return f"{next(_counter)}.{int(time.time())}.trigger"

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

    def _interactive(self, payload: dict[str, Any]) -> SlackHttpResponse:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post_raw(body, content_type="application/x-www-form-urlencoded")

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str = "C0001",
        channel_name: str = "general",
        response_key: str | None = None,
    ) -> SlackHttpResponse:
        form = {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0PULSSI",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(response_key or f"cmd-{next(_counter)}"),
            "trigger_id": self._trigger(),
        }
        return self.post_raw(urllib.parse.urlencode(form).encode(), content_type="application/x-www-form-urlencoded")

    def block_action(
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
    ) -> SlackHttpResponse:
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if selected_option_value is not None:
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": selected_option_value},
                "value": selected_option_value,
            }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": "A0PULSSI",
            "token": "unused",
            "team": {"id": self.team_id, "domain": "example"},
            "trigger_id": self._trigger(),
            "response_url": self.fake.response_url(response_key or f"act-{next(_counter)}"),
            "actions": [action],
            "container": container or ({"type": "view", "view_id": view.get("id")} if view else {"type": "message"}),
        }
        if channel_id:
            payload["channel"] = {"id": channel_id, "name": channel_id}
        if message is not None:
            payload["message"] = message
        if view is not None:
            payload["view"] = view
        return self._interactive(payload)

    def view_submission(
        self,
        *,
        user_id: str,
        callback_id: str,
        values: dict[str, Any],
        private_metadata: str = "",
        view_id: str = "VSUB",
        title: str = "x",
    ) -> SlackHttpResponse:
        payload = {
            "type": "view_submission",
            "user": self._user(user_id),
            "api_app_id": "A0PULSSI",
            "token": "unused",
            "team": {"id": self.team_id, "domain": "example"},
            "trigger_id": self._trigger(),
            "view": {
                "id": view_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "title": {"type": "plain_text", "text": title},
                "state": {"values": values},
                "hash": "h1",
                "team_id": self.team_id,
                "blocks": [],
            },
            "response_urls": [],
        }
        return self._interactive(payload)

    def view_closed(
        self, *, user_id: str, callback_id: str, private_metadata: str = "", view_id: str = "VSUB"
    ) -> SlackHttpResponse:
        payload = {
            "type": "view_closed",
            "user": self._user(user_id),
            "api_app_id": "A0PULSSI",
            "team": {"id": self.team_id},
            "is_cleared": False,
            "view": {
                "id": view_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": {}},
            },
        }
        return self._interactive(payload)

    def message_shortcut(
        self, *, user_id: str, callback_id: str, message: dict[str, Any], channel_id: str = "C0001"
    ) -> SlackHttpResponse:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "user": self._user(user_id),
            "api_app_id": "A0PULSSI",
            "team": {"id": self.team_id, "domain": "example"},
            "channel": {"id": channel_id, "name": channel_id},
            "message": message,
            "message_ts": message.get("ts"),
            "trigger_id": self._trigger(),
            "response_url": self.fake.response_url(f"sc-{next(_counter)}"),
            "token": "unused",
        }
        return self._interactive(payload)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> SlackHttpResponse:
        envelope = {
            "token": "unused",
            "team_id": self.team_id,
            "api_app_id": "A0PULSSI",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": self.fake.bot_user_id, "is_bot": True}],
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post_raw(json.dumps(envelope).encode(), content_type="application/json", extra_headers=headers)
