"""Logging with token redaction, and libraries kept above DEBUG.

Redaction happens in the log-record factory, so every handler (including ones added later by
gunicorn, pytest or a library) only ever sees masked text.

Libraries never log at DEBUG, whatever LOG_LEVEL says: slack_sdk then logs every request and response
body (a pulse DM's edits, the Home tab, ephemeral confirmations, each next to a user id), Bolt logs the
incoming payloads, and SQLAlchemy the statements. LOG_LEVEL=DEBUG is for Pulssi's own code, which never logs
who answered what (tests/security/test_log_privacy.py runs a whole round at DEBUG and scans the log).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

_TOKEN_PATTERN = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
_MASK = "[redacted]"


class _Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def redact(self, text: str) -> str:
        text = _TOKEN_PATTERN.sub(_MASK, text)
        for secret in tuple(self._secrets):
            if secret in text:
                text = text.replace(secret, _MASK)
        return text

    def apply(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format in a library call; leave it to logging
            return
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))


_redactor = _Redactor()
_installed = False
_install_lock = threading.Lock()


def redact(text: str) -> str:
    return _redactor.redact(text)


def install_redaction(secrets: Iterable[str] = ()) -> None:
    """Mask Slack tokens and the given secrets in every log record from now on (idempotent)."""
    global _installed
    _redactor.add(secrets)
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redactor.apply(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


# Libraries whose lines an operator doesn't need, and the lowest level shown from each: Alembic's lines per
# command, Bolt's and slack_sdk's connection notes; APScheduler's per run, including its warning when a
# tick is skipped because the previous one still runs (by design: one at a time; our jobs log their own
# failures). At LOG_LEVEL=DEBUG they speak from INFO up, never at DEBUG (see the module docstring).
QUIET_LIBRARIES = {
    "alembic": logging.WARNING,
    "slack_bolt": logging.WARNING,
    "slack_sdk": logging.WARNING,
    "urllib3": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "apscheduler": logging.ERROR,
}
# SQLAlchemy logs every statement at INFO: it stays at WARNING even at LOG_LEVEL=DEBUG.
_DEBUG_FLOORS = {name: logging.WARNING if name == "sqlalchemy" else logging.INFO for name in QUIET_LIBRARIES}


def _floor(name: str, level: str) -> int:
    return _DEBUG_FLOORS[name] if level == "DEBUG" else QUIET_LIBRARIES[name]


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    install_redaction(secrets)
    root = logging.getLogger()
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(_floor(name, level), root.level))
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    for each in root.handlers:
        for old in [f for f in each.filters if isinstance(f, _QuietLibraryFilter)]:
            each.removeFilter(old)
        each.addFilter(_QuietLibraryFilter(level))


class _QuietLibraryFilter(logging.Filter):
    """The same floor at the handler: Bolt sets each of its loggers to the root's level when it makes one
    (`slack_bolt.App`, and the Socket Mode client logging through it), so a level on `slack_bolt` alone
    doesn't hold."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self._level = level

    def filter(self, record: logging.LogRecord) -> bool:
        for name in QUIET_LIBRARIES:
            if record.name == name or record.name.startswith(name + "."):
                return record.levelno >= _floor(name, self._level)
        return True
