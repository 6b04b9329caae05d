"""Tone labels (bot.domain.tone, bot.domain.tone_fi): Finnish lexicon with negation and intensifiers, English."""

from __future__ import annotations

import pytest

from bot.domain.tone import label_of, read_tone, tone
from bot.domain.tone_fi import LEXICON, finnish_tone


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Asiakas oli tyytyväinen", "positive"),
        ("Asiakkaat olivat todella tyytyväisiä nopeaan apuun", "positive"),  # inflected: lemmatised
        ("Palvelu oli huonoa", "negative"),
        ("Palvelu ei ollut hyvää", "negative"),  # negation flips
        ("Ei ongelmia, kaikki sujui", "positive"),  # a negated problem is good news
        ("Eikä siinä ollut mitään vikaa", "positive"),
        ("Hoidettiin ilman viivästyksiä", "positive"),  # "ilman" negates
        ("Toimitus myöhästyi ja asiakas valitti", "negative"),
        ("Asiakas oli pettynyt ja vihainen", "negative"),
        ("Hyvin meni", "positive"),  # "hyvin" alone is "well"
        ("Hyvin huono kokemus", "negative"),  # before a scored word it intensifies
        ("Kokous on tiistaina kello kymmenen", "not-scored"),  # no lexicon word: nothing measured
        ("Hyvä alku mutta paljon ongelmia", "neutral"),
    ],
)
def test_finnish_labels(text: str, label: str) -> None:
    assert tone(text, "fi") == label


def test_intensifiers_strengthen_and_softeners_weaken() -> None:
    plain = finnish_tone("hyvä").score
    strong = finnish_tone("erittäin hyvä").score
    soft = finnish_tone("vähän hyvä").score
    assert plain is not None and strong is not None and soft is not None
    assert strong > plain > soft > 0


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The customer was very happy with the quick fix", "positive"),
        ("The delivery was late and the box was broken", "negative"),
        ("The meeting is on Tuesday", "not-scored"),
    ],
)
def test_english_labels_come_from_textblob(text: str, label: str) -> None:
    assert tone(text, "en") == label


def test_without_a_language_it_is_detected_and_unknown_is_not_scored() -> None:
    assert tone("Asiakas oli todella tyytyväinen nopeaan apuun") == "positive"
    assert tone("ok") == "not-scored"
    assert tone("<@U123> :tada:") == "not-scored"


@pytest.mark.parametrize(
    ("score", "label"),
    [(None, "not-scored"), (0.5, "positive"), (-0.5, "negative"), (0.1, "neutral"), (0.0, "neutral")],
)
def test_label_of(score: float | None, label: str) -> None:
    assert label_of(score, 0.25) == label


def test_the_lexicon_has_base_forms_with_weights_in_range() -> None:
    assert len(LEXICON) >= 200
    assert all(-2 <= weight <= 2 and weight != 0 for weight in LEXICON.values())


# A win story's stored polarity: the same reading in both languages, on one -1…+1 scale; None when not scored.
STORY_READINGS = [
    ("The customer was thrilled, great work by the team! Everything went perfectly.", "en", 1),
    ("The customer complained that the delivery was late and the product was broken.", "en", -1),
    ("Asiakas oli tosi tyytyväinen, kun saimme toimituksen ajoissa perille.", "fi", 1),
    ("Asiakas oli pettynyt, toimitus myöhästyi ja tuote oli rikki.", "fi", -1),
    ("*The customer* loved the <https://example.com/x|great service> <@U123> :tada:", "en", 1),  # markup stripped
]


@pytest.mark.parametrize(("story", "language", "sign"), STORY_READINGS)
def test_a_story_reads_in_its_own_language(story: str, language: str, sign: int) -> None:
    reading = read_tone(story)
    assert reading is not None and reading.language == language
    assert -1.0 <= reading.polarity <= 1.0 and reading.polarity * sign > 0
    assert reading.label == ("positive" if sign > 0 else "negative") == tone(story)


@pytest.mark.parametrize(
    "text",
    ["", "   ", ":tada:", "ok", "Kokous on tiistaina kello kymmenen", "Asiakas sanoi, että this is the best, ja me"],
)
def test_what_reads_nothing_is_not_scored_never_a_false_zero(text: str) -> None:
    assert read_tone(text) is None
