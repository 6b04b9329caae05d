"""What handlers, services and jobs share: built once per process by the entry point or a test."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.settings import Settings
from bot.user_directory import UserDirectory
from storage.db import Database

if TYPE_CHECKING:
    from bot.installations import Installations

logger = logging.getLogger(__name__)

# CPU-heavy work after ack() (reports with their charts, big CX imports) queues here, so it can't take
# every Bolt listener thread and delay other people's acks.
BACKGROUND_WORKERS = 2
# CX feed pulls wait on other people's servers (up to CX_FEED_DEADLINE_SECONDS each): they get a pool of their
# own, so a slow feed server never holds the one reports use, and at most FEED_QUEUE_LIMIT wait or run at once.
FEED_WORKERS = 2
FEED_QUEUE_LIMIT = 4


def utc_now() -> datetime:
    return datetime.now(UTC)


def _background_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=BACKGROUND_WORKERS, thread_name_prefix="pulssi-background")


def _feed_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=FEED_WORKERS, thread_name_prefix="pulssi-feed")


def _feed_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(FEED_QUEUE_LIMIT)


@dataclass
class Deps:
    settings: Settings
    db: Database
    client: WebClient
    users: UserDirectory
    clock: Callable[[], datetime] = field(default=utc_now)
    worker_id: str = "main"
    background: ThreadPoolExecutor = field(default_factory=_background_pool, repr=False)
    feed_pool: ThreadPoolExecutor = field(default_factory=_feed_pool, repr=False)
    feed_slots: threading.BoundedSemaphore = field(default_factory=_feed_slots, repr=False)
    # OAuth mode only: each workspace's installation (None with a single SLACK_BOT_TOKEN).
    installations: Installations | None = None

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def acting_for(self, workspace_id: str) -> Iterator[bool]:
        """A job's Slack calls for one workspace go inside: with OAuth they carry that workspace's token, and
        False says it has no installation (skip it). With one SLACK_BOT_TOKEN, always True."""
        if self.installations is None:
            yield True
            return
        with self.installations.acting_for(workspace_id) as installed:
            yield installed

    def run_later(self, function: Callable[..., Any], *args: Any) -> Future[None]:
        """Run slow work after ack() on the background pool; a failure is logged with its traceback."""

        def guarded() -> None:
            try:
                function(*args)
            except Exception:
                logger.exception("background task %s failed", getattr(function, "__name__", function))

        # The caller's context goes along: in OAuth mode it says which workspace's token the work carries.
        return self.background.submit(contextvars.copy_context().run, guarded)

    def run_feed_later(self, function: Callable[..., Any], *args: Any) -> Future[None] | None:
        """Run a CX feed pull on the feed pool; None (nothing queued) when FEED_QUEUE_LIMIT are already waiting
        or running, so a burst of refreshes can't pile up behind a slow server."""
        if not self.feed_slots.acquire(blocking=False):
            return None

        def guarded() -> None:
            try:
                function(*args)
            except Exception:
                logger.exception("CX feed task %s failed", getattr(function, "__name__", function))
            finally:
                self.feed_slots.release()

        return self.feed_pool.submit(contextvars.copy_context().run, guarded)


def build_deps(settings: Settings, *, clock: Callable[[], datetime] | None = None, worker_id: str = "main") -> Deps:
    from bot.logging_setup import install_redaction
    from bot.slack_client import make_web_client

    # Every process that holds the tokens masks them in its logs, whatever configured logging.
    install_redaction(settings.secrets)
    client = make_web_client(settings)
    db = Database(settings.database_url)
    installations = None
    if settings.oauth_enabled:
        from bot.installations import Installations

        # Token refreshes authenticate with the client id and secret, not a bot token: a plain client.
        rotation_client = make_web_client(settings, own_token_only=True)
        installations = Installations(settings, db, rotation_client)
    return Deps(
        settings=settings,
        db=db,
        client=client,
        users=UserDirectory(client),
        clock=clock or utc_now,
        worker_id=worker_id,
        installations=installations,
    )
