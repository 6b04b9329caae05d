"""The floor for `ack_latency.py --floor`: a Bolt app whose listeners only ack(), served like `serve`.

No database, no Web API call, no work after the ack: what is left is gunicorn, Bolt's request
verification and dispatch, and the load generator. Pulssi's ack latency can't be lower than this on the
same machine; the benchmark measures both so the README can show how much of it is Pulssi's own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult


def _authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    # One bot token, like Pulssi's single-workspace install, without asking Slack (auth.test) for it.
    return AuthorizeResult(
        enterprise_id=enterprise_id, team_id=team_id, bot_token=os.environ["SLACK_BOT_TOKEN"], bot_user_id="UBOT"
    )


def create_floor_app() -> App:
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        authorize=_authorize,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt-listener"),
    )

    @app.command(re.compile(r"^/(win|cxreport)$"))
    def command(ack: Ack) -> None:
        ack()

    @app.action(re.compile(r"^pulse"))
    def button(ack: Ack) -> None:
        ack()

    return app


def create_wsgi() -> Any:
    """gunicorn's `benchmarks.ack_floor_app:create_wsgi()`: Slack requests, and /healthz for the benchmark."""
    handler = SlackRequestHandler(create_floor_app())

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return handler(environ, start_response)

    return application
