"""bot.domain.tone_en: Pulssi's English workplace lexicon over TextBlob (negation, intensifiers, neutral words)."""

from __future__ import annotations

import pytest

from bot.domain.tone import tone
from bot.domain.tone_en import english_tone, weight_of


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The system crashed again.", "negative"),  # TextBlob alone reads nothing here
        ("The customer praised our agent.", "positive"),
        ("The service was good.", "positive"),
        ("The service was not good.", "negative"),  # negation flips the lexicon word
        ("Nobody answered the customer.", "negative"),  # a negation with nothing scored after it
        ("There were no problems at all.", "positive"),  # negated negative
        ("A new employee starts on Monday.", "not-scored"),  # "new" is news at work, not praise
        ("The invoice is due on Friday.", "not-scored"),
        ("There are far too many meetings.", "negative"),
        ("The team solved a difficult case together.", "positive"),
    ],
)
def test_english_tone(text: str, label: str) -> None:
    assert tone(text, "en") == label


@pytest.mark.parametrize(
    ("word", "weight"),
    [("cancelled", -1.0), ("praised", 1.5), ("freezes", -1.5), ("recommended", 1.5), ("table", None)],
)
def test_base_forms_find_the_lexicon(word: str, weight: float | None) -> None:
    assert weight_of(word) == weight


def test_intensifiers_strengthen_and_nothing_read_is_not_scored() -> None:
    plain, strong = english_tone("The agent was polite."), english_tone("The agent was very polite.")
    assert plain.score is not None and strong.score is not None and strong.score > plain.score
    assert english_tone("Tickets are tagged by product.").score is None
