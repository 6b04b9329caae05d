"""The WSGI application: Slack requests at /slack/events, a health check at /healthz.

The same callable runs under gunicorn (`serve`, the Procfile's web line) and under the tests' loopback server.
"""

from __future__ import annotations

import contextvars
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps
from bot.payload_check import malformed_reason

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are far smaller
SIGNATURE_WINDOW_SECONDS = 5 * 60  # Slack's replay window, as Bolt checks it
REQUEST_READ_KEY = "pulssi.request_read"  # environ callback set by bot.http_server's worker


def create_wsgi_app(app: App, deps: Deps) -> WsgiApp:
    slack_handler = SlackRequestHandler(app, path="/slack/events")
    verifier = SignatureVerifier(deps.settings.slack_signing_secret.reveal())

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _health(deps, start_response)
        if path == "/slack/events" and environ.get("REQUEST_METHOD") == "POST":
            refusal = _refusal_before_reading(environ, time.time())  # Slack signs with real time, as Bolt checks
            if refusal is not None:
                _request_read(environ)
                return _plain(start_response, refusal, refusal.split(" ", 1)[1].lower().encode())
            body = _read_body(environ)
            _request_read(environ)
            if len(body) != int(environ["CONTENT_LENGTH"]):  # the client hung up, or the server's deadline hit
                return _plain(start_response, "400 Bad Request", b"bad request")
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                return _plain(start_response, "400 Bad Request", b"bad request")
            headers = {
                "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
                "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            }
            # Unsigned requests go on to Bolt, which answers 401; signed but malformed ones get a 400 here.
            if verifier.is_valid_request(body, headers):
                reason = malformed_reason(body, environ.get("CONTENT_TYPE", ""))
                if reason is not None:
                    logger.warning("malformed Slack request refused: %s", reason)
                    return _plain(start_response, "400 Bad Request", b"bad request")
        # A context of its own per request: what one request binds (in OAuth mode, the token of the installation
        # it acts for: bot.oauth) goes to its listeners and never to the next request this thread serves.
        return contextvars.copy_context().run(slack_handler, environ, start_response)

    return application


def _refusal_before_reading(environ: WSGIEnvironment, now: float) -> str | None:
    """Why a POST to /slack/events is refused from its headers alone, or None.

    Unsigned traffic must cost nothing: a body is read only when it is at most MAX_BODY_BYTES, declared up
    front, and comes with Slack's signature headers and a timestamp within the replay window."""
    raw_length = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not raw_length:
        return "411 Length Required"  # Slack always sends Content-Length; a chunked body is not read
    if not raw_length.isdigit():
        return "400 Bad Request"
    if int(raw_length) > MAX_BODY_BYTES:
        return "413 Content Too Large"
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").strip()
    if not environ.get("HTTP_X_SLACK_SIGNATURE") or not timestamp.isdigit():
        return "401 Unauthorized"
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return "401 Unauthorized"
    return None


def _request_read(environ: WSGIEnvironment) -> None:
    """Tell the server (bot.http_server) the request is in, so its read deadline no longer applies."""
    done = environ.get(REQUEST_READ_KEY)
    if callable(done):
        done()


def _read_body(environ: WSGIEnvironment) -> bytes:
    """Read the body once and put it back so Bolt's adapter can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _plain(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
    # A body left unread is gunicorn's to drop: it drains at most a capped amount within a deadline, else closes.
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _health(deps: Deps, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with deps.db.reading() as connection:
            connection.execute(text("SELECT 1"))
        status, payload = "200 OK", {"ok": True, "database": "ok"}
    except SQLAlchemyError:
        logger.warning("health check: database unreachable", exc_info=True)
        status, payload = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
