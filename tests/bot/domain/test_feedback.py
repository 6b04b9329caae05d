"""Which pulse comments a view may show (bot.domain.feedback): table-driven over the per-measure k rule."""

from __future__ import annotations

import random

import pytest

from bot.domain.feedback import (
    Comment,
    PulseComments,
    RoundComments,
    clip_comment,
    comments_json,
    round_feeds_comments,
    select_comments,
)


def round_of(answered: int, comments: int) -> RoundComments:
    return RoundComments(answered, comments, tuple(Comment(f"r{answered}-{comments}-{i}") for i in range(comments)))


@pytest.mark.parametrize(
    ("answered", "comments_n", "written", "k", "feeds"),
    [
        (5, 5, 5, 5, True),
        (4, 4, 4, 3, True),
        (4, 5, 5, 5, False),  # respondents below k
        (9, 4, 4, 5, False),  # the round's own comments below k
        (9, 5, 4, 5, False),  # fewer rows than counted: the smaller decides
        (9, 4, 6, 5, False),
        (3, 3, 3, 3, True),
    ],
)
def test_a_round_feeds_comments_only_when_respondents_and_comments_reached_k(
    answered: int, comments_n: int, written: int, k: int, feeds: bool
) -> None:
    rc = RoundComments(answered, comments_n, tuple(Comment(str(i)) for i in range(written)))
    assert round_feeds_comments(rc, k) is feeds


@pytest.mark.parametrize(
    ("rounds", "k", "limit", "shown", "total"),
    [
        ([], 5, 20, 0, 0),
        ([(5, 5)], 5, 20, 5, 5),
        ([(5, 4), (6, 4)], 5, 20, 0, 0),  # 8 comments, but no round reached k comments
        ([(5, 5), (4, 4)], 5, 20, 5, 5),  # the small round is left out entirely
        ([(6, 6), (7, 7), (8, 8)], 5, 10, 10, 21),  # a random 10 of 21
        ([(8, 8)], 5, 3, 5, 8),  # never fewer than k shown together
        ([(3, 3)], 3, 20, 3, 3),
    ],
)
def test_select_comments(rounds: list[tuple[int, int]], k: int, limit: int, shown: int, total: int) -> None:
    result = select_comments([round_of(a, c) for a, c in rounds], k, limit=limit, rng=random.Random(1))
    assert len(result.shown) == shown and result.total == total
    assert result.suppressed is (shown == 0)
    allowed = {t for a, c in rounds for t in round_of(a, c).texts}
    assert set(result.shown) <= allowed


def test_comments_are_shuffled_across_rounds() -> None:
    rounds = [round_of(5, 5), round_of(6, 6)]
    in_order = [t for r in rounds for t in r.texts]
    orders = {select_comments(rounds, 5, rng=random.Random(seed)).shown for seed in range(5)}
    assert len(orders) > 1 and tuple(in_order) not in orders


@pytest.mark.parametrize(
    ("text", "clipped"),
    [
        ("short", "short"),
        ("a\n\n b", "a b"),
        ("x" * 300, "x" * 300),
        ("x" * 301, "x" * 299 + "…"),
    ],
)
def test_clip_comment(text: str, clipped: str) -> None:
    assert clip_comment(text) == clipped


def test_json_has_no_count_and_no_text_below_k() -> None:
    assert comments_json(None) == {"suppressed": True, "count": None, "comments": []}
    assert comments_json(PulseComments((), 0, True))["count"] is None
    assert comments_json(PulseComments((Comment("a", "autonomy"), Comment("b")), 7, False)) == {
        "suppressed": False,
        "count": 7,
        "comments": [{"text": "a", "need": "autonomy"}, {"text": "b", "need": None}],
    }
