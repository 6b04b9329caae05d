"""What handlers, services and jobs share: built once per process by the entry point or a test."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.settings import Settings
from bot.user_directory import UserDirectory
from storage.db import Database

logger = logging.getLogger(__name__)

# CPU-heavy work after ack() (reports with their charts, big CX imports) queues here, so it can't take
# every Bolt listener thread and delay other people's acks.
BACKGROUND_WORKERS = 2


def utc_now() -> datetime:
    return datetime.now(UTC)


def _background_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=BACKGROUND_WORKERS, thread_name_prefix="pulssi-background")


@dataclass
class Deps:
    settings: Settings
    db: Database
    client: WebClient
    users: UserDirectory
    clock: Callable[[], datetime] = field(default=utc_now)
    worker_id: str = "main"
    background: ThreadPoolExecutor = field(default_factory=_background_pool, repr=False)

    def now(self) -> datetime:
        return self.clock()

    def run_later(self, function: Callable[..., Any], *args: Any) -> Future[None]:
        """Run slow work after ack() on the background pool; a failure is logged with its traceback."""

        def guarded() -> None:
            try:
                function(*args)
            except Exception:
                logger.exception("background task %s failed", getattr(function, "__name__", function))

        return self.background.submit(guarded)


def build_deps(settings: Settings, *, clock: Callable[[], datetime] | None = None, worker_id: str = "main") -> Deps:
    from bot.logging_setup import install_redaction
    from bot.slack_client import make_web_client

    # Every process that holds the tokens masks them in its logs, whatever configured logging.
    install_redaction(settings.secrets)
    client = make_web_client(settings)
    return Deps(
        settings=settings,
        db=Database(settings.database_url),
        client=client,
        users=UserDirectory(client),
        clock=clock or utc_now,
        worker_id=worker_id,
    )
