"""One tone label per text: Finnish through Pulssi's own lexicon (bot.domain.tone_fi), English through TextBlob
with Pulssi's workplace lexicon on top (bot.domain.tone_en). The same reading scores `/win` stories (a
polarity in -1…+1) and labels comments and the shell's `tone` lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.sentiment import detect_language, strip_slack_markup
from bot.domain.tone_en import MARGIN as EN_TONE_MARGIN
from bot.domain.tone_en import english_tone
from bot.domain.tone_fi import MARGIN, finnish_tone

ToneLabel = Literal["positive", "neutral", "negative", "not-scored"]
ToneLanguage = Literal["fi", "en"]
# The English reading beyond ±EN_MARGIN reads positive or negative.
EN_MARGIN = EN_TONE_MARGIN
# The Finnish reading is a mean lexicon weight (-2…+2); halved, it is a polarity on the English reading's scale.
FI_SCALE = 2.0


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


@dataclass(frozen=True)
class ToneReading:
    language: ToneLanguage
    polarity: float  # -1…+1, the same scale in both languages
    label: ToneLabel


def read_tone(text: str, language: ToneLanguage | None = None) -> ToneReading | None:
    """The tone of `text`; without `language` it is detected. None ("not scored", never a false 0.0) for a text
    in neither language or one where too little was read."""
    plain = strip_slack_markup(text)
    if not plain:
        return None
    chosen = language or detect_language(plain)
    if chosen == "fi":
        score, margin, scale = finnish_tone(plain).score, MARGIN, FI_SCALE
    elif chosen == "en":
        score, margin, scale = english_score(plain), EN_MARGIN, 1.0
    else:
        return None
    if score is None:
        return None
    return ToneReading(chosen, max(-1.0, min(1.0, score / scale)), label_of(score, margin))


def tone(text: str, language: ToneLanguage | None = None) -> ToneLabel:
    """The label of `text`; without `language` it is detected, and a text in neither language is not scored."""
    reading = read_tone(text, language)
    return "not-scored" if reading is None else reading.label
