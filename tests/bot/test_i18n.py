from __future__ import annotations

import re
import string

import pytest

from bot.i18n import (
    Language,
    catalogs,
    choose_language,
    decide_language,
    locale_language,
    parse_language,
    translate,
)


def test_every_key_exists_in_both_languages() -> None:
    en, fi = catalogs()["en"], catalogs()["fi"]
    assert sorted(en.keys() - fi.keys()) == [], "missing in Finnish"
    assert sorted(fi.keys() - en.keys()) == [], "missing in English"


def test_placeholders_match_between_languages() -> None:
    en, fi = catalogs()["en"], catalogs()["fi"]
    formatter = string.Formatter()
    for key, text in en.items():
        en_fields = {f for _, f, _, _ in formatter.parse(text) if f}
        fi_fields = {f for _, f, _, _ in formatter.parse(fi[key]) if f}
        assert en_fields == fi_fields, key


def test_no_empty_texts() -> None:
    for language, texts in catalogs().items():
        for key, text in texts.items():
            assert text.strip(), f"{language}:{key} is empty"
            assert not re.search(r"TODO|FIXME", text), f"{language}:{key}"


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("fi-FI", "fi"),
        ("fi", "fi"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("sv-SE", None),
        ("de-DE", None),
        (None, None),
        ("", None),
    ],
)
def test_locale_language_is_only_a_language_pulssi_has(locale: str | None, language: str | None) -> None:
    assert locale_language(locale) == language


# (person's choice, Slack locale, team's language, DEFAULT_LANGUAGE) -> (language, which step decided)
PRECEDENCE = [
    # The person's choice wins over everything, also over an English Slack locale (Slack has no Finnish).
    ("fi", "en-US", "en", "en", "fi", "chosen"),
    ("en", "fi-FI", "fi", "fi", "en", "chosen"),
    ("fi", None, None, "en", "fi", "chosen"),
    # No choice: a Slack locale Pulssi supports comes next ...
    (None, "en-US", "fi", "fi", "en", "slack"),
    (None, "fi-FI", "en", "en", "fi", "slack"),
    # ... a locale Pulssi doesn't have falls through to the team's language ...
    (None, "de-DE", "fi", "en", "fi", "team"),
    (None, None, "fi", "en", "fi", "team"),
    (None, None, "en", "fi", "en", "team"),
    # ... and then to the workspace default.
    (None, "ja-JP", None, "fi", "fi", "default"),
    (None, None, None, "en", "en", "default"),
    # A stored value Pulssi doesn't have is skipped, never trusted.
    ("sv", "de-DE", "xx", "fi", "fi", "default"),
    ("", "", "", "en", "en", "default"),
    # A channel post passes no person: the team's language, else the default.
    (None, None, "fi", "en", "fi", "team"),
]


@pytest.mark.parametrize(("chosen", "locale", "team", "default", "language", "source"), PRECEDENCE)
def test_language_precedence(
    chosen: str | None, locale: str | None, team: str | None, default: Language, language: str, source: str
) -> None:
    assert decide_language(chosen=chosen, slack_locale=locale, team=team, default=default) == (language, source)
    assert choose_language(chosen=chosen, slack_locale=locale, team=team, default=default) == language


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("fi", "fi"),
        ("FI", "fi"),
        (" Suomi ", "fi"),
        ("finnish", "fi"),
        ("en", "en"),
        ("English", "en"),
        ("englanti", "en"),
        ("sv", None),
        ("", None),
        (None, None),
        ("fi-FI", None),
    ],
)
def test_parse_language(typed: str | None, language: str | None) -> None:
    assert parse_language(typed) == language


def test_translate_formats_and_falls_back() -> None:
    assert "7" in translate("fi", "core.suppressed", k=7)
    assert translate("en", "no.such.key") == "no.such.key"
