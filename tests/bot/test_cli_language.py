"""What the shell prints is in the admin's language: DEFAULT_LANGUAGE, or `report --language`.

Each case runs `python -m bot` as a subprocess with DEFAULT_LANGUAGE=fi (or --language fi). Every line it
prints must be a Finnish catalog text (bot/i18n/parts/cli.py, settings.py, report.py), and no English-only
fragment of those catalogs may appear anywhere in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import catalogs
from tests.bot.test_cli import KEY, SLACK, run_cli
from tests.processes import free_port
from tests.slack.fake_slack import FakeSlack

SHELL_KEYS = ("cli.", "setting.", "report.bad_period.", "report.bad_weeks")


def _shell_texts(language: str) -> dict[str, str]:
    return {k: v for k, v in catalogs()[language].items() if k.startswith(SHELL_KEYS)}  # type: ignore[index]


def _line_patterns(language: str) -> list[re.Pattern[str]]:
    patterns = []
    for text in _shell_texts(language).values():
        for line in text.split("\n"):
            pieces = re.split(r"\{[^}]*\}", line)
            if not "".join(pieces).strip():
                continue  # "{problem}" alone would match any line
            patterns.append(re.compile(".*".join(re.escape(piece) for piece in pieces)))
    return patterns


def _english_fragments() -> Iterator[str]:
    """Pieces of English shell texts that their Finnish text doesn't share (a fragment can't be told apart)."""
    english, finnish = _shell_texts("en"), _shell_texts("fi")
    for key, text in english.items():
        for piece in re.split(r"\{[^}]*\}|\n", text):
            if len(piece.strip()) >= 12 and piece not in finnish[key]:
                yield piece


def assert_finnish(output: str) -> None:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert lines, "nothing was printed"
    patterns = _line_patterns("fi")
    for line in lines:
        assert any(p.fullmatch(line) for p in patterns), f"not a Finnish shell text: {line!r}"
    english = [piece for piece in _english_fragments() if piece in output]
    assert not english, f"English left in {output!r}: {english}"


FI = {"DEFAULT_LANGUAGE": "fi"}
START = {**SLACK, "PULSSI_SECRET_KEY": KEY, **FI}


@pytest.mark.parametrize(
    ("env", "name"),
    [
        (FI, "SLACK_BOT_TOKEN"),  # missing
        ({**START, "SLACK_BOT_TOKEN": "xoxb-your-bot-token"}, "SLACK_BOT_TOKEN"),  # the .env.example value
        ({**START, "ANONYMITY_MIN": "2"}, "ANONYMITY_MIN"),
        ({**START, "PORT": "x"}, "PORT"),
        ({**START, "PULSSI_SECRET_KEY": "too-short"}, "PULSSI_SECRET_KEY"),
        ({**START, "DATABASE_URL": "mysql://db/pulssi"}, "DATABASE_URL"),
        ({**START, "DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({**START, "CX_FEED_URL": "ftp://example.com/feed.csv"}, "CX_FEED_URL"),
        ({**START, "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
)
def test_a_bad_setting_is_told_in_finnish(env: dict[str, str], name: str, tmp_path: Path) -> None:
    result = run_cli("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"pulssi: virheellinen asetus: {name}: ")
    assert_finnish(result.stderr)


def test_a_token_slack_refuses_at_start_is_told_in_finnish(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = {**START, "SLACK_BOT_TOKEN": "xoxb-not-the-real-one", "SLACK_API_URL": fake_slack.url}
    result = run_cli("clock", env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "invalid_auth" in result.stderr
    assert_finnish(result.stderr)


def test_a_database_that_does_not_answer_is_told_in_finnish(tmp_path: Path) -> None:
    nowhere = f"postgresql://pulssi:secret@127.0.0.1:{free_port()}/pulssi"
    result = run_cli("migrate", env={**FI, "DATABASE_URL": nowhere}, cwd=tmp_path)
    assert result.returncode == 1
    assert "127.0.0.1" in result.stderr and "secret" not in result.stderr
    # The driver's own reason (first_line) is not Pulssi's text: only Pulssi's frame is checked here.
    assert result.stderr.startswith("pulssi: tietokanta ei vastannut (")
    assert not [piece for piece in _english_fragments() if piece in result.stderr]


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the demo workspace TDEMO; demo-data's own lines are checked on the way."""
    folder = tmp_path_factory.mktemp("demo")
    demo = f"sqlite:///{folder / 'demo.db'}"
    result = run_cli("demo-data", "--database-url", demo, env=FI, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert_finnish(result.stdout)
    return demo


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("report",), 2),  # an empty database
        (("report", "--format", "png"), 2),  # png without --out
        (("report", "--weeks", "0"), 2),
        (("report", "--from", "2026-01-01"), 2),  # --from without --to
        (("report", "--database-url", "mysql://db/x"), 2),
    ],
)
def test_report_refusals_are_told_in_finnish(args: tuple[str, ...], code: int, tmp_path: Path) -> None:
    result = run_cli(*args, env={**FI, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, cwd=tmp_path)
    assert result.returncode == code
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert_finnish(result.stderr)


@pytest.mark.parametrize(
    ("args", "code", "stream"),
    [
        (("demo-data",), 1, "stderr"),  # TDEMO has its teams already
        (("report", "--team", "Nobody"), 2, "stderr"),
        (("import-cx", "feed.csv", "--workspace", "TNOPE"), 2, "stderr"),  # a typo is refused, listing TDEMO
        (("report", "--format", "json", "--out", "report.json"), 0, "stdout"),  # "wrote report.json"
    ],
)
def test_commands_on_the_demo_database_speak_finnish(
    demo_database: str, args: tuple[str, ...], code: int, stream: str, tmp_path: Path
) -> None:
    if args[0] == "demo-data":
        args = (*args, "--database-url", demo_database)
    result = run_cli(*args, env={**FI, "DATABASE_URL": demo_database}, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert_finnish(getattr(result, stream))


def test_report_language_wins_over_the_default(tmp_path: Path) -> None:
    env = {"DEFAULT_LANGUAGE": "en", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = run_cli("report", "--language", "fi", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert_finnish(result.stderr)
    english = run_cli("report", env=env, cwd=tmp_path)
    assert "no data yet" in english.stderr  # and without --language, DEFAULT_LANGUAGE's
