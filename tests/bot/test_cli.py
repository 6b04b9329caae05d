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


@pytest.mark.parametrize(
    "command", ["", "init", "socket", "serve", "clock", "migrate", "import-cx", "report", "demo-data"]
)
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


# ----- the shell's workspace choice and demo-data's own database (issue 22) --------------------------------


def _workspaces(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return sorted(r[0] for r in connection.execute("select id from workspace"))


def _add_workspace(path: Path, workspace_id: str) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("insert into workspace (id, created_at) values (?, '2026-01-01 00:00:00')", (workspace_id,))


def test_an_empty_database_says_no_data_yet(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    report = run_cli("report", env=env, cwd=tmp_path)
    assert report.returncode == 2
    assert "no data yet" in report.stderr and "--workspace" not in report.stderr
    # One line (the migration's INFO chatter is another matter: quiet logs).
    assert len([line for line in report.stderr.strip().splitlines() if " INFO " not in line]) == 1
    csv = tmp_path / "nps.csv"
    csv.write_text("date,nps\n2026-03-02,9\n", encoding="utf-8")
    imported = run_cli("import-cx", str(csv), env=env, cwd=tmp_path)
    assert imported.returncode == 2 and "no data yet" in imported.stderr
    assert _workspaces(tmp_path / "fresh.db") == []
    finnish = run_cli("report", env={**env, "DEFAULT_LANGUAGE": "fi"}, cwd=tmp_path)
    assert "ei vielä tietoja" in finnish.stderr


def test_an_unknown_workspace_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    db = tmp_path / "one.db"
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    _add_workspace(db, "T0REAL")
    csv = tmp_path / "nps.csv"
    csv.write_text("date,nps\n2026-03-02,9\n", encoding="utf-8")
    typo = run_cli("import-cx", str(csv), "--workspace", "T0RAEL", env=env, cwd=tmp_path)
    assert typo.returncode == 2
    assert "T0RAEL" in typo.stderr and "T0REAL" in typo.stderr
    assert _workspaces(db) == ["T0REAL"]  # no orphan workspace
    report_typo = run_cli("report", "--workspace", "T0RAEL", env=env, cwd=tmp_path)
    assert report_typo.returncode == 2 and "T0REAL" in report_typo.stderr
    # The only workspace needs no --workspace.
    only = run_cli("import-cx", str(csv), env=env, cwd=tmp_path)
    assert only.returncode == 0, only.stderr
    assert "1 imported" in only.stdout
    report = run_cli("report", "--format", "json", env=env, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert '"workspace": "T0REAL"' in report.stdout
    _add_workspace(db, "T0OTHER")
    several = run_cli("report", env=env, cwd=tmp_path)
    assert several.returncode == 2
    assert "--workspace" in several.stderr and "T0OTHER, T0REAL" in several.stderr


def test_demo_data_has_its_own_file_and_spares_a_real_workspace(tmp_path: Path) -> None:
    real = tmp_path / "pulssi.db"
    env = {"DATABASE_URL": f"sqlite:///{real}"}
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    _add_workspace(real, "T0REAL")
    demo = run_cli("demo-data", env=env, cwd=tmp_path)  # DATABASE_URL is the bot's: not used
    assert demo.returncode == 0, demo.stderr
    assert _workspaces(tmp_path / "pulssi-demo.db") == ["TDEMO"]
    assert _workspaces(real) == ["T0REAL"]
    assert "--database-url sqlite:///pulssi-demo.db" in demo.stdout
    refused = run_cli("demo-data", "--database-url", env["DATABASE_URL"], cwd=tmp_path)
    assert refused.returncode == 1
    assert "T0REAL" in refused.stderr and "--force" in refused.stderr
    assert _workspaces(real) == ["T0REAL"]
    forced = run_cli("demo-data", "--database-url", env["DATABASE_URL"], "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert _workspaces(real) == ["T0REAL", "TDEMO"]
    # A second demo workspace beside the first is demo data only: no --force needed.
    again = run_cli("demo-data", "--workspace", "TDEMO2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("reference", ["Support", "support-en", "#support-en", "<#C0DEMO2|support-en>", "C0DEMO2"])
def test_report_team_names_resolve_as_cxreport_does(reference: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert run_cli("demo-data", "--database-url", url, cwd=tmp_path).returncode == 0
    result = run_cli("report", "--team", reference, "--format", "json", "--database-url", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"team": "Support"' in result.stdout
