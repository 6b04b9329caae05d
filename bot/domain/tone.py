"""One tone label per text: Finnish through Pulssi's own lexicon (bot.domain.tone_fi), English through TextBlob."""

from __future__ import annotations

from typing import Literal

from bot.domain.sentiment import detect_language, strip_slack_markup
from bot.domain.tone_fi import MARGIN, finnish_tone

ToneLabel = Literal["positive", "neutral", "negative", "not-scored"]
ToneLanguage = Literal["fi", "en"]
# TextBlob polarity beyond ±EN_MARGIN reads positive or negative.
EN_MARGIN = 0.1


def label_of(score: float | None, margin: float) -> ToneLabel:
    if score is None:
        return "not-scored"
    if score > margin:
        return "positive"
    if score < -margin:
        return "negative"
    return "neutral"


def english_score(text: str) -> float | None:
    """TextBlob polarity; None when TextBlob found no word it knows (nothing was measured)."""
    from textblob import TextBlob  # imported lazily: it pulls in nltk, which is slow to import

    blob = TextBlob(text)
    if not blob.sentiment_assessments.assessments:
        return None
    return float(blob.sentiment.polarity)


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
