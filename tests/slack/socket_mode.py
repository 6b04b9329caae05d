"""A Slack Socket Mode server on loopback, for `python -m bot socket` and Bolt's built-in client.

It speaks the protocol the way Slack does (docs.slack.dev/apis/events-api/using-socket-mode and the
reference corpus's socket-mode captures): the client gets a one-off `ticket` URL from the fake Slack's
apps.connections.open, opens the WebSocket, and receives `hello`; envelopes carry `envelope_id`, `type`,
`payload`, `accepts_response_payload`, `retry_attempt` and `retry_reason`, and the client acknowledges each
by `envelope_id` (with a `payload` where a response is allowed); a `disconnect` with `warning` is advance
notice, `refresh_requested` means reconnect now, through a fresh apps.connections.open.

Bolt's SocketModeHandler uses slack_sdk's built-in client (its own RFC 6455 code over a plain socket when the
port isn't 443, so ws:// on loopback works); it pings every few seconds and expects the payload echoed in a
pong, which the `websockets` server does by itself.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.patience import WAIT_SECONDS
from tests.slack.fake_slack import APP_ID, FakeSlack


@dataclass
class Connection:
    websocket: ServerConnection
    ticket: str
    opened_at: float
    closed: threading.Event = field(default_factory=threading.Event)


class FakeSocketModeServer:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Condition()
        self._connections: list[Connection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self.refused_tickets: list[str] = []
        self.connections_opened = 0
        self.unexpected_frames: list[str] = []

    # -- lifecycle
    def start(self) -> FakeSocketModeServer:
        self._server = serve(self._serve, "127.0.0.1", 0, ping_interval=None)
        port = self._server.socket.getsockname()[1]
        self.fake.socket_url = f"ws://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-socket-mode")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.fake.socket_url = None
        for connection in self.connections():
            with contextlib.suppress(Exception):
                connection.websocket.close()
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def __enter__(self) -> FakeSocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the protocol
    def _serve(self, websocket: ServerConnection) -> None:
        request = websocket.request
        query = urllib.parse.parse_qs(urllib.parse.urlparse(request.path if request else "").query)
        ticket = (query.get("ticket") or [""])[0]
        if not self.fake.take_socket_ticket(ticket):
            # A ticket works once; reconnecting needs a fresh apps.connections.open.
            self.refused_tickets.append(ticket)
            websocket.close(code=1008, reason="invalid ticket")
            return
        connection = Connection(websocket, ticket, time.monotonic())
        with self._lock:
            self._connections.append(connection)
            self.connections_opened += 1
            self._lock.notify_all()
        websocket.send(json.dumps(self._hello()))
        try:
            for frame in websocket:
                self._received(frame)
        except ConnectionClosed:
            pass
        finally:
            connection.closed.set()
            with self._lock:
                self._connections.remove(connection)
                self._lock.notify_all()

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self.connections()),
            "debug_info": {
                "host": "applink-fake-1",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }

    def _received(self, frame: str | bytes) -> None:
        try:
            message = json.loads(frame)
        except ValueError:
            self.unexpected_frames.append(str(frame)[:200])
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            self.unexpected_frames.append(str(frame)[:200])
            return
        with self._lock:
            self._acks[envelope_id] = message
            self._lock.notify_all()

    # -- what tests call
    def connections(self) -> list[Connection]:
        with self._lock:
            return list(self._connections)

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> Connection:
        """Wait until `count` connections have been opened in all, and return the newest open one."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.connections_opened < count or not self._connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no Socket Mode connection #{count} (opened {self.connections_opened})")
                self._lock.wait(remaining)
            return self._connections[-1]

    def send_envelope(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> str:
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            # A command's ack may carry a message and a view_submission's a response_action; clicks,
            # shortcuts and events are only acknowledged (false in the captures).
            "accepts_response_payload": envelope_type == "slash_commands" or payload.get("type") == "view_submission",
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        connection = self.wait_connected()
        connection.websocket.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while envelope_id not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"envelope {envelope_id} was not acknowledged")
                self._lock.wait(remaining)
            return self._acks[envelope_id]

    def acked(self, envelope_id: str) -> bool:
        with self._lock:
            return envelope_id in self._acks

    def request_refresh(self, timeout: float = 30.0) -> Connection:
        """Like Slack before it recycles a connection: a `warning`, then `refresh_requested`; the client
        must come back on a new connection (with a new ticket). The old one is closed after that."""
        old = self.wait_connected()
        opened_before = self.connections_opened
        for reason in ("warning", "refresh_requested"):
            old.websocket.send(
                json.dumps(
                    {
                        "type": "disconnect",
                        "reason": reason,
                        "debug_info": {"host": "applink-fake-1"},
                    }
                )
            )
        self.wait_connected(opened_before + 1, timeout=timeout)
        with contextlib.suppress(Exception):
            old.websocket.close()
        old.closed.wait(5)
        return self.wait_settled(timeout=timeout)

    def wait_settled(self, quiet: float = 1.0, timeout: float = 30.0) -> Connection:
        """Wait until exactly one connection is open and none has opened for `quiet` seconds (a client may
        reconnect once on the `warning` and again on `refresh_requested`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            opened = self.connections_opened
            current = self.connections()
            if len(current) == 1 and time.monotonic() - current[0].opened_at >= quiet:
                return current[0]
            time.sleep(0.05)
            if self.connections_opened != opened:
                continue
        raise AssertionError(f"Socket Mode connections did not settle: {len(self.connections())} open")
