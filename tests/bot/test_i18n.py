from __future__ import annotations

import re
import string

import pytest

from bot.i18n import catalogs, language_for_locale, translate


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
    ("locale", "language"), [("fi-FI", "fi"), ("fi", "fi"), ("en-US", "en"), ("sv-SE", "en"), (None, "en"), ("", "en")]
)
def test_language_for_locale(locale: str | None, language: str) -> None:
    assert language_for_locale(locale) == language


def test_translate_formats_and_falls_back() -> None:
    assert "7" in translate("fi", "core.suppressed", k=7)
    assert translate("en", "no.such.key") == "no.such.key"
