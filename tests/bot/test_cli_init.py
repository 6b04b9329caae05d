"""`python -m bot init` as a subprocess against the fake Slack: prompts over stdin, flags, --from-env, refusals."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli_init import python_command
from bot.settings import Settings
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SECRET = "0123456789abcdef0123456789abcdef"


def run_init(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "DEFAULT_LANGUAGE", "PULSSI_", "ANONYMITY"))
    }
    clean.update(env or {})
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "init", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd,
        timeout=60,
    )


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name] = value
    return values


def test_the_prompts_write_a_private_env_that_the_start_accepts(fake_slack: FakeSlack, tmp_path: Path) -> None:
    answers = f"en\n{fake_slack.token}\n{SECRET}\n{fake_slack.app_token}\n\n"
    result = run_init(cwd=tmp_path, env={"SLACK_API_URL": fake_slack.url}, stdin=answers)
    assert result.returncode == 0, result.stderr
    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = read_env(env_file)
    assert values["SLACK_BOT_TOKEN"] == fake_slack.token
    assert values["SLACK_SIGNING_SECRET"] == SECRET
    assert values["SLACK_APP_TOKEN"] == fake_slack.app_token
    assert values["SLACK_API_URL"] == fake_slack.url
    assert len(values["PULSSI_SECRET_KEY"]) >= 40
    assert "DATABASE_URL" not in values  # the default SQLite file
    # One auth.test with the bot token, one apps.connections.open with the app token.
    assert len(fake_slack.calls_to("auth.test")) == 1
    assert len(fake_slack.calls_to("apps.connections.open")) == 1
    assert "python -m bot" in result.stdout and "/pulse setup" in result.stdout
    assert fake_slack.token not in result.stdout + result.stderr  # the secret prompt never echoes it back
    Settings.from_env(values, require_slack=True, require_app_token=True)


def test_finnish_prompts_and_a_wrong_answer_asked_again(fake_slack: FakeSlack, tmp_path: Path) -> None:
    answers = f"fi\nxoxb-your-bot-token\n{fake_slack.token}\n{SECRET}\n\nsqlite:///team.db\n"
    result = run_init(cwd=tmp_path, env={"SLACK_API_URL": fake_slack.url}, stdin=answers)
    assert result.returncode == 0, result.stderr
    assert "esimerkkiarvo" in result.stdout  # the .env.example placeholder is refused, in Finnish
    assert "python -m bot serve" in result.stdout and "Seuraavaksi" in result.stdout
    values = read_env(tmp_path / ".env")
    assert values["DEFAULT_LANGUAGE"] == "fi"
    assert values["DATABASE_URL"] == "sqlite:///team.db"
    assert "SLACK_APP_TOKEN" not in values
    assert fake_slack.calls_to("apps.connections.open") == []


def test_a_token_slack_refuses_writes_nothing(fake_slack: FakeSlack, tmp_path: Path) -> None:
    result = run_init(
        "--bot-token", "xoxb-wrong", "--signing-secret", SECRET, "--app-token", "", "--database-url", "",
        "--language", "en",
        cwd=tmp_path,
        env={"SLACK_API_URL": fake_slack.url},
    )  # fmt: skip
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN" in result.stderr and "invalid_auth" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / ".env").exists()


def test_a_refused_app_token_writes_nothing(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = {
        "SLACK_API_URL": fake_slack.url,
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "xapp-1-A0PULSSI-1-wrong",
    }
    result = run_init("--from-env", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "SLACK_APP_TOKEN" in result.stderr and "invalid_auth" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_slack_unreachable_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_SIGNING_SECRET": SECRET,
    }
    result = run_init("--from-env", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "could not reach Slack" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / ".env").exists()
    offline = run_init("--from-env", "--no-check", cwd=tmp_path, env=env)
    assert offline.returncode == 0, offline.stderr
    assert read_env(tmp_path / ".env")["SLACK_BOT_TOKEN"] == "xoxb-1-2-3"


def test_from_env_never_prompts_and_names_what_is_missing(tmp_path: Path) -> None:
    result = run_init("--from-env", cwd=tmp_path, env={"SLACK_SIGNING_SECRET": SECRET})
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert result.stdout == ""  # no question was asked


KEPT_KEY = "kept-key-0123456789abcdefghijklmnopqrstuv"


def test_an_existing_env_is_kept_without_force_and_merged_with_it(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    example = (ROOT / ".env.example").read_text()
    env_file.write_text(example + "ANONYMITY_MIN=7\nPULSSI_SECRET_KEY=" + KEPT_KEY + "\n")
    env = {"SLACK_API_URL": fake_slack.url, "SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": SECRET}
    refused = run_init("--from-env", cwd=tmp_path, env=env)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert env_file.read_text() == example + "ANONYMITY_MIN=7\nPULSSI_SECRET_KEY=" + KEPT_KEY + "\n"
    result = run_init("--from-env", "--force", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    values = read_env(env_file)
    assert values["SLACK_BOT_TOKEN"] == fake_slack.token
    assert values["ANONYMITY_MIN"] == "7"  # unrelated lines stay
    assert values["PULSSI_SECRET_KEY"] == KEPT_KEY  # never rotated behind the operator's back
    assert "SLACK_APP_TOKEN" not in values  # the example's placeholder no longer picks Socket Mode
    assert "# SLACK_APP_TOKEN=xapp-your-app-token" in env_file.read_text()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_check_only_writes_nothing(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = {"SLACK_API_URL": fake_slack.url, "SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": SECRET}
    result = run_init("--from-env", "--check-only", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "accepted" in result.stdout
    assert not (tmp_path / ".env").exists()


def test_stdin_ending_early_cancels(tmp_path: Path) -> None:
    result = run_init(cwd=tmp_path, stdin="en\n")
    assert result.returncode == 1 and "cancelled" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_the_next_step_names_the_interpreter_that_has_the_dependencies(fake_slack: FakeSlack, tmp_path: Path) -> None:
    # After the README's quick start that is .venv/bin/python; a bare `python -m bot` would lack slack_bolt.
    env = {"SLACK_API_URL": fake_slack.url, "SLACK_BOT_TOKEN": fake_slack.token, "SLACK_SIGNING_SECRET": SECRET}
    result = run_init("--from-env", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert f"`{sys.executable} -m bot serve`" in result.stdout
    again = run_init("--from-env", cwd=tmp_path, env=env)  # the quick start run a second time
    assert again.returncode == 1
    assert "--force" in again.stderr and f"{sys.executable} -m bot" in again.stderr  # how to start instead


@pytest.mark.parametrize(
    ("executable", "cwd", "named"),
    [
        ("/srv/pulssi/.venv/bin/python", "/srv/pulssi", os.path.join(".venv", "bin", "python")),
        ("/srv/pulssi/python", "/srv/pulssi", os.path.join(".", "python")),
        ("/usr/bin/python3", "/srv/pulssi", "/usr/bin/python3"),
        ("", "/srv/pulssi", "python"),
    ],
)
def test_python_command(executable: str, cwd: str, named: str) -> None:
    assert python_command(executable, cwd) == named
