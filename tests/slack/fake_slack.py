"""A fake Slack Web API on loopback: answers like Slack, records calls, validates Block Kit, injects faults.

Its answers have Slack's key sets, nulls and string types (the reference corpus is the judge: see the README's
testing section), and it is as strict as Slack where a lenient fake would hide a bug: posting needs membership,
ephemerals need the person in the channel, chat.update needs the conversation ID, trigger_ids expire after 3 s,
and every method checks the bot's scopes in manifest.yml.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import math
import random
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.patience import WAIT_SECONDS

JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata", "users")
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
FAULTABLE_PREFIXES = ("chat.", "views.", "conversations.", "users.", "files.")
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
TRIGGER_TTL_SECONDS = 3.0  # docs: open a modal within 3 seconds of receiving the trigger
APP_ID = "A0PULSSI"

# Scopes each method needs (docs.slack.dev/reference/methods/<method>): any one of a tuple will do.
# conversations.* depend on the kind of conversation and are resolved in _needed_scopes.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "conversations.open": ("im:write", "mpim:write"),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "reactions.get": ("reactions:read",),
    "team.info": ("team:read",),
}
CONVERSATION_READ_SCOPES = {"public": "channels:read", "private": "groups:read", "im": "im:read"}
CONVERSATION_HISTORY_SCOPES = {"public": "channels:history", "private": "groups:history", "im": "im:history"}


def manifest_bot_scopes(path: Path = MANIFEST) -> set[str]:
    import yaml

    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


@dataclass
class RecordedCall:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    answer: dict[str, Any] | None = None  # the JSON body Slack answered with (None for faults and uploads)


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
class InstallableWorkspace:
    """A workspace the app can be installed into through the OAuth flow (add_workspace)."""

    team_id: str
    name: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None


@dataclass
class IssuedToken:
    """A token oauth.v2.access gave out: whose it is, until when (rotation), and whether it was revoked."""

    token: str
    team_id: str
    kind: str  # "bot" or "user"
    user_id: str | None = None
    expires_at: float | None = None  # time.time(); None: a token that does not rotate
    revoked: bool = False


@dataclass
class _Grant:
    team_id: str
    user_id: str
    used: bool = False


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
    triggers: dict[str, float] = field(default_factory=dict)  # trigger_id -> monotonic time it was issued
    socket_tickets: list[str] = field(default_factory=list)  # one per apps.connections.open, newest last
    injected_errors: list[_InjectedError] = field(default_factory=list)


class FakeSlack:
    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_token: str = "xapp-1-A0PULSSI-1-test",
        scopes: set[str] | None = None,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.team_id = team_id
        # Enterprise Grid (make_org): the org, and whether the bot token is an org-wide install's.
        self.enterprise_id: str | None = None
        self.enterprise_name = "Example Org"
        self.org_wide = False
        self.bot_user_id = bot_user_id
        self.access_revoked: dict[str, set[str]] = {}  # org -> its workspaces an org-wide app was taken out of
        self.bot_id = bot_id
        # The bot token's scopes: what manifest.yml asks for, so a method the manifest forgot fails here.
        self.scopes = set(scopes) if scopes is not None else manifest_bot_scopes()
        self.socket_url: str | None = None  # a Socket Mode server's ws:// address (tests.slack.socket_mode)
        # -- OAuth (install through /slack/install): the app's credentials, where Slack sends the installer back
        # (the app's configured Redirect URL), the workspaces that can install it, and every token given out.
        self.client_id = "1111111111.2222222222"
        self.client_secret = "fake-client-secret-0123456789"
        self.redirect_url = ""
        self.token_rotation_seconds: int | None = None  # set: tokens expire after this and come with refresh tokens
        self.workspaces: dict[str, InstallableWorkspace] = {team_id: InstallableWorkspace(team_id, "Example")}
        # Grid orgs the app can be installed into org-wide (add_org): enterprise id -> name. A token given out
        # for one (IssuedToken.team_id is the org's E… id) is the org's, for every workspace of the org.
        self.orgs: dict[str, str] = {}
        self.issued: dict[str, IssuedToken] = {}
        self._refresh_tokens: dict[str, tuple[str, str]] = {}  # refresh token -> (team_id, kind)
        self._grants: dict[str, _Grant] = {}
        self._installer: tuple[str, str] = (team_id, "UINSTALLER")
        self._calling = threading.local()  # the workspace whose token the request being answered carries
        self._state = _State()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._latency = 0.0
        self._method_latency: dict[str, float] = {}  # Web API method -> seconds, instead of _latency
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
        # Polls for shutdown() every 10 ms instead of socketserver's 0.5 s, so stopping doesn't wait.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True, name="fake-slack"
        )
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
        teams: list[str] | None = None,
        is_primary_owner: bool = False,
        enterprise_id: str | None = None,
        is_org_admin: bool = False,
        is_org_owner: bool = False,
    ) -> None:
        """`teams`: an Enterprise Grid person's workspaces (users.info then carries `teams` and `enterprise_user`,
        of `enterprise_id`, else the fake's org); `is_org_admin`/`is_org_owner` are `enterprise_user`'s flags."""
        with self._lock:
            self._state.users[user_id] = {
                "teams": list(teams or []),
                "enterprise_id": enterprise_id,
                "is_org_admin": is_org_admin,
                "is_org_owner": is_org_owner,
                "is_primary_owner": is_primary_owner,
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

    def make_org(self, enterprise_id: str = "E0PULSSI", *, name: str = "Example Org") -> None:
        """Enterprise Grid with an org-wide install: one bot token for every workspace of the org. auth.test
        then says `is_enterprise_install: true` with the org's id and no team (an org token has none)."""
        with self._lock:
            self.enterprise_id = enterprise_id
            self.enterprise_name = name
            self.org_wide = True

    def add_grid_user(
        self,
        user_id: str,
        team_id: str,
        *,
        other_teams: tuple[str, ...] = (),
        is_admin: bool = False,
        is_org_admin: bool = False,
        **kwargs: Any,
    ) -> None:
        """A person of the org (a `W…` id as Grid gives them): `team_id` is their workspace, `other_teams`
        any more of the org's workspaces they are in; `is_admin` is a workspace admin, `is_org_admin` an org admin."""
        self.add_user(
            user_id,
            team_id=team_id,
            teams=[team_id, *other_teams],
            is_admin=is_admin,
            is_org_admin=is_org_admin,
            enterprise_id=self.enterprise_id or "E0PULSSI",
            **kwargs,
        )

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str],
        *,
        is_private: bool = False,
        is_archived: bool = False,
        host_team_id: str | None = None,
        shared_team_ids: list[str] | None = None,
        team_id: str | None = None,
    ) -> None:
        """A channel and its members; the bot is a member only when `bot_user_id` is in `members`, as in Slack.

        Grid: `host_team_id` is the workspace that made the channel (conversations.info `conversation_host_id`),
        `shared_team_ids` every workspace of the org it is shared with (then `is_shared`/`is_org_shared`).
        `team_id` (OAuth tests): the installed workspace it is in, the default one if not given."""
        host = host_team_id or team_id or self.team_id
        shared = list(shared_team_ids or [host])
        org_shared = len(shared) > 1
        with self._lock:
            self._state.channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_mpim": False,
                "is_private": is_private,
                "created": 1663890553,
                "is_archived": is_archived,
                "is_general": False,
                "unlinked": 0,
                "name_normalized": name,
                "is_shared": org_shared,
                "is_org_shared": org_shared,
                "is_pending_ext_shared": False,
                "pending_shared": [],
                "context_team_id": host,
                "updated": 1740098274213,
                "parent_conversation": None,
                "creator": self.bot_user_id,
                "is_read_only": False,
                "is_thread_only": False,
                "is_non_threadable": False,
                "is_ext_shared": False,
                "shared_team_ids": shared,
                "pending_connected_team_ids": [],
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "properties": {},
                "previous_names": [],
            }
            if host_team_id is not None or self.enterprise_id:
                self._state.channels[channel_id]["conversation_host_id"] = host
                self._state.channels[channel_id]["internal_team_ids"] = shared
            self._state.members[channel_id] = list(members)

    def join_channel(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            members = self._state.members.setdefault(channel_id, [])
            if user_id not in members:
                members.append(user_id)

    def leave_channel(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            members = self._state.members.get(channel_id, [])
            if user_id in members:
                members.remove(user_id)

    def is_member(self, channel_id: str, user_id: str) -> bool:
        with self._lock:
            return user_id in self._state.members.get(channel_id, [])

    def issue_trigger(self, *, age: float = 0.0) -> str:
        """A trigger_id as Slack puts in a payload, valid for 3 s from `now - age` (age > 3: already expired)."""
        with self._lock:
            trigger = f"{next(self._ids)}{int(time.time())}.{self.team_id[1:] or '1'}.{uuid.uuid4().hex}"
            self._state.triggers[trigger] = time.monotonic() - age
        return trigger

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

    def set_latency(self, seconds: float, *, method: str | None = None) -> None:
        """Every answer (or, with `method`, that Web API method's answers) takes this long."""
        if method is None:
            self._latency = seconds
        else:
            self._method_latency[method] = seconds

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

    def add_external_user(
        self,
        user_id: str,
        *,
        team_id: str = "T0OTHERORG",
        is_stranger: bool = False,
        enterprise_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Someone from another organisation in a Slack Connect channel: their own `team_id` (and their own
        Grid org with `enterprise_id`); `is_stranger` when the bot's workspace shares no channel with them that
        it can see."""
        teams = [team_id] if enterprise_id else None
        self.add_user(user_id, team_id=team_id, teams=teams, enterprise_id=enterprise_id, **kwargs)
        with self._lock:
            user = self._state.users[user_id]
            user["is_restricted"] = False
            user["is_ultra_restricted"] = False
            if is_stranger:
                user["is_stranger"] = True

    def add_deactivated_user(self, user_id: str, *, name: str | None = None) -> None:
        """A deactivated account: users.info returns it trimmed (no tz, is_admin, is_restricted or real_name at
        the top level; users.info.deactivated.json in the payload reference)."""
        self.add_user(user_id, name=name, deleted=True)

    def remove_bot_from_channel(self, channel_id: str) -> None:
        """The bot leaves (or was never invited): conversations.info says `is_member: false`, posting answers
        `not_in_channel`; a private channel the bot isn't in looks like it doesn't exist (`channel_not_found`).
        Membership is the fake's own rule (see add_channel), so `join_channel(channel, bot)` undoes this."""
        self.leave_channel(channel_id, self.bot_user_id)

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
            "locale": "en-US",
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
        self,
        method: str,
        count: int = 1,
        timeout: float = WAIT_SECONDS,
        predicate: Callable[[RecordedCall], bool] | None = None,
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
            raise AssertionError("Block Kit and scope violations:\n" + "\n".join(self.violations))

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
        latency = self._method_latency.get(parsed.path.removeprefix("/api/"), self._latency)
        if latency:
            time.sleep(latency)
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
        if parsed.path == "/oauth/v2/authorize":
            self._authorize_page(request, dict(urllib.parse.parse_qsl(parsed.query)))
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
        extra: dict[str, str] = {}
        team_id, refusal = self._token_workspace(token)
        self._calling.team_id = team_id
        if method == "apps.connections.open" and token.startswith("xapp-"):
            answer: dict[str, Any] = self._connections_open(token)
        elif method == "oauth.v2.access":
            answer = self._oauth_access(params, headers)
        elif refusal is not None:
            answer = {"ok": False, "error": refusal}
        else:
            extra = {"x-oauth-scopes": ",".join(sorted(self.scopes))}
            try:
                needed = self._needed_scopes(method, params)
                if needed and not needed & self.scopes:
                    # A method the manifest doesn't grant is a bug in the app or manifest.yml, as a block is.
                    self._violation(f"{method}: missing_scope (needs one of {sorted(needed)})")
                    extra["x-accepted-oauth-scopes"] = ",".join(sorted(needed))
                    answer = {
                        "ok": False,
                        "error": "missing_scope",
                        "needed": ",".join(sorted(needed)),
                        "provided": ",".join(sorted(self.scopes)),
                    }
                else:
                    answer = (
                        self._other_workspace(method, params, team_id or self.team_id)
                        or self._injected_error(method, params)
                        or self._dispatch(method, params)
                    )
            except KeyError as missing:
                answer = {"ok": False, "error": "invalid_arguments", "detail": f"missing {missing}"}
        if not answer.get("ok") and "charset" not in headers.get("content-type", "charset"):
            # Real errors to a request without a charset carry this warning; callers must tolerate extra keys.
            answer["warning"] = "missing_charset"
            answer["response_metadata"] = {"warnings": ["missing_charset"]}
        # Recorded after the state changed, so a test that saw the call also sees its effect.
        self._record(method, params, headers, dict(answer))  # a do-then-fail fault keeps its _http_status here
        status = int(answer.pop("_http_status", 200))  # a fault that did the work, then answered 5xx
        self._send(request, status, json.dumps(answer).encode(), "application/json", extra)

    # -- OAuth: the authorize page, oauth.v2.access (a code, or a refresh token), and whose a token is
    def add_workspace(
        self, team_id: str, name: str, *, enterprise_id: str | None = None, enterprise_name: str | None = None
    ) -> None:
        """Another workspace the app can be installed into (people and channels go in with team_id=...)."""
        with self._lock:
            self.workspaces[team_id] = InstallableWorkspace(team_id, name, enterprise_id, enterprise_name)

    def add_org(self, enterprise_id: str, name: str, workspaces: dict[str, str]) -> None:
        """OAuth mode: an Enterprise Grid org and its workspaces (id -> name), installable org-wide
        (`install_as(enterprise_id, ...)`) and each workspace on its own. Unlike make_org, the fake's own token
        and other workspaces' tokens stay workspace tokens; people go in with add_grid_user."""
        with self._lock:
            self.enterprise_id = enterprise_id
            self.enterprise_name = name
            self.orgs[enterprise_id] = name
            for team_id, team_name in workspaces.items():
                self.workspaces[team_id] = InstallableWorkspace(team_id, team_name, enterprise_id, name)

    def install_as(self, team_id: str, user_id: str) -> None:
        """Who clicks "Allow" on the next authorize page, and in which workspace (an org's E… id: org-wide)."""
        with self._lock:
            self._installer = (team_id, user_id)

    def tokens_of(self, team_id: str, kind: str = "bot") -> list[str]:
        with self._lock:
            return [t.token for t in self.issued.values() if t.team_id == team_id and t.kind == kind]

    def current_token(self, team_id: str) -> str:
        """The newest bot token given out for the workspace."""
        tokens = self.tokens_of(team_id)
        if not tokens:
            raise AssertionError(f"no bot token was issued for {team_id}")
        return tokens[-1]

    def expire_tokens(self) -> None:
        """Every rotating token given out so far runs out now, as if its lifetime had passed. Tests call this instead
        of sleeping out a lifetime of a second or two, which a loaded machine also spends between the refresh and
        the call that uses the fresh token."""
        ran_out = time.time() - 1.0
        with self._lock:
            for issued in self.issued.values():
                if issued.expires_at is not None:
                    issued.expires_at = min(issued.expires_at, ran_out)

    def revoke_workspace(self, team_id: str) -> None:
        """The workspace uninstalled the app (or an admin revoked its tokens): every token answers token_revoked."""
        with self._lock:
            for issued in self.issued.values():
                if issued.team_id == team_id:
                    issued.revoked = True
            for refresh, (team, _kind) in list(self._refresh_tokens.items()):
                if team == team_id:
                    del self._refresh_tokens[refresh]

    def team_access_envelope(
        self,
        event_type: str,
        enterprise_id: str,
        team_ids: list[str],
        *,
        event_id: str,
        authorized_team: str | None = None,
    ) -> dict[str, Any]:
        """What Slack sends an org-wide app when an org admin takes it out of some of the org's workspaces
        (`team_access_revoked`) or adds it to more (`team_access_granted`), as docs.slack.dev/reference/events/
        team_access_revoked shows it: the event is only `{type, team_ids, event_ts}`; the envelope names the org
        (`enterprise_id`) and no team (`team_id: null`, the api.slack.com page's form), and its authorization is
        the org-wide install's (no team, `is_enterprise_install: true`). The workspaces taken out are kept in
        `access_revoked` (an org-wide token still reaches their people here, as the worst case would).

        With `authorized_team` the envelope is docs.slack.dev's example's instead: the envelope's `team_id` and
        the authorization name that workspace of the org, with `is_enterprise_install: false`, and the
        envelope has no `enterprise_id` (that example nests one in a second `event`, which Bolt reads nowhere)."""
        with self._lock:
            out = self.access_revoked.setdefault(enterprise_id, set())
            if event_type == "team_access_revoked":
                out.update(team_ids)
            else:
                out.difference_update(team_ids)
        event = {"type": event_type, "team_ids": list(team_ids), "event_ts": f"{time.time():.6f}"}
        if authorized_team is not None:
            return {
                "token": "FAKEfakeFAKEfakeFAKEfake",
                "team_id": authorized_team,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "authorizations": [
                    {
                        "enterprise_id": enterprise_id,
                        "team_id": authorized_team,
                        "is_bot": False,
                        "is_enterprise_install": False,
                    }
                ],
                "event_id": event_id,
                "event_time": int(time.time()),
            }
        return {
            "token": "FAKEfakeFAKEfakeFAKEfake",
            "team_id": None,
            "enterprise_id": enterprise_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": enterprise_id,
                    "team_id": None,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": True,
                }
            ],
        }

    def team_of_call(self, call: RecordedCall) -> str | None:
        """The workspace whose token the call carried (None: no token, or one Slack never gave out)."""
        auth = call.headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else str(call.params.get("token") or "")
        if token == self.token:
            return self.team_id
        with self._lock:
            issued = self.issued.get(token)
        return issued.team_id if issued else None

    def _token_workspace(self, token: str) -> tuple[str | None, str | None]:
        """(the token's workspace, None) or (None, Slack's error for it)."""
        if not token:
            return None, "not_authed"
        if token == self.token:
            return self.team_id, None
        with self._lock:
            issued = self.issued.get(token)
        if issued is None:
            return None, "invalid_auth"
        if issued.revoked:
            return None, "token_revoked"
        if issued.expires_at is not None and time.time() >= issued.expires_at:
            return None, "token_expired"
        return issued.team_id, None

    def _other_workspace(self, method: str, params: dict[str, Any], team_id: str) -> dict[str, Any] | None:
        """Slack's answer when a call names a channel or person of another workspace than its token's: to that
        token they don't exist (channel_not_found, user_not_found)."""
        if method.startswith(("auth.", "files.", "apps.")):
            return None
        with self._lock:
            channels = {str(params[k]) for k in ("channel", "channel_id") if params.get(k)}
            for channel in channels:
                info = self._state.channels.get(channel)
                if info is not None and not self._channel_in(info, team_id):
                    return {"ok": False, "error": "channel_not_found"}
                person = channel if channel[:1] in ("U", "W") else channel[1:] if channel[:1] == "D" else ""
                if person and not self._user_in(person, team_id):
                    return {"ok": False, "error": "channel_not_found"}
            named = {str(params[k]) for k in ("user", "user_id") if params.get(k)}
            users = params.get("users")
            if users:
                named.update(users.split(",") if isinstance(users, str) else [str(u) for u in users])
            if any(not self._user_in(user, team_id) for user in named):
                return {"ok": False, "error": "user_not_found"}
        return None

    def _org_of(self, team_id: str | None) -> str | None:
        workspace = self.workspaces.get(team_id or "")
        return workspace.enterprise_id if workspace else None

    def _channel_in(self, info: dict[str, Any], team_id: str) -> bool:
        """Whether a token of `team_id` sees the channel: its own workspace's, or one shared with it (an org-wide
        token: any of its org's workspaces')."""
        home = info.get("context_team_id")
        shared = list(info.get("shared_team_ids") or [])
        if team_id in self.orgs:
            return any(self._org_of(t) == team_id for t in [home, *shared]) or home not in self.workspaces
        return home == team_id or team_id in shared or home not in self.workspaces

    def _user_in(self, user_id: str, team_id: str) -> bool:
        """Whether the person is visible to a token of `team_id`: anyone but a member of another workspace the
        app can be installed in (people of other organisations, in Slack Connect channels, are visible)."""
        user = self._state.users.get(user_id)
        if user is None or user["team_id"] == team_id or team_id in (user.get("teams") or []):
            return True
        if team_id in self.orgs and self._org_of(user["team_id"]) == team_id:
            return True  # an org-wide token sees every workspace of its org
        return user["team_id"] not in self.workspaces

    def _authorize_page(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        """slack.com/oauth/v2/authorize: the installer allows, and Slack sends them back with a code and the state."""
        if query.get("client_id") != self.client_id:
            self._send(request, 400, b"invalid_client_id", "text/plain")
            return
        asked = set(filter(None, query.get("scope", "").split(",")))
        if not asked or not asked <= self.scopes:
            self._violation(f"authorize: scopes {sorted(asked)} are not the manifest's {sorted(self.scopes)}")
        target = query.get("redirect_uri") or self.redirect_url
        if not target:
            self._send(request, 400, b"bad_redirect_uri", "text/plain")
            return
        code = f"code-{uuid.uuid4().hex}"
        with self._lock:
            team_id, user_id = self._installer
            self._grants[code] = _Grant(team_id, user_id)
        self._record("oauth.v2.authorize", query, {k.lower(): v for k, v in request.headers.items()})
        location = f"{target}?{urllib.parse.urlencode({'code': code, 'state': query.get('state', '')})}"
        self._send(request, 302, b"", "text/plain", {"Location": location})

    def _issue(self, team_id: str, kind: str, user_id: str | None) -> dict[str, Any]:
        rotating = self.token_rotation_seconds is not None
        prefix = "xoxe.xoxb-1-" if rotating and kind == "bot" else "xoxe.xoxp-1-" if rotating else f"xox{kind[0]}-"
        token = f"{prefix}{team_id}-{uuid.uuid4().hex}"
        issued = IssuedToken(token, team_id, kind, user_id)
        granted: dict[str, Any] = {"access_token": token}
        if rotating:
            assert self.token_rotation_seconds is not None
            issued.expires_at = time.time() + self.token_rotation_seconds
            refresh = f"xoxe-1-{uuid.uuid4().hex}"
            self._refresh_tokens[refresh] = (team_id, kind)
            granted.update(refresh_token=refresh, expires_in=self.token_rotation_seconds)
        self.issued[token] = issued
        return granted

    def _oauth_access(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        client_id, client_secret = str(params.get("client_id") or ""), str(params.get("client_secret") or "")
        auth = headers.get("authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        scope = ",".join(sorted(self.scopes))
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                known = self._refresh_tokens.get(str(params.get("refresh_token") or ""))
                if known is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                team_id, kind = known
                return {
                    "ok": True,
                    "app_id": APP_ID,
                    "scope": scope,
                    "token_type": kind,
                    **self._issue(team_id, kind, None),
                    "bot_user_id": self.bot_user_id,
                    **self._installed_into(team_id),
                }
            grant = self._grants.get(str(params.get("code") or ""))
            if grant is None or grant.used:
                return {"ok": False, "error": "invalid_code"}
            grant.used = True
            return {
                "ok": True,
                "token_type": "bot",
                "scope": scope,
                "bot_user_id": self.bot_user_id,
                "app_id": APP_ID,
                **self._installed_into(grant.team_id),
                "authed_user": {"id": grant.user_id},
                **self._issue(grant.team_id, "bot", None),
            }

    def _installed_into(self, team_id: str) -> dict[str, Any]:
        """oauth.v2.access's `team`, `enterprise` and `is_enterprise_install`. An org-wide install has no team
        (`team: null`), the org in `enterprise`, and `is_enterprise_install: true` (docs.slack.dev,
        oauth.v2.access and "Organization-ready apps"); a workspace's names its org in `enterprise` (Grid) or null."""
        if team_id in self.orgs:
            return {
                "team": None,
                "enterprise": {"id": team_id, "name": self.orgs[team_id]},
                "is_enterprise_install": True,
            }
        workspace = self.workspaces[team_id]
        return {
            "team": {"id": workspace.team_id, "name": workspace.name},
            "enterprise": _enterprise(workspace),
            "is_enterprise_install": False,
        }

    def _connections_open(self, token: str) -> dict[str, Any]:
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        if self.socket_url is None:
            # No Socket Mode server: an address nothing listens on, so a client keeps retrying (idle memory).
            return {"ok": True, "url": "ws://127.0.0.1:9/link"}
        ticket = uuid.uuid4().hex
        with self._lock:
            self._state.socket_tickets.append(ticket)
        return {"ok": True, "url": f"{self.socket_url}/link/?ticket={ticket}&app_id={APP_ID}"}

    def take_socket_ticket(self, ticket: str) -> bool:
        """A ticket from apps.connections.open opens one connection, once (the Socket Mode server asks here)."""
        with self._lock:
            if ticket in self._state.socket_tickets:
                self._state.socket_tickets.remove(ticket)
                return True
        return False

    def _conversation_kind(self, channel: str) -> str | None:
        with self._lock:
            info = self._state.channels.get(channel)
            if info is not None:
                return "private" if info["is_private"] else "public"
        if channel.startswith("D"):
            return "im"
        return None

    def _needed_scopes(self, method: str, p: dict[str, Any]) -> set[str]:
        if method in ("conversations.info", "conversations.members", "conversations.history"):
            kind = self._conversation_kind(str(p.get("channel") or ""))
            table = CONVERSATION_HISTORY_SCOPES if method == "conversations.history" else CONVERSATION_READ_SCOPES
            return {table[kind]} if kind else set()
        return set(METHOD_SCOPES.get(method, ()))

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

    def _record(
        self, method: str, params: dict[str, Any], headers: dict[str, str], answer: dict[str, Any] | None = None
    ) -> None:
        with self._lock:
            self._state.calls.append(RecordedCall(method, params, headers, time.monotonic(), answer))

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

    def _resolve_channel(self, channel: str, *, user_ids: bool = True) -> str | None:
        """The conversation a `channel` argument names. Only chat.postMessage (and postEphemeral) take a user
        ID for the app's DM; chat.update, chat.delete and history need the D… ID (docs: chat.update)."""
        with self._lock:
            if channel in self._state.channels:
                return channel
            if user_ids and channel.startswith(("U", "W")) and channel in self._state.users:
                return "D" + channel
            if channel.startswith("D") and channel[1:] in self._state.users:
                return channel
        return None

    def _post_refusal(self, channel: str) -> str | None:
        """Why the bot may not post in `channel` (None: it may): membership, privacy and archiving."""
        with self._lock:
            info = self._state.channels.get(channel)
            if info is None:
                return None  # a DM
            member = self.bot_user_id in self._state.members.get(channel, [])
        if info["is_private"] and not member:
            return "channel_not_found"  # private channels the bot isn't in don't exist for it
        if info["is_archived"]:
            return "is_archived"
        if not member and "chat:write.public" not in self.scopes:
            return "not_in_channel"
        return None

    def _slack_user(self, stored: dict[str, Any], *, include_locale: bool) -> dict[str, Any]:
        """A user object as users.info and users.list send it; deactivated users come back trimmed."""
        name = str(stored["name"])
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": stored["real_name"],
            "real_name_normalized": stored["real_name"],
            "display_name": name,
            "display_name_normalized": name,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_emoji_display_info": [],
            "status_expiration": 0,
            "avatar_hash": "g0000000000",
            "first_name": stored["real_name"],
            "last_name": "",
            "image_24": "https://a.slack-edge.com/avatar-24.png",
            "image_48": "https://a.slack-edge.com/avatar-48.png",
            "image_72": "https://a.slack-edge.com/avatar-72.png",
            "status_text_canonical": "",
            "team": stored["team_id"],
        }
        user: dict[str, Any] = {
            "id": stored["id"],
            "team_id": stored["team_id"],
            "name": name,
            "deleted": stored["deleted"],
        }
        if not stored["deleted"]:
            user.update(
                {
                    "color": "9f69e7",
                    "real_name": stored["real_name"],
                    "tz": stored["tz"],
                    "tz_label": stored["tz"],
                    "tz_offset": _offset(stored["tz"]),
                }
            )
        user["profile"] = profile
        if not stored["deleted"]:
            for flag in ("is_admin", "is_owner", "is_primary_owner", "is_restricted", "is_ultra_restricted"):
                user[flag] = bool(stored.get(flag, False))
        user["is_bot"] = stored["is_bot"]
        user["is_app_user"] = stored["is_app_user"]
        # Flags the fake's users may carry beyond these (guests, other organisations) pass through as given.
        for key, value in stored.items():
            if key.startswith("is_") and not key.startswith("is_org_") and key not in user and not stored["deleted"]:
                user[key] = value
        if stored.get("teams") and not stored["deleted"]:
            user["teams"] = list(stored["teams"])
            user["enterprise_user"] = {
                "id": stored["id"],
                "enterprise_id": stored.get("enterprise_id") or self.enterprise_id or "E0PULSSI",
                "enterprise_name": self.enterprise_name,
                "is_admin": bool(stored.get("is_org_admin")),
                "is_owner": bool(stored.get("is_org_owner")),
                "is_primary_owner": False,
                "teams": list(stored["teams"]),
            }
        user["updated"] = 1676158294
        if not stored["deleted"]:
            user["is_email_confirmed"] = True
            user["who_can_share_contact_card"] = "EVERYONE"
        if include_locale and not stored["deleted"]:
            user["locale"] = stored["locale"]
        return user

    def _channel_info(self, channel: str) -> dict[str, Any] | None:
        with self._lock:
            info = self._state.channels.get(channel)
            if info is not None:
                member = self.bot_user_id in self._state.members.get(channel, [])
                if info["is_private"] and not member:
                    return None
                return {**info, "is_member": member, "last_read": "0000000000.000000"}
        if channel.startswith("D") and self._resolve_channel(channel) == channel:
            return {
                "id": channel,
                "created": 1663960005,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "updated": 1740098832769,
                "user": channel[1:],
                "last_read": "0000000000.000000",
                "latest": None,
                "unread_count": 0,
                "unread_count_display": 0,
                "is_open": True,
                "properties": {},
                "priority": 0,
            }
        return None

    def _bot_message(self, text: str, blocks: list[Any]) -> dict[str, Any]:
        return {
            "bot_id": self.bot_id,
            "type": "message",
            "text": text,
            "user": self.bot_user_id,
            "app_id": APP_ID,
            "blocks": blocks,
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": APP_ID,
                "name": "Pulssi",
                "icons": {"image_36": "https://a.slack-edge.com/bot-36.png"},
                "deleted": False,
                "updated": 1652892819,
                "team_id": self.team_id,
            },
        }

    def _calling_org(self) -> str | None:
        """The org whose org-wide token the call carries (make_org: the fake's own token), else None."""
        calling = getattr(self._calling, "team_id", None)
        if calling in self.orgs:
            return str(calling)
        return self.enterprise_id if self.org_wide else None

    def _dispatch(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        s = self._state
        if method == "auth.test":
            org = self._calling_org()
            if org is not None:  # an org-wide install's token belongs to the org, not to one workspace
                return {
                    "ok": True,
                    "url": "https://example-org.enterprise.slack.com/",
                    "team": self.orgs.get(org, self.enterprise_name),
                    "user": "pulssi",
                    "team_id": None,
                    "user_id": self.bot_user_id,
                    "bot_id": self.bot_id,
                    "enterprise_id": org,
                    "is_enterprise_install": True,
                }
            calling = self.workspaces.get(getattr(self._calling, "team_id", None) or self.team_id)
            calling = calling or InstallableWorkspace(self.team_id, "Example")
            answer: dict[str, Any] = {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": calling.name,
                "user": "pulssi",
                "team_id": calling.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
            if calling.enterprise_id:
                answer["enterprise_id"] = calling.enterprise_id
            return answer
        if method == "users.info":
            with self._lock:
                user = s.users.get(str(p["user"]))
            if user is None and str(p["user"]) == self.bot_user_id:
                user = self._bot_user()
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            include_locale = str(p.get("include_locale", "")).lower() in ("true", "1")
            return {"ok": True, "user": self._slack_user(user, include_locale=include_locale)}
        if method == "users.list":
            with self._lock:
                users = [self._slack_user(u, include_locale=False) for u in s.users.values()]
            return _page(users, p, "members")
        if method == "conversations.info":
            info = self._channel_info(str(p["channel"]))
            return {"ok": True, "channel": info} if info else {"ok": False, "error": "channel_not_found"}
        if method == "conversations.members":
            channel = str(p["channel"])
            with self._lock:
                members = s.members.get(channel)
            if members is None or self._channel_info(channel) is None:
                return {"ok": False, "error": "channel_not_found"}
            return _page(list(members), p, "members")
        if method == "users.conversations":
            # The channels the user is in that the bot can see (private ones only where the bot is a member too).
            user = str(p.get("user") or "")
            types = str(p.get("types") or "public_channel").split(",")
            # An org-wide token spans every workspace: this method must be told which (docs: "Changes to
            # APIs for organization-wide apps" lists the methods that require team_id with an org token).
            team = str(p.get("team_id") or "")
            if self._calling_org() is not None and not team:
                return {"ok": False, "error": "missing_argument"}
            with self._lock:
                found = [
                    dict(info)
                    for channel, info in s.channels.items()
                    if user in s.members.get(channel, [])
                    and (not team or team in info.get("shared_team_ids", []))
                    and ("private_channel" if info.get("is_private") else "public_channel") in types
                    and (not info.get("is_private") or info.get("is_member"))
                ]
            return _page(found, p, "channels")
        if method == "conversations.open":
            users = p.get("users")
            first = (users if isinstance(users, str) else ",".join(users or [])).split(",")[0]
            if first not in s.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": "D" + first}}
        if method == "conversations.history":
            channel = self._resolve_channel(str(p["channel"]), user_ids=False)
            if channel is None or self._channel_info(channel) is None:
                return {"ok": False, "error": "channel_not_found"}
            if channel in s.channels and not self.is_member(channel, self.bot_user_id):
                return {"ok": False, "error": "not_in_channel"}
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
            if self._resolve_channel(str(p["channel"]), user_ids=False) is None:
                return {"ok": False, "error": "channel_not_found"}
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
        channel = self._resolve_channel(str(p.get("channel") or ""), user_ids=method != "chat.update")
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        refusal = self._post_refusal(channel)
        if refusal is not None:
            return {"ok": False, "error": refusal}
        if method == "chat.postEphemeral":
            user = str(p.get("user") or "")
            in_channel = user == channel[1:] if channel.startswith("D") else self.is_member(channel, user)
            if not in_channel:
                return {"ok": False, "error": "user_not_in_channel"}
            return {"ok": True, "message_ts": self._next_ts()}
        with self._lock:
            if method == "chat.update":
                key = (channel, str(p["ts"]))
                if key not in self._state.messages:
                    return {"ok": False, "error": "message_not_found"}
                message = self._state.messages[key]
                message.update({"text": p.get("text", message.get("text")), "blocks": blocks or []})
                # Like Slack: the updated message has no ts of its own, and says it was edited.
                updated = self._bot_message(message["text"], message["blocks"])
                updated["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
                return {"ok": True, "channel": channel, "ts": p["ts"], "text": message["text"], "message": updated}
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
        posted = dict(self._bot_message(message["text"], message["blocks"]), ts=ts)
        if message["thread_ts"]:
            posted["thread_ts"] = message["thread_ts"]
        return {"ok": True, "channel": channel, "ts": ts, "message": posted}

    def _trigger_problem(self, trigger_id: str) -> str | None:
        with self._lock:
            issued = self._state.triggers.get(trigger_id)
        if issued is None:
            return "invalid_trigger_id"
        if time.monotonic() - issued > TRIGGER_TTL_SECONDS:
            return "expired_trigger_id"
        return None

    def _view(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method in ("views.open", "views.push"):
            problem = self._trigger_problem(str(p.get("trigger_id") or ""))
            if problem is not None:
                return {"ok": False, "error": problem}
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
            # A view as Slack stores and returns it: every key present, nulls where nothing was given.
            stored = {
                "id": view_id,
                "team_id": self.team_id,
                "type": view.get("type"),
                "blocks": view.get("blocks") or [],
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "state": {"values": {}},
                "hash": f"{int(time.time())}.h{next(self._ids)}",
                "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "close": view.get("close"),
                "submit": view.get("submit"),
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": APP_ID,
                "external_id": view.get("external_id", ""),
                "bot_id": self.bot_id,
            }
            if "title" in view:  # modals have one; Home views don't
                stored["title"] = view["title"]
            self._state.views[view_id] = stored
            if method == "views.publish":
                self._state.home_views[str(p["user_id"])] = stored
        return {"ok": True, "view": stored}


def _enterprise(workspace: InstallableWorkspace) -> dict[str, str] | None:
    if workspace.enterprise_id is None:
        return None
    return {"id": workspace.enterprise_id, "name": workspace.enterprise_name or workspace.enterprise_id}


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
