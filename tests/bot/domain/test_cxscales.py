"""CSAT scales: declared, read from the header, words in English and Finnish, Zendesk good/bad."""

from __future__ import annotations

import pytest

from bot.domain.cxscales import Scale, csat_word, header_scale, parse_scale


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1-5", Scale(1, 5)), ("1–7", Scale(1, 7)), ("1-10", Scale(1, 10)), ("0..10", Scale(0, 10)), ("2-9", None)],
)
def test_parse_scale(text: str, expected: Scale | None) -> None:
    assert parse_scale(text) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Satisfaction (1–7)", Scale(1, 7)),
        ("Would you recommend us? (Score 0-10)", Scale(0, 10)),
        ("On a scale of 0-10, how would you rate it?", Scale(0, 10)),
        ("Tyytyväisyys [1-5]", Scale(1, 5)),
        ("Satisfaction", None),
    ],
)
def test_header_scale(header: str, expected: Scale | None) -> None:
    assert header_scale(header) == expected


@pytest.mark.parametrize(
    ("scale", "top_two"), [(Scale(1, 5), 4), (Scale(1, 7), 6), (Scale(1, 10), 9), (Scale(0, 10), 9)]
)
def test_top_two(scale: Scale, top_two: int) -> None:
    assert scale.top_two == top_two


@pytest.mark.parametrize(
    ("word", "score"),
    [
        ("Very satisfied", 5),
        ("satisfied", 4),
        ("Neutral", 3),
        ("dissatisfied", 2),
        ("Very  dissatisfied", 1),
        ("Erittäin tyytyväinen", 5),
        ("tyytyväinen", 4),
        ("tyytymätön", 2),
        ("erittäin tyytymätön", 1),
        ("good", 5),
        ("bad", 1),
        ("great", None),
    ],
)
def test_csat_words(word: str, score: int | None) -> None:
    assert csat_word(word) == score
