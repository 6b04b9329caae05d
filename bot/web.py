"""The WSGI application: Slack requests at /slack/events, a health check at /healthz.

The same callable runs under gunicorn (`serve`, the Procfile's web line) and under the tests' loopback server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def create_wsgi_app(app: App, deps: Deps) -> WsgiApp:
    slack_handler = SlackRequestHandler(app, path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _health(deps, start_response)
        return slack_handler(environ, start_response)

    return application


def _health(deps: Deps, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with deps.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, payload = "200 OK", {"ok": True, "database": "ok"}
    except SQLAlchemyError:
        logger.warning("health check: database unreachable", exc_info=True)
        status, payload = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
