"""The entry point, as a subprocess: exit codes, one-line configuration errors, --help everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "abcdefgh12"}
KEY = "k" * 32


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "ANONYMITY", "PULSSI_SECRET"))
    }
    clean.update(env or {})
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=clean, cwd=cwd or ROOT, timeout=120
    )


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({**SLACK, "PULSSI_SECRET_KEY": KEY, "ANONYMITY_MIN": "2"}, "ANONYMITY_MIN"),
        ({**SLACK, "PULSSI_SECRET_KEY": KEY, "PORT": "x"}, "PORT"),
        (SLACK, "PULSSI_SECRET_KEY"),  # required: it derives the keys that link open rounds' answers
        ({**SLACK, "PULSSI_SECRET_KEY": "too-short"}, "PULSSI_SECRET_KEY"),
        ({**SLACK, "PULSSI_SECRET_KEY": KEY, "DEFAULT_LANGUAGE": "sv"}, "DEFAULT_LANGUAGE"),
    ],
)
def test_bad_setting_stops_start_with_one_line(env: dict[str, str], name: str, tmp_path: Path) -> None:
    result = run_cli("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert "Traceback" not in result.stderr


def test_socket_mode_needs_the_app_token(tmp_path: Path) -> None:
    result = run_cli("socket", env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "abcdefgh12"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr


@pytest.mark.parametrize("command", ["", "socket", "serve", "clock", "migrate", "import-cx", "report", "demo-data"])
def test_help_for_every_subcommand(command: str) -> None:
    result = run_cli(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "x.db").execute("select name from sqlite_master")}
    assert {"pulse_answer", "pulse_round", "win", "cx_response", "alembic_version"} <= tables


def test_dotenv_is_read_by_the_entry_point(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANONYMITY_MIN=1\n")
    result = run_cli("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "ANONYMITY_MIN" in result.stderr
