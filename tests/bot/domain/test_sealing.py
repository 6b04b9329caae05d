"""Sealed records open only with the same key and purpose, and altered ones never open."""

from __future__ import annotations

import pytest

from bot.domain.anonymity import sealing_key
from bot.domain.sealing import seal, unseal

SECRET = "s" * 40
KEY = sealing_key(SECRET, "tough-note-checkin")
FIELDS = {"w": "T1", "u": "U001", "t": 3, "d": "2026-03-02"}


def test_a_sealed_record_opens_with_its_key_and_purpose_and_hides_its_fields() -> None:
    sealed = seal(KEY, "due", FIELDS)
    assert unseal(KEY, "due", sealed) == FIELDS
    assert "U001" not in sealed and "T1" not in sealed
    assert seal(KEY, "due", FIELDS) != sealed  # a fresh nonce each time: equal records don't look equal


@pytest.mark.parametrize(
    ("key", "purpose", "change"),
    [
        (sealing_key("x" * 40, "tough-note-checkin"), "due", None),  # another secret
        (sealing_key(SECRET, "another-purpose"), "due", None),  # another derived key
        (KEY, "answer", None),  # another purpose: a due row can't be replayed as an answer
        (KEY, "due", "flip"),  # altered
        (KEY, "due", "cut"),
        (KEY, "due", "junk"),
    ],
)
def test_anything_else_opens_as_none(key: bytes, purpose: str, change: str | None) -> None:
    sealed = seal(KEY, "due", FIELDS)
    if change == "flip":
        sealed = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    elif change == "cut":
        sealed = sealed[:10]
    elif change == "junk":
        sealed = "not base64 at all!"
    assert unseal(key, purpose, sealed) is None


def test_a_short_secret_derives_no_key() -> None:
    with pytest.raises(ValueError):
        sealing_key("short", "x")
