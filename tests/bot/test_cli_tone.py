"""`python -m bot tone`: one label a line from standard input, in a real process, without settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_tone(lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PULSSI_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "tone", *args],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_one_label_a_line_in_finnish_and_english() -> None:
    finnish = run_tone(
        "Asiakas oli todella tyytyväinen\nPalvelu ei ollut hyvää\nKokous on tiistaina\n", "--language", "fi"
    )
    assert finnish.returncode == 0, finnish.stderr
    assert finnish.stdout.splitlines() == ["positive", "negative", "not-scored"]
    english = run_tone("What a great call, thank you!\nThe refund was late again.\n", "--language", "en")
    assert english.returncode == 0, english.stderr
    assert english.stdout.splitlines() == ["positive", "negative"]


def test_a_bad_language_is_refused_with_one_line() -> None:
    result = run_tone("x\n", "--language", "sv")
    assert result.returncode == 2 and "invalid choice" in result.stderr
