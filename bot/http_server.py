"""The gunicorn worker for `serve`: gthread, with a deadline for reading each request.

gthread hands a connection to a thread as soon as its first bytes arrive, and that thread then reads the
headers and the body with blocking, untimed reads. A client that trickles a byte now and then holds the
thread for as long as it likes, and a few dozen such clients starve the threads that acknowledge Slack.
Here every request must be read within REQUEST_READ_SECONDS: one watchdog thread per worker shuts the
socket of a request still being read after that, which ends the blocked read and frees the thread. The
WSGI app (bot.web) says when it has read the body, so answering is never cut short.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from bot.web import REQUEST_READ_KEY

REQUEST_READ_SECONDS = 10.0  # Slack sends a request in well under a second


class ReadWatchdog:
    """Shuts the sockets whose read deadline has passed; one thread for all of a worker's connections."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadlines: list[tuple[float, int]] = []
        self._armed: dict[int, socket.socket] = {}
        self._tokens = itertools.count()
        self._thread = threading.Thread(target=self._run, name="pulssi-read-watchdog", daemon=True)
        self._thread.start()

    def arm(self, sock: socket.socket, seconds: float) -> int:
        token = next(self._tokens)
        with self._condition:
            self._armed[token] = sock
            heapq.heappush(self._deadlines, (time.monotonic() + seconds, token))
            self._condition.notify()
        return token

    def disarm(self, token: int) -> None:
        with self._condition:
            self._armed.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._deadlines and self._deadlines[0][1] not in self._armed:
                    heapq.heappop(self._deadlines)  # disarmed meanwhile
                if not self._deadlines:
                    self._condition.wait()
                    continue
                deadline, token = self._deadlines[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._deadlines)
                sock = self._armed.pop(token)
            with contextlib.suppress(OSError):  # the client went away already
                sock.shutdown(socket.SHUT_RDWR)


class PulssiThreadWorker(ThreadWorker):
    """gthread with a read deadline per request (see the module doc)."""

    wsgi: Callable[..., Iterable[bytes]]  # set by gunicorn's load_wsgi

    def init_process(self) -> None:
        self.read_watchdog = ReadWatchdog()
        self.current_request = threading.local()
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        inner = self.wsgi

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            token = getattr(self.current_request, "token", None)
            if token is not None:
                environ[REQUEST_READ_KEY] = lambda: self.read_watchdog.disarm(token)
            return inner(environ, start_response)

        self.wsgi = wsgi

    def handle(self, conn: Any) -> Any:
        token = self.read_watchdog.arm(conn.sock, REQUEST_READ_SECONDS)
        self.current_request.token = token
        try:
            return super().handle(conn)
        finally:
            self.read_watchdog.disarm(token)
            self.current_request.token = None
