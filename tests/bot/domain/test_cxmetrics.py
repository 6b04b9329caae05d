"""NPS and CSAT arithmetic: hand-computed cases, weighted combination, and a property test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.cxmetrics import (
    CsatResult,
    NpsResult,
    combine_csat,
    combine_nps,
    csat_from_aggregate,
    csat_from_scores,
    nps_from_aggregate,
    nps_from_scores,
)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([10, 9, 10, 9, 9, 7, 8, 0, 3, 6], NpsResult(10, 5, 2, 3, 20.0)),
        ([10, 9, 8, 3, 6, 10], NpsResult(6, 3, 1, 2, pytest.approx(100 / 6))),
        ([10], NpsResult(1, 1, 0, 0, 100.0)),
        ([0, 6], NpsResult(2, 0, 0, 2, -100.0)),
        ([7, 8], NpsResult(2, 0, 2, 0, 0.0)),
        ([], NpsResult(0, 0, 0, 0, None)),
    ],
)
def test_nps_from_scores(scores: list[int], expected: NpsResult) -> None:
    assert nps_from_scores(scores) == expected


@pytest.mark.parametrize("bad", [[-1], [11], [5, 12]])
def test_nps_rejects_out_of_range(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        nps_from_scores(bad)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([5, 4, 3, 2], CsatResult(4, 2, 50.0)),
        ([5, 5, 5], CsatResult(3, 3, 100.0)),
        ([1], CsatResult(1, 0, 0.0)),
        ([4, 4, 4, 1], CsatResult(4, 3, 75.0)),
        ([], CsatResult(0, 0, None)),
    ],
)
def test_csat_from_scores(scores: list[int], expected: CsatResult) -> None:
    assert csat_from_scores(scores) == expected


@pytest.mark.parametrize("bad", [[0], [6]])
def test_csat_rejects_out_of_range(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        csat_from_scores(bad)


@pytest.mark.parametrize(
    ("aggregates", "n", "score"),
    [
        ([(50.0, 100), (0.0, 300)], 400, 12.5),  # not 25: averages are not averaged
        ([(50.0, 100)], 100, 50.0),
        ([(-20.0, 1), (40.0, 3)], 4, 25.0),
        ([(80.0, None), (20.0, None)], 2, 50.0),  # no count: each weighs as one response
        ([(100.0, None), (0.0, 9)], 10, 10.0),
    ],
)
def test_combine_nps_aggregates_weighted_by_count(
    aggregates: list[tuple[float, int | None]], n: int, score: float
) -> None:
    combined = combine_nps(nps_from_aggregate(value, count) for value, count in aggregates)
    assert combined.n == n
    assert combined.score == pytest.approx(score)
    assert (combined.promoters, combined.passives, combined.detractors) == (None, None, None)


def test_combine_nps_of_answers_keeps_counts() -> None:
    parts = [nps_from_scores([10, 9, 0]), nps_from_scores([7, 8]), nps_from_scores([])]
    assert combine_nps(parts) == nps_from_scores([10, 9, 0, 7, 8])


def test_combine_nps_of_answers_and_aggregates() -> None:
    combined = combine_nps([nps_from_scores([10, 10, 0, 0]), nps_from_aggregate(50.0, 4)])
    assert (combined.n, combined.promoters, combined.score) == (8, None, pytest.approx(25.0))


def test_combine_nothing() -> None:
    assert combine_nps([]).score is None and combine_nps([]).n == 0
    assert combine_csat([]).percent is None and combine_csat([]).n == 0


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([csat_from_scores([5, 4]), csat_from_scores([1, 2])], CsatResult(4, 2, 50.0)),
        ([csat_from_aggregate(90.0, 10), csat_from_aggregate(40.0, 40)], CsatResult(50, None, 50.0)),
        ([csat_from_scores([5]), csat_from_aggregate(0.0, None)], CsatResult(2, None, 50.0)),
    ],
)
def test_combine_csat(parts: list[CsatResult], expected: CsatResult) -> None:
    combined = combine_csat(parts)
    assert (combined.n, combined.satisfied) == (expected.n, expected.satisfied)
    assert combined.percent == pytest.approx(expected.percent)


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (nps_from_aggregate, (101.0, 5)),
        (nps_from_aggregate, (-100.5, 5)),
        (nps_from_aggregate, (10.0, 0)),
        (csat_from_aggregate, (100.1, 5)),
        (csat_from_aggregate, (-1.0, None)),
    ],
)
def test_aggregates_out_of_range(call: object, args: tuple[float, int | None]) -> None:
    assert callable(call)
    with pytest.raises(ValueError):
        call(*args)


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=300))
def test_nps_property(scores: list[int]) -> None:
    result = nps_from_scores(scores)
    assert result.n == len(scores)
    if not scores:
        assert result.score is None
        return
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    assert result.score is not None
    assert -100.0 <= result.score <= 100.0
    assert result.score == pytest.approx(100.0 * (promoters - detractors) / len(scores))
    assert result.promoters == promoters and result.detractors == detractors
    assert result.passives == len(scores) - promoters - detractors


@given(st.lists(st.lists(st.integers(min_value=0, max_value=10), max_size=30), max_size=10))
def test_combining_parts_equals_scoring_the_whole(parts: list[list[int]]) -> None:
    whole = [score for part in parts for score in part]
    assert combine_nps(nps_from_scores(part) for part in parts) == nps_from_scores(whole)
