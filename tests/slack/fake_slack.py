"""A fake Slack Web API on loopback: answers like Slack, records calls, validates Block Kit, injects faults."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata", "users")
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
FAULTABLE_PREFIXES = ("chat.", "views.", "conversations.", "users.", "files.")


@dataclass
class RecordedCall:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class UploadedFile:
    file_id: str
    filename: str
    title: str | None = None
    content: bytes = b""
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


@dataclass
class _Fault:
    method: str | None
    status: int
    retry_after: int
    times: int


@dataclass
class _InjectedError:
    """An `ok:false` answer with `error`, for calls matching the method and the user or channel."""

    error: str
    method: str | None
    user: str | None
    channel: str | None
    times: int | None  # None: every matching call
    after_doing_it: bool = False  # do the work (post the message), then answer HTTP 503 with this error


@dataclass
class _State:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, UploadedFile] = field(default_factory=dict)
    uploaded: list[UploadedFile] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    injected_errors: list[_InjectedError] = field(default_factory=list)


class FakeSlack:
    def __init__(
        self, *, token: str = "xoxb-test-token", team_id: str = "T0001", bot_user_id: str = "UBOT", bot_id: str = "BBOT"
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._state = _State()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._latency = 0.0
        self._last_ts = 0
        self._rate_429 = 0.0
        self._rate_5xx = 0.0
        self._rate_retry_after = 1
        self._random = random.Random(0)
        self._rate_limits: dict[str, int] = {}  # method -> calls allowed per one-second window
        self._buckets: dict[str, tuple[float, float]] = {}  # method -> (tokens, monotonic time of that count)
        self.faults_served = 0
        self.connections_accepted = 0
        self._open_connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.base = ""

    # -- lifecycle
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, a kept-alive connection waits out the
            # client's delayed ACK (40 ms) between them. Slack's servers don't make clients wait like that.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # like Slack, take a burst of connections instead of resetting them

            def process_request(self, request: Any, client_address: Any) -> None:
                with fake._lock:
                    fake.connections_accepted += 1
                    fake._open_connections.add(request)
                super().process_request(request, client_address)

            def shutdown_request(self, request: Any) -> None:
                with fake._lock:
                    fake._open_connections.discard(request)
                super().shutdown_request(request)

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_port
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-slack")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self.drop_connections()  # kept-alive clients see the close instead of a silent peer
            self._server.server_close()
            self._server = None

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open_connections)

    def drop_connections(self) -> None:
        """Close every client connection, as a server's idle timeout (or a deploy) does."""
        with self._lock:
            connections = list(self._open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test setup
    def response_url(self, key: str = "default") -> str:
        return f"{self.base}/respond/{urllib.parse.quote(key)}"

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        tz: str = "Europe/Helsinki",
        locale: str = "en-US",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        is_app_user: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
    ) -> None:
        with self._lock:
            self._state.users[user_id] = {
                "id": user_id,
                "team_id": team_id or self.team_id,
                "name": name or user_id.lower(),
                "real_name": name or user_id,
                "deleted": deleted,
                "is_bot": is_bot,
                "is_app_user": is_app_user,
                "is_admin": is_admin,
                "is_owner": is_owner,
                "tz": tz,
                "locale": locale,
            }

    def add_channel(self, channel_id: str, name: str, members: list[str], *, is_private: bool = False) -> None:
        with self._lock:
            self._state.channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_channel": True,
                "is_private": is_private,
                "is_im": False,
                "is_member": True,
            }
            self._state.members[channel_id] = list(members)

    def fail_next(self, method: str | None, *, status: int = 429, retry_after: int = 1, times: int = 1) -> None:
        with self._lock:
            self._state.faults.append(_Fault(method, status, retry_after, times))

    def set_fault_rates(
        self, *, rate_429: float = 0.0, rate_5xx: float = 0.0, retry_after: int = 1, seed: int = 0
    ) -> None:
        with self._lock:
            self._rate_429, self._rate_5xx, self._rate_retry_after = rate_429, rate_5xx, retry_after
            self._random = random.Random(seed)

    def set_rate_limit(self, method: str, per_second: int) -> None:
        """Rate-limit `method` like Slack: a token bucket of `per_second` calls (bursts up to one second's
        worth), refilled continuously; a call without a token gets 429 with Retry-After."""
        with self._lock:
            self._rate_limits[method] = per_second
            self._buckets[method] = (float(per_second), time.monotonic())

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    # -- Slack's failure modes and who is pulsed: errors per user or channel, guests, other orgs, trimmed users
    def inject_error(
        self,
        error: str,
        *,
        method: str | None = None,
        user: str | None = None,
        channel: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer `{"ok": false, "error": error}` (HTTP 200, as Slack does) to matching calls.

        `method` None matches every method; `user` matches a call naming that user (`user`, `users`, a DM
        `channel` given as the user id or its D-id); `channel` matches `channel`/`channel_id`. `times` None
        keeps answering until `clear_injected_errors`.
        """
        with self._lock:
            self._state.injected_errors.append(_InjectedError(error, method, user, channel, times))

    def fail_after_doing_it(self, method: str, *, user: str | None = None, times: int = 1) -> None:
        """Slack did the work (the message is posted) but the answer is lost: HTTP 503. A client that
        retries blindly posts the same message twice."""
        with self._lock:
            self._state.injected_errors.append(
                _InjectedError("internal_error", method, user, None, times, after_doing_it=True)
            )

    def clear_injected_errors(self) -> None:
        with self._lock:
            self._state.injected_errors.clear()

    def add_guest(self, user_id: str, *, single_channel: bool = False, **kwargs: Any) -> None:
        """A multi-channel guest (`is_restricted`) or a single-channel guest (`is_ultra_restricted` too)."""
        self.add_user(user_id, **kwargs)
        with self._lock:
            user = self._state.users[user_id]
            user["is_restricted"] = True
            user["is_ultra_restricted"] = single_channel
            user["profile"] = {"real_name": user["real_name"], "guest_invited_by": "UADMIN", "fields": None}

    def add_external_user(self, user_id: str, *, team_id: str = "T0OTHERORG", is_stranger: bool = False) -> None:
        """Someone from another organisation in a Slack Connect channel: their own `team_id`; `is_stranger`
        when the bot's workspace shares no channel with them that it can see."""
        self.add_user(user_id, team_id=team_id)
        with self._lock:
            user = self._state.users[user_id]
            user["is_restricted"] = False
            user["is_ultra_restricted"] = False
            if is_stranger:
                user["is_stranger"] = True

    def add_deactivated_user(self, user_id: str, *, name: str | None = None) -> None:
        """A deactivated account as users.info returns it: trimmed to 8 keys (no tz, is_admin, is_restricted,
        real_name at the top level; users.info.deactivated.json in the payload reference)."""
        with self._lock:
            self._state.users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name or user_id.lower(),
                "deleted": True,
                "profile": {"real_name": name or user_id, "display_name": "", "fields": None},
                "is_bot": False,
                "is_app_user": False,
                "updated": 1504224679,
            }

    def remove_bot_from_channel(self, channel_id: str) -> None:
        """The bot leaves (or was never invited): conversations.info says `is_member: false`, posting answers
        `not_in_channel`; a private channel the bot isn't in looks like it doesn't exist (`channel_not_found`)."""
        with self._lock:
            info = self._state.channels[channel_id]
            info["is_member"] = False
            members = self._state.members.get(channel_id, [])
            self._state.members[channel_id] = [m for m in members if m != self.bot_user_id]
            private = bool(info.get("is_private"))
        if private:
            self.inject_error("channel_not_found", channel=channel_id)
        else:
            for method in ("chat.postMessage", "chat.postEphemeral"):
                self.inject_error("not_in_channel", method=method, channel=channel_id)

    def archive_channel(self, channel_id: str) -> None:
        with self._lock:
            self._state.channels[channel_id]["is_archived"] = True
        for method in ("chat.postMessage", "chat.postEphemeral"):
            self.inject_error("is_archived", method=method, channel=channel_id)

    def _bot_user(self) -> dict[str, Any]:
        """The bot's own user object (the active-bot shape of users.list.page_bots_and_deleted.json)."""
        return {
            "id": self.bot_user_id,
            "team_id": self.team_id,
            "name": "pulssi",
            "deleted": False,
            "real_name": "Pulssi",
            "tz": "America/Los_Angeles",
            "is_admin": False,
            "is_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": True,
            "is_app_user": False,
            "profile": {"bot_id": self.bot_id, "real_name": "Pulssi", "fields": None},
        }

    def _injected_error(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        named_users = _users_named(params)
        named_channels = {str(params[k]) for k in ("channel", "channel_id") if params.get(k)}
        with self._lock:
            for injected in self._state.injected_errors:
                if injected.times is not None and injected.times <= 0:
                    continue
                if injected.method not in (None, method):
                    continue
                if injected.user is not None and injected.user not in named_users:
                    continue
                if injected.channel is not None and injected.channel not in named_channels:
                    continue
                if injected.times is not None:
                    injected.times -= 1
                break
            else:
                return None
        if injected.after_doing_it:
            self._dispatch(method, params)
            return {"ok": False, "error": injected.error, "_http_status": 503}
        return {"ok": False, "error": injected.error}

    # -- inspection
    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self._state.calls.clear()

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, predicate: Callable[[RecordedCall], bool] | None = None
    ) -> list[RecordedCall]:
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method) if predicate is None or predicate(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {count} {method} call(s), got {len(found)}; recorded: {seen}")
            time.sleep(0.01)

    @property
    def violations(self) -> list[str]:
        with self._lock:
            return list(self._state.violations)

    def assert_no_violations(self) -> None:
        if self.violations:
            raise AssertionError("Block Kit violations:\n" + "\n".join(self.violations))

    @property
    def messages(self) -> dict[tuple[str, str], dict[str, Any]]:
        with self._lock:
            return dict(self._state.messages)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._state.views)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._state.home_views)

    @property
    def uploaded_files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._state.uploaded)

    # -- HTTP
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        parsed = urllib.parse.urlparse(request.path)
        if self._latency:
            time.sleep(self._latency)
        if parsed.path.startswith("/respond/"):
            key = urllib.parse.unquote(parsed.path[len("/respond/") :])
            params = _decode(raw, headers, parsed.query)
            params["key"] = key
            self._record("response_url", params, headers)
            if params.get("blocks") is not None:
                self._check_blocks("response_url", params.get("blocks"), 50)
            self._send(request, 200, b"ok", "text/plain")
            return
        if parsed.path.startswith("/upload/"):
            file_id = parsed.path[len("/upload/") :]
            content = _multipart_content(raw, headers.get("content-type", ""))
            with self._lock:
                upload = self._state.uploads.get(file_id)
                if upload is not None:
                    upload.content = content
            self._record("file_upload", {"file_id": file_id, "size": len(content)}, headers)
            self._send(request, 200, b"OK - " + str(len(content)).encode(), "text/plain")
            return
        if not parsed.path.startswith("/api/"):
            self._send(request, 404, b"not found", "text/plain")
            return
        method = parsed.path[len("/api/") :]
        params = _decode(raw, headers, parsed.query)
        fault = self._fault_for(method)
        if fault is not None:
            self._record(method, params, headers)
            status, retry_after = fault
            self.faults_served += 1
            if status == 429:
                body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                self._send(request, 429, body, "application/json", {"Retry-After": str(retry_after)})
            else:
                self._send(request, status, b"<html>upstream error</html>", "text/html")
            return
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else str(params.get("token") or "")
        if method == "apps.connections.open" and token.startswith("xapp-"):
            # Socket Mode: an address nothing listens on, so a client keeps retrying (idle-memory benchmark).
            answer: dict[str, Any] = {"ok": True, "url": "ws://127.0.0.1:9/link"}
        elif token != self.token:
            answer = {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        else:
            try:
                answer = self._injected_error(method, params) or self._dispatch(method, params)
            except KeyError as missing:
                answer = {"ok": False, "error": "invalid_arguments", "detail": f"missing {missing}"}
        # Recorded after the state changed, so a test that saw the call also sees its effect.
        self._record(method, params, headers)
        status = int(answer.pop("_http_status", 200))  # a fault that did the work, then answered 5xx
        self._send(request, status, json.dumps(answer).encode(), "application/json")

    def _fault_for(self, method: str) -> tuple[int, int] | None:
        with self._lock:
            for fault in self._state.faults:
                if fault.method in (None, method) and fault.times > 0:
                    fault.times -= 1
                    return fault.status, fault.retry_after
            limit = self._rate_limits.get(method)
            if limit is not None:
                now = time.monotonic()
                tokens, then = self._buckets[method]
                tokens = min(float(limit), tokens + (now - then) * limit)
                if tokens < 1.0:
                    self._buckets[method] = (tokens, now)
                    return 429, max(1, math.ceil((1.0 - tokens) / limit))
                self._buckets[method] = (tokens - 1.0, now)
            if method.startswith(FAULTABLE_PREFIXES) and (self._rate_429 or self._rate_5xx):
                roll = self._random.random()
                if roll < self._rate_429:
                    return 429, self._rate_retry_after
                if roll < self._rate_429 + self._rate_5xx:
                    return 503, 0
        return None

    def _record(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self._state.calls.append(RecordedCall(method, params, headers, time.monotonic()))

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    # -- validation
    def _violation(self, text: str) -> None:
        with self._lock:
            self._state.violations.append(text)

    def _check_blocks(self, where: str, blocks: Any, limit: int) -> bool:
        if blocks is None:
            return True
        if not isinstance(blocks, list):
            self._violation(f"{where}: blocks is not a list")
            return False
        ok = True
        if len(blocks) > limit:
            self._violation(f"{where}: {len(blocks)} blocks (limit {limit})")
            ok = False
        for index, block in enumerate(blocks):
            try:
                parsed = Block.parse(block)
                if parsed is None or type(parsed) is Block:
                    self._violation(f"{where}: block {index} has unknown type {block.get('type')!r}")
                    ok = False
                    continue
                parsed.validate_json()
            except (SlackObjectFormationError, KeyError, TypeError, ValueError) as error:
                self._violation(f"{where}: block {index} ({block.get('type')}): {error}")
                ok = False
            ok = self._check_limits(where, index, block) and ok
        return ok

    def _check_limits(self, where: str, index: int, block: dict[str, Any]) -> bool:
        ok = True

        def over(text: Any, limit: int, what: str) -> None:
            nonlocal ok
            value = text.get("text", "") if isinstance(text, dict) else ""
            if len(value) > limit:
                self._violation(f"{where}: block {index} {what} is {len(value)} chars (limit {limit})")
                ok = False

        if block.get("type") == "section":
            over(block.get("text"), 3000, "section text")
            for item in block.get("fields") or []:
                over(item, 2000, "section field")
        if block.get("type") == "header":
            over(block.get("text"), 150, "header text")
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("type") == "button":
                over(element.get("text"), 75, "button text")
        return ok

    def _check_view(self, where: str, view: Any) -> bool:
        if not isinstance(view, dict):
            self._violation(f"{where}: view is not an object")
            return False
        ok = True
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError, KeyError, ValueError) as error:
            self._violation(f"{where}: {error}")
            ok = False
        if view.get("type") == "modal":
            for key in ("title", "submit", "close"):
                text = (view.get(key) or {}).get("text", "")
                if len(text) > 24:
                    self._violation(f"{where}: modal {key} is {len(text)} chars (limit 24)")
                    ok = False
        return self._check_blocks(where, view.get("blocks") or [], 100) and ok

    # -- methods
    def _next_ts(self) -> str:
        """Like Slack: the send time in seconds with microseconds, unique and increasing."""
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts + 1)
            self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _resolve_channel(self, channel: str) -> str | None:
        with self._lock:
            if channel in self._state.channels:
                return channel
            if channel.startswith(("U", "W")) and channel in self._state.users:
                return "D" + channel
            if channel.startswith("D") and channel[1:] in self._state.users:
                return channel
        return None

    def _dispatch(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        s = self._state
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "user": "pulssi",
            }
        if method == "users.info":
            with self._lock:
                user = s.users.get(str(p["user"]))
            if user is None and str(p["user"]) == self.bot_user_id:
                user = self._bot_user()
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            data = dict(user)
            locale = data.pop("locale", None)
            if locale is not None and str(p.get("include_locale", "")).lower() in ("true", "1"):
                data["locale"] = locale
            if "tz" in data:  # deactivated users come back trimmed: no tz at all
                data["tz_offset"] = _offset(data["tz"])
                data["tz_label"] = data["tz"]
            return {"ok": True, "user": data}
        if method == "users.list":
            with self._lock:
                users = list(s.users.values())
            return _page(users, p, "members")
        if method == "conversations.info":
            channel = str(p["channel"])
            with self._lock:
                info = s.channels.get(channel)
            if info is None and self._resolve_channel(channel) == channel and channel.startswith("D"):
                info = {"id": channel, "is_im": True, "user": channel[1:]}
            return {"ok": True, "channel": info} if info else {"ok": False, "error": "channel_not_found"}
        if method == "conversations.members":
            with self._lock:
                members = s.members.get(str(p["channel"]))
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            return _page(members, p, "members")
        if method == "conversations.open":
            users = p.get("users")
            first = (users if isinstance(users, str) else ",".join(users or [])).split(",")[0]
            if first not in s.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": "D" + first}}
        if method == "conversations.history":
            channel = self._resolve_channel(str(p["channel"]))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            oldest = float(p.get("oldest") or 0)
            with self._lock:
                found = [dict(m, ts=ts) for (c, ts), m in s.messages.items() if c == channel and float(ts) >= oldest]
            include_metadata = str(p.get("include_all_metadata", "")).lower() in ("true", "1")
            if not include_metadata:
                for message in found:
                    message.pop("metadata", None)
            found.sort(key=lambda m: float(m["ts"]), reverse=True)
            return {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}
        if method in MESSAGE_METHODS:
            return self._message(method, p)
        if method == "chat.delete":
            with self._lock:
                removed = s.messages.pop((str(p["channel"]), str(p["ts"])), None)
            return (
                {"ok": True, "channel": p["channel"], "ts": p["ts"]}
                if removed
                else {"ok": False, "error": "message_not_found"}
            )
        if method == "chat.getPermalink":
            message_id = str(p["message_ts"]).replace(".", "")
            return {
                "ok": True,
                "channel": p["channel"],
                "permalink": f"https://example.slack.com/archives/{p['channel']}/p{message_id}",
            }
        if method in VIEW_METHODS:
            return self._view(method, p)
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):08d}"
            with self._lock:
                s.uploads[file_id] = UploadedFile(file_id=file_id, filename=str(p["filename"]))
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = p.get("files") or []
            done = []
            with self._lock:
                for item in files:
                    upload = s.uploads.get(item["id"])
                    if upload is None:
                        return {"ok": False, "error": "file_not_found"}
                    upload.title = item.get("title")
                    upload.channel_id = p.get("channel_id")
                    upload.initial_comment = p.get("initial_comment")
                    upload.thread_ts = p.get("thread_ts")
                    s.uploaded.append(upload)
                    done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
            return {"ok": True, "files": done}
        return {"ok": False, "error": "unknown_method"}

    def _message(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        blocks = p.get("blocks")
        if not p.get("text") and not blocks:
            self._violation(f"{method}: neither text nor blocks")
            return {"ok": False, "error": "no_text"}
        if blocks is not None and not self._check_blocks(method, blocks, 50):
            return {"ok": False, "error": "invalid_blocks"}
        channel = self._resolve_channel(str(p.get("channel") or ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        with self._lock:
            if method == "chat.update":
                key = (channel, str(p["ts"]))
                if key not in self._state.messages:
                    return {"ok": False, "error": "message_not_found"}
                message = self._state.messages[key]
                message.update({"text": p.get("text", message.get("text")), "blocks": blocks or []})
                return {"ok": True, "channel": channel, "ts": p["ts"], "text": message["text"]}
            ts = self._next_ts()
            message = {
                "type": "message",
                "text": p.get("text", ""),
                "blocks": blocks or [],
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "thread_ts": p.get("thread_ts"),
            }
            if p.get("metadata"):
                message["metadata"] = p["metadata"]
            self._state.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": dict(message, ts=ts)}

    def _view(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        view = p.get("view")
        if not self._check_view(method, view):
            return {"ok": False, "error": "invalid_arguments"}
        assert isinstance(view, dict)
        with self._lock:
            if method == "views.update":
                view_id = str(p.get("view_id") or "")
                if view_id not in self._state.views:
                    return {"ok": False, "error": "not_found"}
            else:
                view_id = f"V{next(self._ids):08d}"
            stored = dict(view, id=view_id, hash=f"h{next(self._ids)}", team_id=self.team_id)
            self._state.views[view_id] = stored
            if method == "views.publish":
                self._state.home_views[str(p["user_id"])] = stored
        return {"ok": True, "view": stored}


def _users_named(params: dict[str, Any]) -> set[str]:
    """The users a call is about: `user`, `user_id`, each of `users`, and a DM channel named by user or D-id."""
    named = {str(params[k]) for k in ("user", "user_id") if params.get(k)}
    users = params.get("users")
    if users:
        named.update(users.split(",") if isinstance(users, str) else [str(u) for u in users])
    channel = str(params.get("channel") or "")
    if channel[:1] in ("U", "W"):
        named.add(channel)
    elif channel.startswith("D"):
        named.add(channel[1:])
    return named


def _decode(raw: bytes, headers: dict[str, str], query: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
    content_type = headers.get("content-type", "")
    if raw:
        if "json" in content_type:
            try:
                body = json.loads(raw)
                if isinstance(body, dict):
                    params.update(body)
            except ValueError:
                params["_raw"] = raw.decode("utf-8", "replace")
        elif "form" in content_type:
            params.update(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    for name in JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


def _multipart_content(raw: bytes, content_type: str) -> bytes:
    if "multipart/form-data" not in content_type or "boundary=" not in content_type:
        return raw
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    for part in raw.split(b"--" + boundary):
        if b"\r\n\r\n" in part and b"filename=" in part.split(b"\r\n\r\n", 1)[0]:
            body = part.split(b"\r\n\r\n", 1)[1]
            return body[:-2] if body.endswith(b"\r\n") else body
    return raw


def _page(items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
    limit = int(params.get("limit") or 100) or 100
    start = int(params.get("cursor") or 0)
    chunk = items[start : start + limit]
    next_cursor = str(start + limit) if start + limit < len(items) else ""
    return {"ok": True, key: chunk, "response_metadata": {"next_cursor": next_cursor}}


def _offset(tz: str) -> int:
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (KeyError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0
