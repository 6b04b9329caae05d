"""What handlers, services and jobs share: built once per process by the entry point or a test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.settings import Settings
from bot.user_directory import UserDirectory
from storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    db: Database
    client: WebClient
    users: UserDirectory
    clock: Callable[[], datetime] = field(default=utc_now)
    worker_id: str = "main"

    def now(self) -> datetime:
        return self.clock()


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
