"""One tone label per text: Finnish through Pulssi's own lexicon (bot.domain.tone_fi), English through TextBlob
with Pulssi's workplace lexicon on top (bot.domain.tone_en)."""

from __future__ import annotations

from typing import Literal

from bot.domain.sentiment import detect_language, strip_slack_markup
from bot.domain.tone_en import MARGIN as EN_TONE_MARGIN
from bot.domain.tone_en import english_tone
from bot.domain.tone_fi import MARGIN, finnish_tone

ToneLabel = Literal["positive", "neutral", "negative", "not-scored"]
ToneLanguage = Literal["fi", "en"]
# The English reading beyond ±EN_MARGIN reads positive or negative.
EN_MARGIN = EN_TONE_MARGIN


def label_of(score: float | None, margin: float) -> ToneLabel:
    if score is None:
        return "not-scored"
    if score > margin:
        return "positive"
    if score < -margin:
        return "negative"
    return "neutral"


def english_score(text: str) -> float | None:
    """The English reading (TextBlob and Pulssi's lexicon); None when nothing was read."""
    return english_tone(text).score


def tone(text: str, language: ToneLanguage | None = None) -> ToneLabel:
    """The label of `text`; without `language` it is detected, and a text in neither language is not scored."""
    plain = strip_slack_markup(text)
    if not plain:
        return "not-scored"
    chosen = language or detect_language(plain)
    if chosen == "fi":
        return label_of(finnish_tone(plain).score, MARGIN)
    if chosen == "en":
        return label_of(english_score(plain), EN_MARGIN)
    return "not-scored"
