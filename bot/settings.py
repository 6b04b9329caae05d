"""Settings read from a mapping (normally the process environment).

Every value is checked here so a bad deployment stops at start with one line naming the setting,
instead of failing on the first Slack request. Nothing is read at import time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.anonymity import DEFAULT_ANONYMITY_MIN, MIN_ANONYMITY_MIN
from bot.i18n import LANGUAGES, Language, translate
from bot.timeutil import DEFAULT_TIMEZONE

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///pulssi.db"
MIN_ANONYMITY = MIN_ANONYMITY_MIN  # the rule's floor, defined in bot/domain/anonymity
# A folder of its own: paths set from Slack are confined to it, so it must never hold .env or the app.
DEFAULT_CX_FEED_DIR = "cx-feed"

# The placeholders in .env.example: a start with one of them left in stops with one line, not a Slack error.
EXAMPLE_VALUES = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "SLACK_APP_TOKEN": "xapp-your-app-token",
}
MIN_SECRET_KEY_LENGTH = 32  # the same as bot.domain.anonymity.MIN_SECRET_KEY_LENGTH, checked by a test


class SettingError(ValueError):
    """A setting is missing or malformed: `NAME: problem`, the problem a catalog key (bot/i18n/parts/settings.py
    and cli.py) with its values. `str()` is the English line; `in_language()` the admin's."""

    def __init__(self, name: str, key: str, /, **values: object) -> None:
        self.name = name
        self.key = key
        self.values = values
        self.problem = translate("en", key, **values)
        super().__init__(f"{name}: {self.problem}")

    def in_language(self, language: Language) -> str:
        return f"{self.name}: {translate(language, self.key, **self.values)}"


class Secret:
    """A value that never prints itself (repr, str, f-strings and logs show a mask)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    slack_bot_token: Secret
    slack_signing_secret: Secret
    slack_app_token: Secret | None = None
    # Derives the keys that link an open round's answers to people; never stored in the database.
    secret_key: Secret = field(default_factory=lambda: Secret(""), repr=False)
    slack_api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    default_timezone: str = DEFAULT_TIMEZONE
    default_language: Language = "en"
    port: int = 3000
    anonymity_min: int = DEFAULT_ANONYMITY_MIN
    log_level: str = "INFO"
    web_concurrency: int = 2
    pulse_window_days: int = 3
    scheduler_tick_seconds: int = 60
    schedule_lease_seconds: int = 30
    outbox_claim_timeout_seconds: int = 120
    outbox_senders: int = 4
    cx_feed_url: str | None = None
    cx_feed_interval_minutes: int = 60
    cx_feed_columns: str | None = None
    cx_feed_max_bytes: int = 200 * 1024 * 1024
    cx_feed_timeout_seconds: float = 30.0
    cx_feed_dir: str = DEFAULT_CX_FEED_DIR
    cx_feed_deadline_seconds: float = 300.0
    cx_feed_allow_private_urls: bool = False
    # OAuth mode (many workspaces): set together with PULSSI_SECRET_KEY, instead of SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: Secret = field(default_factory=lambda: Secret(""), repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def oauth_enabled(self) -> bool:
        """Installs through /slack/install, one token per workspace in the database (bot.oauth)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        require_slack: bool = True,
        require_app_token: bool = False,
    ) -> Settings:
        """Build settings, raising SettingError for the first bad value.

        `require_slack` is false for commands that never talk to Slack (migrate, import-cx, report).
        """
        reader = _Reader(env)
        client_id, client_secret = _oauth_credentials(reader)
        oauth = client_id is not None
        bot_token = reader.secret("SLACK_BOT_TOKEN", required=require_slack and not oauth, prefix="xoxb-")
        if oauth and bot_token:
            raise SettingError(
                "SLACK_BOT_TOKEN",
                "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
                " (install with OAuth), not both",
            )
        signing_secret = reader.secret("SLACK_SIGNING_SECRET", required=require_slack, min_length=8)
        app_token_value = reader.secret("SLACK_APP_TOKEN", required=require_app_token, prefix="xapp-")
        if oauth and require_app_token:
            raise SettingError(
                "SLACK_CLIENT_ID", "installing with OAuth needs `serve` (HTTP, for /slack/install), not Socket Mode"
            )
        if oauth and reader.optional("PULSSI_SECRET_KEY") is None:
            raise SettingError(
                "PULSSI_SECRET_KEY",
                "is required with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (it encrypts the installation tokens)"
                " but not set",
            )
        secret_key = reader.secret("PULSSI_SECRET_KEY", required=require_slack)
        if secret_key and len(secret_key.reveal()) < MIN_SECRET_KEY_LENGTH:
            raise SettingError("PULSSI_SECRET_KEY", "setting.secret_key_short", length=MIN_SECRET_KEY_LENGTH)
        settings = cls(
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token_value if app_token_value else None,
            secret_key=secret_key,
            slack_api_url=reader.http_url("SLACK_API_URL", SLACK_DEFAULT_API_URL, trailing_slash=True),
            database_url=reader.database_url("DATABASE_URL", DEFAULT_DATABASE_URL),
            default_timezone=reader.timezone("DEFAULT_TIMEZONE", DEFAULT_TIMEZONE),
            default_language=reader.language("DEFAULT_LANGUAGE", "en"),
            port=reader.integer("PORT", 3000, low=1, high=65535),
            anonymity_min=reader.integer(
                "ANONYMITY_MIN",
                DEFAULT_ANONYMITY_MIN,
                low=MIN_ANONYMITY,
                high=1000,
                low_key="setting.anonymity_floor",
            ),
            log_level=reader.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            web_concurrency=reader.integer("WEB_CONCURRENCY", 2, low=1, high=64),
            pulse_window_days=reader.integer("PULSE_WINDOW_DAYS", 3, low=1, high=10),
            scheduler_tick_seconds=reader.integer("SCHEDULER_TICK_SECONDS", 60, low=1, high=3600),
            schedule_lease_seconds=reader.integer("SCHEDULE_LEASE_SECONDS", 30, low=3, high=300),
            outbox_claim_timeout_seconds=reader.integer("OUTBOX_CLAIM_TIMEOUT_SECONDS", 120, low=1, high=3600),
            outbox_senders=reader.integer("OUTBOX_SENDERS", 4, low=1, high=32),
            cx_feed_url=reader.optional("CX_FEED_URL"),
            cx_feed_interval_minutes=reader.integer("CX_FEED_INTERVAL_MINUTES", 60, low=1, high=7 * 24 * 60),
            cx_feed_columns=reader.optional("CX_FEED_COLUMNS"),
            cx_feed_max_bytes=reader.integer("CX_FEED_MAX_BYTES", 200 * 1024 * 1024, low=1024, high=10**11),
            cx_feed_timeout_seconds=float(reader.integer("CX_FEED_TIMEOUT_SECONDS", 30, low=1, high=600)),
            cx_feed_dir=reader.optional("CX_FEED_DIR") or DEFAULT_CX_FEED_DIR,
            cx_feed_deadline_seconds=float(reader.integer("CX_FEED_DEADLINE_SECONDS", 300, low=1, high=24 * 3600)),
            cx_feed_allow_private_urls=reader.boolean("CX_FEED_ALLOW_PRIVATE_URLS", False),
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            secrets=tuple(
                s.reveal() for s in (bot_token, signing_secret, app_token_value, secret_key, client_secret) if s
            ),
        )
        _check_feed_dir(settings.cx_feed_dir, explicit=reader.optional("CX_FEED_DIR") is not None)
        if settings.cx_feed_url and not (
            settings.cx_feed_url.startswith(("http://", "https://")) or Path(settings.cx_feed_url).is_file()
        ):
            raise SettingError("CX_FEED_URL", "setting.feed_url")
        if settings.cx_feed_columns:
            from bot.domain.cxcsv import parse_column_mapping

            try:
                parse_column_mapping(settings.cx_feed_columns)
            except ValueError as exc:
                raise SettingError("CX_FEED_COLUMNS", "setting.feed_columns", problem=str(exc)) from None
        return settings


def _oauth_credentials(reader: _Reader) -> tuple[str | None, Secret]:
    """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: both or neither (a half-set pair names the missing one)."""
    client_id = reader.optional("SLACK_CLIENT_ID")
    client_secret = reader.secret("SLACK_CLIENT_SECRET", required=False, min_length=8)
    if client_id is None and not client_secret:
        return None, client_secret
    if client_id is None:
        raise SettingError("SLACK_CLIENT_ID", "is required with SLACK_CLIENT_SECRET (install with OAuth) but not set")
    if not client_secret:
        raise SettingError("SLACK_CLIENT_SECRET", "is required with SLACK_CLIENT_ID (install with OAuth) but not set")
    if not re.fullmatch(r"\d+\.\d+", client_id):
        raise SettingError("SLACK_CLIENT_ID", "does not look like a Slack client ID (digits, a dot, digits)")
    return client_id, client_secret


def _check_feed_dir(value: str, *, explicit: bool) -> None:
    """Slack admins may name files inside CX_FEED_DIR, so it must not be a folder that holds secrets or code:
    not the working directory, not one of its parents, and no `.env` in it. The default may be missing
    (then no file path set from Slack exists); a folder named explicitly must exist."""
    folder = Path(value).expanduser().resolve()
    if not folder.exists() and not explicit:
        return
    if not folder.is_dir():
        raise SettingError("CX_FEED_DIR", "setting.feed_dir.not_dir", value=value)
    working = Path.cwd().resolve()
    if folder == working or folder in working.parents:
        raise SettingError("CX_FEED_DIR", "setting.feed_dir.own")
    if (folder / ".env").exists():
        raise SettingError("CX_FEED_DIR", "setting.feed_dir.env")


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def _raw(self, name: str) -> str | None:
        value = self._env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def optional(self, name: str) -> str | None:
        return self._raw(name)

    def secret(self, name: str, *, required: bool, prefix: str = "", min_length: int = 1) -> Secret:
        value = self._raw(name)
        if value is None:
            if required:
                raise SettingError(name, "setting.required")
            return Secret("")
        if value == EXAMPLE_VALUES.get(name):
            raise SettingError(name, "setting.example")
        if prefix and not value.startswith(prefix):
            raise SettingError(name, "setting.prefix", prefix=prefix)
        if len(value) < min_length or re.search(r"\s", value):
            raise SettingError(name, "setting.invalid")
        return Secret(value)

    def integer(self, name: str, default: int, *, low: int, high: int, low_key: str | None = None) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingError(name, "setting.whole_number", raw=raw) from None
        if value < low:
            raise SettingError(name, low_key or "setting.at_least", low=low, value=value)
        if value > high:
            raise SettingError(name, "setting.at_most", high=high, value=value)
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self._raw(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise SettingError(name, "setting.boolean", raw=raw)

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw.upper() not in allowed:
            raise SettingError(name, "setting.choice", allowed=", ".join(allowed), raw=raw)
        return raw.upper()

    def language(self, name: str, default: Language) -> Language:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw.lower() not in LANGUAGES:
            raise SettingError(name, "setting.choice", allowed=", ".join(LANGUAGES), raw=raw)
        return raw.lower()  # type: ignore[return-value]

    def http_url(self, name: str, default: str, *, trailing_slash: bool) -> str:
        raw = self._raw(name) or default
        parsed = urlparse(raw)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SettingError(name, "setting.http_url", raw=raw)
        if trailing_slash and not raw.endswith("/"):
            raw += "/"
        return raw

    def timezone(self, name: str, default: str) -> str:
        raw = self._raw(name) or default
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(name, "setting.timezone", raw=raw) from None
        return raw

    def database_url(self, name: str, default: str) -> str:
        raw = self._raw(name) or default
        # Heroku-style URLs say postgres://; SQLAlchemy wants an explicit driver (psycopg 3).
        if raw.startswith("postgres://"):
            raw = "postgresql+psycopg://" + raw[len("postgres://") :]
        elif raw.startswith("postgresql://"):
            raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
        try:
            url = make_url(raw)
        except ArgumentError:
            raise SettingError(name, "setting.database_url") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise SettingError(name, "setting.database_kind", kind=url.get_backend_name())
        try:
            url.get_dialect().import_dbapi()
        except ImportError:
            if url.get_backend_name() == "postgresql":
                raise SettingError(name, "setting.postgres_driver") from None
            raise SettingError(name, "setting.driver", driver=url.get_driver_name()) from None
        return raw
