"""The WSGI application: Slack requests at /slack/events, a health check at /healthz.

The same callable runs under gunicorn (`serve`, the Procfile's web line) and under the tests' loopback server.
"""

from __future__ import annotations

import io
import json
import logging
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


def create_wsgi_app(app: App, deps: Deps) -> WsgiApp:
    slack_handler = SlackRequestHandler(app, path="/slack/events")
    verifier = SignatureVerifier(deps.settings.slack_signing_secret.reveal())

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _health(deps, start_response)
        if path == "/slack/events" and environ.get("REQUEST_METHOD") == "POST":
            body = _read_body(environ)
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
        return slack_handler(environ, start_response)

    return application


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
