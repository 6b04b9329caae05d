"""argparse's own lines (usage:, error:, the -h headings, its messages) in the shell's language (bot.cli_parsing)."""

from __future__ import annotations

import argparse
import gettext
import inspect
from pathlib import Path

import pytest

from bot import cli_init, cli_tone
from bot.__main__ import main
from bot.cli_parsing import ARGPARSE_KEYS, argparse_in, language_flag, shell_language
from bot.i18n import catalogs


@pytest.fixture(autouse=True)
def no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the entry point reads ./.env
    monkeypatch.delenv("DEFAULT_LANGUAGE", raising=False)


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], language: str | None
) -> tuple[object, str]:
    if language:
        monkeypatch.setenv("DEFAULT_LANGUAGE", language)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    out, err = capsys.readouterr()
    return stopped.value.code, out + err


@pytest.mark.parametrize(
    ("argv", "language", "expected"),
    [
        (["--bogus"], "fi", ["käyttö: pulssi", "pulssi: virhe: tuntemattomia argumentteja: --bogus"]),
        (["--bogus"], None, ["usage: pulssi", "pulssi: error: unrecognized arguments: --bogus"]),
        (["-h"], "fi", ["käyttö: pulssi", "argumentit:", "valitsimet:", "näytä tämä ohje ja lopeta"]),
        (["-h"], "en", ["usage: pulssi", "positional arguments:", "options:", "show this help message and exit"]),
        # report's own --language decides, as it does for the rest of what report prints
        (["report", "--language", "fi", "--weeks", "x"], "en", ["argumentti --weeks: virheellinen arvo (int): 'x'"]),
        (["report", "--language=en", "--weeks", "x"], "fi", ["argument --weeks: invalid int value: 'x'"]),
        (["nosuch"], "fi", ["virheellinen valinta: 'nosuch' (valitse jokin näistä:"]),
    ],
)
def test_argparse_lines_follow_the_shell_language(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    language: str,
    expected: list[str],
) -> None:
    code, printed = run(monkeypatch, capsys, argv, language)
    assert code == (0 if "-h" in argv else 2)
    for line in expected:
        assert line in printed
    assert argparse._ is gettext.gettext  # type: ignore[attr-defined]  # put back for everything else


def test_init_and_tone_parsers_too(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fi")
    with pytest.raises(SystemExit):
        cli_init.main(["--nope"], environ={"DEFAULT_LANGUAGE": "fi"})
    assert "pulssi init: virhe: tuntemattomia argumentteja: --nope" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_tone.main(["--language", "sv"])  # the lines' language, not the shell's: DEFAULT_LANGUAGE decides
    assert "argumentti --language: virheellinen valinta: 'sv'" in capsys.readouterr().err


def test_every_mapped_text_is_argparses_own_and_translated() -> None:
    source = inspect.getsource(argparse)
    finnish = catalogs()["fi"]
    with argparse_in("fi"):
        for message, key in ARGPARSE_KEYS.items():
            assert repr(message)[1:-1] in source, message  # a text argparse really asks gettext for
            assert vars(argparse)["_"](message) == finnish[key] != message


@pytest.mark.parametrize(
    ("argv", "default", "language"),
    [
        ([], None, "en"),
        ([], "fi", "fi"),
        (["report", "--language", "fi"], "en", "fi"),
        (["report", "--language=en"], "fi", "en"),
        (["report", "--language"], "fi", "fi"),  # no value: argparse says so, in DEFAULT_LANGUAGE
        (["report", "--language", "sv"], "fi", "fi"),
        ([], "sv", "en"),  # a bad DEFAULT_LANGUAGE: its one-line refusal comes in English
    ],
)
def test_shell_language(argv: list[str], default: str | None, language: str) -> None:
    env = {} if default is None else {"DEFAULT_LANGUAGE": default}
    assert shell_language(language_flag(argv), env) == language
