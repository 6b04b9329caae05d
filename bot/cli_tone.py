"""`python -m bot tone [--language fi|en]`: one tone label per line of standard input.

Needs no settings, database or Slack: anyone can check how Pulssi reads the tone of their own sentences.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.cli_parsing import argparse_in, shell_language
from bot.domain.tone import tone


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulssi tone",
        description="Read lines on standard input and print one label a line: positive, neutral, negative or "
        "not-scored. Finnish is scored with Pulssi's own lexicon, English with TextBlob. / Lukee rivejä "
        "syötteestä ja tulostaa jokaiselle sävyn: positive, neutral, negative tai not-scored.",
    )
    parser.add_argument(
        "--language",
        choices=("fi", "en"),
        help="the lines' language; without it each line's language is detected (fi/en)",
    )
    return parser


def main(argv: Sequence[str], stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    with argparse_in(shell_language(None, os.environ)):  # --language is the lines', not the shell's
        args = build_parser().parse_args(list(argv))
    source = stdin or sys.stdin
    out = stdout or sys.stdout
    for line in source:
        out.write(tone(line.rstrip("\n"), args.language) + "\n")
        out.flush()
    return 0
