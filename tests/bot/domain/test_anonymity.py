from __future__ import annotations

import hashlib
import hmac
import random

import pytest

from bot.domain.anonymity import (
    DEFAULT_ANONYMITY_MIN,
    Suppressed,
    gate,
    is_reportable,
    respondent_token,
    rotation_offset,
    round_feeds,
    round_key,
    shuffled_comments,
    validate_anonymity_min,
)

KEY = b"k" * 32


@pytest.mark.parametrize(("value", "ok"), [(3, True), (5, True), (100, True), (2, False), (0, False), (-5, False)])
def test_validate_anonymity_min(value: int, ok: bool) -> None:
    if ok:
        assert validate_anonymity_min(value) == value
    else:
        with pytest.raises(ValueError):
            validate_anonymity_min(value)


def test_default_anonymity_min() -> None:
    assert validate_anonymity_min(DEFAULT_ANONYMITY_MIN) == 5


SECRET = "s" * 32


def test_round_key_is_derived_from_the_server_secret_and_the_round() -> None:
    key = round_key(SECRET, "T1", 7)
    assert key == hmac.new(SECRET.encode(), b"pulssi-round-key:T1:7", hashlib.sha256).digest()
    assert len(key) == 32
    assert key == round_key(SECRET, "T1", 7)  # the same while the round is open, without storing it
    others = {round_key(SECRET, "T1", 8), round_key(SECRET, "T2", 7), round_key("t" * 32, "T1", 7)}
    assert key not in others and len(others) == 3


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_round_key_refuses_a_missing_or_short_secret(secret: str) -> None:
    with pytest.raises(ValueError):
        round_key(secret, "T1", 7)
    with pytest.raises(ValueError):
        rotation_offset(secret, "T1", "U1")


def test_rotation_offset_is_keyed_and_spread() -> None:
    offsets = [rotation_offset(SECRET, "T1", f"U{i}") for i in range(200)]
    assert all(0 <= o < 1000 for o in offsets) and len(set(offsets)) > 150
    assert offsets[0] == rotation_offset(SECRET, "T1", "U0")
    # Without the secret the offset can't be recomputed: another secret gives other offsets.
    assert offsets != [rotation_offset("t" * 32, "T1", f"U{i}") for i in range(200)]


@pytest.mark.parametrize(
    ("measure_n", "k", "feeds"),
    [(0, 5, False), (2, 5, False), (4, 5, False), (5, 5, True), (9, 5, True), (3, 3, True), (2, 3, False)],
)
def test_a_round_feeds_a_measure_only_from_its_own_k(measure_n: int, k: int, feeds: bool) -> None:
    assert round_feeds(measure_n, k) is feeds


def test_respondent_token_is_hmac_of_round_and_user() -> None:
    expected = hmac.new(KEY, b"7:U123", hashlib.sha256).hexdigest()
    assert respondent_token(KEY, 7, "U123") == expected
    assert respondent_token(KEY, 7, "U123") == respondent_token(KEY, 7, "U123")  # stable while the round is open


@pytest.mark.parametrize(
    ("other_key", "other_round", "other_user"),
    [(KEY, 8, "U123"), (KEY, 7, "U124"), (b"x" * 32, 7, "U123")],
    ids=["other round", "other user", "other key"],
)
def test_respondent_token_differs(other_key: bytes, other_round: int, other_user: str) -> None:
    assert respondent_token(KEY, 7, "U123") != respondent_token(other_key, other_round, other_user)


def test_token_is_not_a_plain_hash_of_the_user() -> None:
    token = respondent_token(KEY, 7, "U123")
    assert token not in {hashlib.sha256(s).hexdigest() for s in (b"U123", b"7:U123")}


def test_respondent_token_needs_the_key() -> None:
    with pytest.raises(ValueError):
        respondent_token(b"", 7, "U123")


@pytest.mark.parametrize(
    ("n", "k", "reportable"), [(0, 5, False), (4, 5, False), (5, 5, True), (6, 5, True), (3, 3, True)]
)
def test_suppression(n: int, k: int, reportable: bool) -> None:
    assert is_reportable(n, k) is reportable
    assert gate(4.2, n, k) == (4.2 if reportable else Suppressed(n=n, k=k))


def test_shuffled_comments_is_a_permuted_copy() -> None:
    comments = [f"c{i}" for i in range(20)]
    result = shuffled_comments(comments, random.Random(1))
    assert sorted(result) == sorted(comments)
    assert result != comments
    assert comments == [f"c{i}" for i in range(20)]  # input untouched
    assert sorted(shuffled_comments(comments)) == sorted(comments)  # SystemRandom default
    assert shuffled_comments([]) == []
