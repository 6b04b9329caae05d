from __future__ import annotations

import pytest

from bot.settings import SettingError, Settings

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1-abc",
    "SLACK_SIGNING_SECRET": "0123456789abcdef",
    "PULSSI_SECRET_KEY": "k" * 32,
}


def test_defaults() -> None:
    settings = Settings.from_env(BASE)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///pulssi.db"
    assert settings.default_timezone == "Europe/Helsinki"
    assert settings.port == 3000
    assert settings.anonymity_min == 5
    assert settings.slack_app_token is None
    assert settings.cx_feed_interval_minutes == 60
    assert settings.default_language == "en"


@pytest.mark.parametrize(("raw", "language"), [("fi", "fi"), ("FI", "fi"), (" en ", "en"), ("", "en")])
def test_default_language(raw: str, language: str) -> None:
    assert Settings.from_env({**BASE, "DEFAULT_LANGUAGE": raw}).default_language == language


@pytest.mark.parametrize(
    ("overrides", "name", "fragment"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN", "required"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET", "required"),
        ({"SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN", "xapp-"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL", "http"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL", "unsupported"),
        ({"DATABASE_URL": "::::"}, "DATABASE_URL", "valid"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE", "unknown time zone"),
        ({"PORT": "eighty"}, "PORT", "whole number"),
        ({"PORT": "70000"}, "PORT", "at most"),
        ({"ANONYMITY_MIN": "2"}, "ANONYMITY_MIN", "at least 3"),
        ({"ANONYMITY_MIN": "x"}, "ANONYMITY_MIN", "whole number"),
        ({"CX_FEED_INTERVAL_MINUTES": "0"}, "CX_FEED_INTERVAL_MINUTES", "at least"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "one of"),
        ({"DEFAULT_LANGUAGE": "sv"}, "DEFAULT_LANGUAGE", "one of en, fi, got 'sv'"),
        ({"DEFAULT_LANGUAGE": "fi-FI"}, "DEFAULT_LANGUAGE", "one of en, fi"),
        ({"SCHEDULE_LEASE_SECONDS": "1"}, "SCHEDULE_LEASE_SECONDS", "at least 3"),
        # The placeholders of .env.example pass every format check; they are refused by name.
        ({"SLACK_BOT_TOKEN": "xoxb-your-bot-token"}, "SLACK_BOT_TOKEN", "still the example value"),
        ({"SLACK_SIGNING_SECRET": "your-signing-secret"}, "SLACK_SIGNING_SECRET", "still the example value"),
        ({"SLACK_APP_TOKEN": "xapp-your-app-token"}, "SLACK_APP_TOKEN", "still the example value"),
        ({"PULSSI_SECRET_KEY": ""}, "PULSSI_SECRET_KEY", "required"),
        ({"PULSSI_SECRET_KEY": "k" * 31}, "PULSSI_SECRET_KEY", "at least 32 characters"),
    ],
)
def test_bad_settings_name_the_setting(overrides: dict[str, str], name: str, fragment: str) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({**BASE, **overrides})
    assert caught.value.name == name
    assert str(caught.value).startswith(f"{name}: ")
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_app_token_required_only_for_socket_mode() -> None:
    with pytest.raises(SettingError, match="SLACK_APP_TOKEN"):
        Settings.from_env(BASE, require_app_token=True)
    assert Settings.from_env({**BASE, "SLACK_APP_TOKEN": "xapp-1-x"}, require_app_token=True).slack_app_token


def test_slack_not_required_for_offline_commands() -> None:
    settings = Settings.from_env({}, require_slack=False)
    assert not settings.slack_bot_token


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_gets_psycopg_driver(given: str, expected: str) -> None:
    assert Settings.from_env({**BASE, "DATABASE_URL": given}).database_url == expected


def test_secrets_never_print() -> None:
    settings = Settings.from_env(BASE)
    assert "xoxb-1-abc" not in repr(settings)
    assert "0123456789abcdef" not in repr(settings)
    assert "xoxb-1-abc" not in f"{settings.slack_bot_token}"


def test_api_url_gets_trailing_slash() -> None:
    assert Settings.from_env({**BASE, "SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url.endswith("/api/")


def test_example_values_are_the_ones_in_env_example() -> None:
    from pathlib import Path

    from bot.settings import EXAMPLE_VALUES

    example = Path(__file__).resolve().parents[2] / ".env.example"
    lines = dict(line.split("=", 1) for line in example.read_text().splitlines() if line and not line.startswith("#"))
    for name, value in EXAMPLE_VALUES.items():
        assert lines[name] == value


def test_a_postgresql_url_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `pip install .` without [postgres]
    with pytest.raises(SettingError) as caught:
        Settings.from_env({**BASE, "DATABASE_URL": "postgresql://u@h/d"})
    assert caught.value.name == "DATABASE_URL"
    assert "[postgres]" in str(caught.value) and "\n" not in str(caught.value)


def test_secret_key_is_masked_and_agrees_with_the_anonymity_rule() -> None:
    from bot.domain import anonymity
    from bot.settings import MIN_SECRET_KEY_LENGTH

    settings = Settings.from_env(BASE)
    assert settings.secret_key.reveal() == "k" * 32
    assert "k" * 32 not in repr(settings)
    assert "k" * 32 in settings.secrets  # masked in every log line
    assert MIN_SECRET_KEY_LENGTH == anonymity.MIN_SECRET_KEY_LENGTH
