"""One message catalog for every user-facing text, in English and Finnish.

Texts live in `bot/i18n/parts/<feature>.py` as `EN` and `FI` dicts with identical keys; this module
merges them. A missing key in either language is a bug caught by tests/bot/test_i18n.py.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Literal, Protocol

from bot.i18n import parts as _parts_package

Language = Literal["en", "fi"]
LANGUAGES: tuple[Language, ...] = ("en", "fi")
FALLBACK: Language = "en"

logger = logging.getLogger(__name__)


class Translator(Protocol):
    language: Language

    def __call__(self, key: str, /, **params: object) -> str: ...


@cache
def catalogs() -> Mapping[Language, Mapping[str, str]]:
    merged: dict[Language, dict[str, str]] = {"en": {}, "fi": {}}
    for module_info in sorted(pkgutil.iter_modules(_parts_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_parts_package.__name__}.{module_info.name}")
        pairs: tuple[tuple[Language, str], ...] = (("en", "EN"), ("fi", "FI"))
        for language, attribute in pairs:
            texts: Mapping[str, str] = getattr(module, attribute, {})
            clash = merged[language].keys() & texts.keys()
            if clash:
                raise RuntimeError(f"duplicate message keys in {module_info.name}: {sorted(clash)}")
            merged[language].update(texts)
    return merged


# What people may type after `/pulse language` (and DEFAULT_LANGUAGE accepts only the codes).
_LANGUAGE_WORDS: Mapping[str, Language] = {
    "en": "en",
    "english": "en",
    "englanti": "en",
    "fi": "fi",
    "finnish": "fi",
    "suomi": "fi",
}


def parse_language(value: str | None) -> Language | None:
    """'fi', 'Suomi', 'english' -> a language Pulssi has; anything else -> None."""
    if value is None:
        return None
    return _LANGUAGE_WORDS.get(value.strip().lower())


def locale_language(locale: str | None) -> Language | None:
    """The language of a Slack locale ('en-US', 'fi-FI') when Pulssi has it; None for 'de-DE' or no locale.

    Slack has no Finnish UI locale today, so in practice this says "en" or None; 'fi' is kept should it come.
    """
    if not locale:
        return None
    code = locale.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else None


# Where a person's language came from: the steps of the rule, in order.
LanguageSource = Literal["chosen", "slack", "team", "default"]


def decide_language(
    *, chosen: str | None, slack_locale: str | None, team: str | None, default: Language
) -> tuple[Language, LanguageSource]:
    """The one rule for whose language a text is in, and which step decided it.

    The person's own choice, then a Slack locale Pulssi supports, then their team's language, then the
    workspace default (DEFAULT_LANGUAGE). A stored value Pulssi no longer has is skipped, not trusted.
    Posts in a team's channel pass no person (`chosen=None, slack_locale=None`): the team's language.
    """
    steps: tuple[tuple[Language | None, LanguageSource], ...] = (
        (parse_language(chosen), "chosen"),
        (locale_language(slack_locale), "slack"),
        (parse_language(team), "team"),
    )
    for language, source in steps:
        if language is not None:
            return language, source
    return default, "default"


def choose_language(*, chosen: str | None, slack_locale: str | None, team: str | None, default: Language) -> Language:
    return decide_language(chosen=chosen, slack_locale=slack_locale, team=team, default=default)[0]


def translate(language: Language, key: str, /, **params: object) -> str:
    catalog = catalogs()
    text = catalog[language].get(key)
    if text is None:
        text = catalog[FALLBACK].get(key)
        if text is None:
            logger.error("missing message key %s", key)
            return key
    if params:
        return text.format(**params)
    return text


class CatalogTranslator:
    """A translator bound to one language: `t("help.title")`."""

    def __init__(self, language: Language) -> None:
        self.language: Language = language

    def __call__(self, key: str, /, **params: object) -> str:
        return translate(self.language, key, **params)


def translator(language: Language) -> CatalogTranslator:
    return CatalogTranslator(language)
