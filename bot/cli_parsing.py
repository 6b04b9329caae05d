"""The shell's language, and argparse's own lines in it.

argparse writes its usage:, error: and -h headings, and its messages about bad arguments, through gettext's `_`
and `ngettext`, looked up in its module when a parser is built and when it parses. `argparse_in(language)`
swaps them for the catalog's texts (bot/i18n/parts/cli_argparse.py) while it runs; in English argparse's own
texts stay. The CLI's own help texts and messages come from the catalog as before.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from bot.i18n import Language, parse_language, translator

# argparse's texts (as it passes them to gettext) and their catalog keys.
ARGPARSE_KEYS: Mapping[str, str] = {
    "usage: ": "argparse.usage",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "positional arguments": "argparse.positionals",
    "options": "argparse.options",
    "show this help message and exit": "argparse.help",
    "subcommands": "argparse.subcommands",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "the following arguments are required: %s": "argparse.required",
    "one of the arguments %s is required": "argparse.one_required",
    "not allowed with argument %s": "argparse.not_allowed_with",
    "ignored explicit argument %r": "argparse.ignored_explicit",
    "expected one argument": "argparse.expected_one",
    "expected at most one argument": "argparse.expected_at_most_one",
    "expected at least one argument": "argparse.expected_at_least_one",
    "expected %s argument": "argparse.expected_n.one",
    "expected %s arguments": "argparse.expected_n.many",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "unexpected option string: %s": "argparse.unexpected_option",
    "invalid %(type)s value: %(value)r": "argparse.invalid_type",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "argparse.unknown_parser",
    "can't open '%(filename)s': %(error)s": "argparse.cannot_open",
}


def shell_language(flag: str | None, env: Mapping[str, str]) -> Language:
    """The language of what the shell prints: a command's --language when it has one, else DEFAULT_LANGUAGE,
    else English (also when DEFAULT_LANGUAGE itself is the bad setting)."""
    return parse_language(flag) or parse_language(env.get("DEFAULT_LANGUAGE")) or "en"


def language_flag(argv: Sequence[str]) -> str | None:
    """`--language X` or `--language=X` in the arguments, read before argparse (whose lines it decides)."""
    for index, argument in enumerate(argv):
        if argument.startswith("--language="):
            return argument.partition("=")[2]
        if argument == "--language" and index + 1 < len(argv):
            return argv[index + 1]
    return None


@contextmanager
def argparse_in(language: Language) -> Iterator[None]:
    """Build and run parsers inside this: argparse's own lines come out in `language`."""
    if language == "en":
        yield
        return
    t = translator(language)

    def gettext(message: str) -> str:
        key = ARGPARSE_KEYS.get(message)
        return message if key is None else t(key)

    def ngettext(singular: str, plural: str, count: int) -> str:
        return gettext(singular if count == 1 else plural)

    module = vars(argparse)
    saved = module["_"], module["ngettext"]
    module["_"], module["ngettext"] = gettext, ngettext
    try:
        yield
    finally:
        module["_"], module["ngettext"] = saved
