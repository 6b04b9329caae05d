from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import questions
from bot.domain.questions import (
    AGREEMENT_SCALE,
    BANK,
    ENPS_SCALE,
    NEEDS,
    asks_enps,
    statement_index,
    statements_for,
    validate_answer,
)
from bot.i18n.parts import questions as texts


def test_bank_has_at_least_five_statements_per_need_and_unique_keys() -> None:
    assert tuple(BANK) == NEEDS
    for need in NEEDS:
        assert len(BANK[need]) >= 5
        assert all(key.startswith(f"pulse.q.{need}.") and "," not in key for key in BANK[need])
    all_keys = [key for need in NEEDS for key in BANK[need]]
    assert len(all_keys) == len(set(all_keys))


@settings(max_examples=300, deadline=None)
@given(offset=st.integers(min_value=-(10**6), max_value=10**6), start=st.integers(min_value=0, max_value=10**6))
def test_any_bank_length_run_covers_each_need_exactly_once(offset: int, start: int) -> None:
    for need in NEEDS:
        size = len(BANK[need])
        seen = Counter(statements_for(seq, offset)[need] for seq in range(start, start + size))
        assert seen == Counter(BANK[need]), need


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.tuples(*(st.integers(min_value=1, max_value=13) for _ in NEEDS)),
    offset=st.integers(min_value=0, max_value=10**6),
    start=st.integers(min_value=0, max_value=10**4),
)
def test_rotation_handles_different_bank_sizes(sizes: tuple[int, ...], offset: int, start: int) -> None:
    bank = {need: tuple(f"{need}.{i}" for i in range(size)) for need, size in zip(NEEDS, sizes, strict=True)}
    for need, size in zip(NEEDS, sizes, strict=True):
        run = [statements_for(seq, offset, bank)[need] for seq in range(start, start + size)]
        assert sorted(run) == sorted(bank[need])


def test_offsets_vary_the_order_between_people() -> None:
    orders = {tuple(statement_index(seq, offset, 6) for seq in range(6)) for offset in range(60)}
    assert len(orders) > 6  # not just rotations of one order


def test_statements_for_rejects_negative_sequence() -> None:
    with pytest.raises(ValueError):
        statements_for(-1, 0)


@pytest.mark.parametrize(
    ("round_number", "expected"),
    [(1, False), (2, False), (3, False), (4, True), (5, False), (7, False), (8, True), (12, True), (13, False)],
)
def test_asks_enps_every_fourth_round(round_number: int, expected: bool) -> None:
    assert asks_enps(round_number) is expected


def test_asks_enps_rejects_round_zero() -> None:
    with pytest.raises(ValueError):
        asks_enps(0)


@pytest.mark.parametrize(
    ("question", "value", "ok"),
    [
        ("autonomy", 1, True),
        ("competence", 5, True),
        ("belonging", 3, True),
        ("autonomy", 0, False),
        ("belonging", 6, False),
        ("enps", 0, True),
        ("enps", 10, True),
        ("enps", 11, False),
        ("enps", -1, False),
        ("happiness", 3, False),
        ("autonomy", True, False),
    ],
)
def test_validate_answer(question: str, value: int, ok: bool) -> None:
    if ok:
        assert validate_answer(question, value) == value
    else:
        with pytest.raises(ValueError):
            validate_answer(question, value)


def test_scales() -> None:
    assert AGREEMENT_SCALE == (1, 2, 3, 4, 5)
    assert list(ENPS_SCALE) == list(range(11))
    assert questions.ENPS == "enps"


def test_catalogs_have_same_keys_and_cover_the_bank() -> None:
    assert texts.EN.keys() == texts.FI.keys()
    assert all(key.startswith("pulse.") for key in texts.EN)
    for need in NEEDS:
        assert f"pulse.need.{need}" in texts.EN
        for key in BANK[need]:
            assert key in texts.EN and key in texts.FI
    for value in AGREEMENT_SCALE:
        assert f"pulse.scale.{value}" in texts.EN
    assert texts.FI["pulse.scale.1"] == "täysin eri mieltä"
    assert texts.FI["pulse.scale.5"] == "täysin samaa mieltä"
    assert "pulse.enps.question" in texts.EN


@pytest.mark.parametrize("catalog", [texts.EN, texts.FI], ids=["en", "fi"])
def test_statements_are_short_sentences(catalog: dict[str, str]) -> None:
    for need in NEEDS:
        for key in BANK[need]:
            text = catalog[key]
            assert len(text) <= 150, key
            assert text.endswith(".") and text[0].isupper(), key
