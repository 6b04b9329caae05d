"""The CX elements in customers' words (keyword lexicon EN+FI) and the comparison with wins."""

from __future__ import annotations

import pytest

from bot.domain.cxelements import KEYWORDS, compare, comparison_json, elements_in
from bot.domain.wins import CX_ELEMENTS


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The delivery arrived broken", {"fulfilment"}),
        ("Nobody answered, I waited a week", {"responsiveness"}),
        ("They kept their promise", {"commitment"}),
        ("The app is easy to use", {"seamlessness"}),
        ("They reminded me in advance", {"proactivity"}),
        ("The new feature is a big improvement", {"evolution"}),
        ("Toimitus myöhästyi", {"fulfilment", "responsiveness"}),
        ("Lupasivat soittaa eikä kukaan soittanut", {"commitment"}),
        ("Sovellus on sekava", {"seamlessness"}),
        ("Ilmoittivat etukäteen katkoksesta", {"proactivity"}),
        ("Palvelu on kehittynyt paljon", {"evolution"}),
        ("I appreciate the application form", set()),  # "app" matches the whole word only
        ("Kiitos!", set()),
    ],
)
def test_elements_in(text: str, found: set[str]) -> None:
    assert elements_in(text) == found


def test_every_element_has_english_and_finnish_keywords() -> None:
    assert set(KEYWORDS) == set(CX_ELEMENTS)
    assert all(len(stems) >= 10 for stems in KEYWORDS.values())


def test_the_largest_gap_names_what_customers_raise_and_what_the_team_celebrates() -> None:
    comparison = compare(
        ["commitment,fulfilment", "commitment", "responsiveness", "bogus"],
        ["belonging", None, "belonging"],
        ["Slow answer", "Waited for days", "Broken product"],
        ["Fast and easy"],
    )
    assert comparison.wins["commitment"] == 2 and comparison.wins["fulfilment"] == 1
    assert comparison.win_needs == {"autonomy": 0, "competence": 0, "belonging": 2}
    assert comparison.detractors["responsiveness"] == 2 and comparison.detractors["fulfilment"] == 1
    assert comparison.promoters == {**dict.fromkeys(CX_ELEMENTS, 0), "responsiveness": 1, "seamlessness": 1}
    assert comparison.gap == ("responsiveness", "commitment")
    assert comparison_json(comparison)["gap"] == {"customers": "responsiveness", "team": "commitment"}  # type: ignore[index]


@pytest.mark.parametrize(
    ("wins", "detractors", "gap"),
    [
        ([], ["slow"], None),  # nothing celebrated: no gap to name
        (["responsiveness"], [], None),
        (["responsiveness"], ["slow reply"], None),  # the same element
    ],
)
def test_no_gap_sentence_without_two_different_leaders(
    wins: list[str], detractors: list[str], gap: tuple[str, str] | None
) -> None:
    assert compare(wins, [], detractors, []).gap == gap
