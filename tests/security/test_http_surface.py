"""Issue 15: unsigned traffic costs nothing.

Raw sockets against the served app: the tests' loopback server, and `python -m bot serve` under gunicorn.
A body over 1 MB, or one without Slack's signature headers, is refused from the headers alone (the tests
send no body at all and still get the answer); a missing timestamp is a 401, not a 500; trickling clients
are cut off without holding the threads that acknowledge Slack.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET, Harness
from tests.patience import WAIT_SECONDS
from tests.processes import free_port, wait_http
from tests.slack.sender import sign

ROOT = Path(__file__).resolve().parents[2]


def _address(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def _exchange(url: str, head: str, body: bytes = b"", timeout: float = 5.0) -> str:
    """Send a request (perhaps without the body it announces); the status line of the answer."""
    with socket.create_connection(_address(url), timeout=timeout) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def _head(length: int | None, headers: dict[str, str], extra: str = "") -> str:
    lines = ["POST /slack/events HTTP/1.1", "Host: pulssi", "Content-Type: application/x-www-form-urlencoded"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n" + extra + "\r\n"


def _signed(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    stamp = timestamp or str(int(time.time()))
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body)}


def _refusals_from_headers(url: str) -> None:
    big = 300 * 1024 * 1024
    assert " 413 " in _exchange(url, _head(big, _signed(b"x"))), "a 300 MB body is refused unread"
    assert " 401 " in _exchange(url, _head(1000, {})), "an unsigned body is refused unread"
    assert " 401 " in _exchange(url, _head(1000, {"X-Slack-Signature": "v0=" + "0" * 64}))
    stale = str(int(time.time()) - 3600)
    assert " 401 " in _exchange(url, _head(1000, _signed(b"x", stale))), "a replayed old request is refused unread"
    chunked = _head(None, _signed(b"x"), "Transfer-Encoding: chunked\r\n")
    assert " 411 " in _exchange(url, chunked, b"ffffff\r\n")


def test_bodies_are_refused_from_their_headers(harness: Harness) -> None:
    _refusals_from_headers(harness.url)


def test_a_missing_timestamp_is_a_401_not_a_500(harness: Harness) -> None:
    body = b"command=%2Fpulse&text=help"
    signature = sign(SIGNING_SECRET, "", body)
    assert " 401 " in _exchange(harness.url, _head(len(body), {"X-Slack-Signature": signature}), body)
    assert " 401 " in _exchange(harness.url, _head(len(body), {"X-Slack-Request-Timestamp": "soon"}), body)


class _Tricklers:
    """Connections that send a byte every half second, forever; notes which ones the server cut off."""

    def __init__(self, url: str, heads: list[str]) -> None:
        self.socks = []
        for head in heads:
            sock = socket.create_connection(_address(url), timeout=5)
            sock.sendall(head.encode())
            self.socks.append(sock)
        self.cut: set[int] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            for index, sock in enumerate(self.socks):
                if index in self.cut:
                    continue
                try:
                    sock.sendall(b"a")
                except OSError:
                    self.cut.add(index)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.socks:
            sock.close()


def test_gunicorn_cuts_off_trickling_clients_and_keeps_answering_slack(
    harness: Harness, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PULSSI_SECRET_KEY": SECRET_KEY,
        "SLACK_API_URL": harness.fake.url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    with (tmp_path / "serve.log").open("wb") as log:  # a file, not a pipe nobody reads (a full one stalls gunicorn)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
    tricklers: _Tricklers | None = None
    try:
        wait_http(f"{url}/healthz", 60)
        _refusals_from_headers(url)
        # More slow clients than the worker has threads (16): half trickle their headers, half their body.
        slow_headers = ["POST /slack/events HTTP/1.1\r\nHost: pulssi\r\nX-Slow: "] * 10
        slow_bodies = [_head(1000, _signed(b"x" * 1000))] * 10
        tricklers = _Tricklers(url, slow_headers + slow_bodies)
        time.sleep(1)
        harness.fake.add_user("U001")
        form = {
            "team_id": "T0001",
            "user_id": "U001",
            "command": "/pulse",
            "text": "help",
            "channel_id": "C0001",
            "response_url": harness.fake.response_url("slow-clients"),
            "trigger_id": "1.2.trigger",
        }
        body = urllib.parse.urlencode(form).encode()
        status = _exchange(url, _head(len(body), _signed(body)), body, timeout=25)
        assert " 200 " in status, status
        deadline = time.monotonic() + WAIT_SECONDS
        while len(tricklers.cut) < len(tricklers.socks) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(tricklers.cut) == len(tricklers.socks)  # every slow client was cut off
    finally:
        if tricklers is not None:
            tricklers.close()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
