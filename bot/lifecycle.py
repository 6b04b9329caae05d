"""Starting and stopping a long-running process (`serve` workers, `socket`, `clock`) like a service.

Start: check the tokens with Slack (a refusal stops the start with exit 2; Slack unreachable is retried
with backoff, one line per try), start the scheduler, log one line. Stop (SIGTERM): take no new work,
let the listeners and DMs in flight finish, give the schedule lease up, exit 0.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.bot_identity import EACH_INSTALLATION, StartIdentity, ask_slack
from bot.settings import SettingError, Settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.deps import Deps
    from bot.scheduler import Scheduler

logger = logging.getLogger("bot")

# Errors that mean the token itself is wrong: retrying can't help, the admin must fix the setting.
REFUSED_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type"}
)
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0


class StopSignal:
    """SIGTERM and SIGINT set an event that the main thread waits on (instead of dying mid-work)."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> StopSignal:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)
        return self

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self.event.set()

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.event.wait(timeout)


def _refused(name: str, error: str) -> SettingError:
    return SettingError(name, "setting.slack_refused", error=error)


def check_slack(
    settings: Settings, client: WebClient, stop: threading.Event, *, app_token: bool = False
) -> StartIdentity | None:
    """Check the bot token (auth.test) and, for Socket Mode, the app token (apps.connections.open).

    Returns what auth.test said, for the app's authorization (bot.bot_identity). Raises SettingError when
    Slack refuses a token. While Slack can't be reached (or answers with a server error), logs one line per
    try and tries again with backoff. None when stopped meanwhile.
    """
    if settings.oauth_enabled:
        return EACH_INSTALLATION  # no token of its own: each workspace's comes with its installation
    delay = FIRST_RETRY_SECONDS
    # slack_sdk logs every failed request at ERROR with its own words; here our one line says it.
    sdk_logger = logging.getLogger("slack_sdk.web.base_client")
    previous_level = sdk_logger.level
    sdk_logger.setLevel(logging.CRITICAL)
    try:
        while not stop.is_set():
            name = "SLACK_BOT_TOKEN"
            try:
                identity = ask_slack(client)
                if app_token and settings.slack_app_token:
                    name = "SLACK_APP_TOKEN"
                    client.apps_connections_open(app_token=settings.slack_app_token.reveal())
                return identity
            except SlackApiError as error:
                code = str(error.response.get("error") or f"HTTP {error.response.status_code}")
                if code in REFUSED_TOKEN_ERRORS:
                    raise _refused(name, code) from None
                reason = f"Slack answered {code}"
            except (OSError, ValueError, SlackClientError) as error:  # URLError, refused, timeout, not JSON
                reason = f"Slack unreachable at {settings.slack_api_url} ({getattr(error, 'reason', None) or error})"
            logger.warning("%s; trying again in %.0f s", reason, delay)
            if stop.wait(delay):
                break
            delay = min(delay * 2, MAX_RETRY_SECONDS)
        return None
    finally:
        sdk_logger.setLevel(previous_level)


@dataclass
class RunningProcess:
    """What a long-running process holds, to announce its start and stop it cleanly."""

    mode: str
    deps: Deps
    scheduler: Scheduler
    app: App | None = None

    def announce(self, holds_schedule: bool) -> None:
        settings = self.deps.settings
        # The languages branch adds DEFAULT_LANGUAGE; until then English is the default.
        language = getattr(settings, "default_language", "en")
        logger.info(
            "pulssi %s started (pid %s): database %s, schedule holder: %s, default language %s",
            self.mode,
            os.getpid(),
            self.deps.db.dialect,
            "yes" if holds_schedule else "no (another process holds it)",
            language,
        )

    def stop(self) -> None:
        """No new scheduled work; listeners and background work in flight finish; the tick in flight
        finishes (its DMs are sent); then the lease is given up."""
        self.scheduler.pause()
        if self.app is not None:
            executor = self.app.listener_runner.listener_executor
            shutdown = getattr(executor, "shutdown", None)
            if shutdown is not None:
                shutdown(wait=True)
        self.deps.background.shutdown(wait=True)
        self.scheduler.stop()
        self.deps.db.dispose()
