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


def language_for_locale(locale: str | None) -> Language:
    """Slack locales look like 'fi-FI' or 'en-US'; anything not Finnish falls back to English."""
    if locale and locale.lower().startswith("fi"):
        return "fi"
    return FALLBACK


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
