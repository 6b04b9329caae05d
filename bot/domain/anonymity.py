"""Anonymity rules for pulse answers: per-round keyed respondent tokens, the k-threshold, comment shuffling.

How answers stay anonymous:
- An answer row never holds a Slack user id, only `respondent_token(round_key, round_id, user_id)`.
  While the round is open the app can recompute the token, so a person can change an answer and is
  counted once.
- Each round's key is derived from the server secret (PULSSI_SECRET_KEY) and the round, and is never
  stored: a copy of the database holds hashes that nobody without the secret can tie to a member. When
  the round closes its answers become per-need aggregates and the hashed rows are deleted.
- Why HMAC and not a plain hash: sha256(user_id) is anonymous only in appearance. Slack ids are few
  and listed for every workspace member, so anyone with the database could hash each member's id and
  match. Without the secret key that brute force is impossible.
- Which statements a person is shown starts from an offset derived from the same secret, so nothing
  stored lets anyone recompute who saw which statement.
- Group results are shown only when at least k (ANONYMITY_MIN, default 5, never below 3) people answered,
  and a round feeds a measure (a need, eNPS, the comments) only when that measure's own count reached k.
- Comments are shown in a random order so their order doesn't reveal who answered first.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

# The secret's minimum is defined with the one derivation; re-exported where settings and tests look for it.
from bot.domain.secret_keys import MIN_SECRET_KEY_LENGTH as MIN_SECRET_KEY_LENGTH
from bot.domain.secret_keys import derive_key

T = TypeVar("T")

# Below 3, a person who answered can subtract their own answer and learn the other person's.
MIN_ANONYMITY_MIN = 3
DEFAULT_ANONYMITY_MIN = 5
ROUND_KEY_BYTES = 32
ROTATION_OFFSETS = 1000


def validate_anonymity_min(value: int) -> int:
    """Return `value` if it is an allowed ANONYMITY_MIN (an integer ≥ 3), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"ANONYMITY_MIN must be an integer, got {value!r}")
    if value < MIN_ANONYMITY_MIN:
        raise ValueError(f"ANONYMITY_MIN must be at least {MIN_ANONYMITY_MIN} to protect anonymity, got {value}")
    return value


def derived_key(secret: str, purpose: str, *parts: object) -> bytes:
    """The key for one purpose (and its parts), by the one derivation in bot.domain.secret_keys: the label is
    "pulssi-<purpose>:<parts>", so no two uses ever share a key; none of them is stored."""
    return derive_key(secret, ":".join([f"pulssi-{purpose}", *(str(part) for part in parts)]))


def sealing_key(secret: str, purpose: str) -> bytes:
    """A 256-bit key for sealing short records (e.g. "sealed-checkin"); never stored anywhere."""
    return derived_key(secret, "seal", purpose)


def round_key(secret: str, workspace_id: str, round_id: int) -> bytes:
    """The round's key for respondent tokens, derived from the server secret; never stored anywhere."""
    return derived_key(secret, "round-key", workspace_id, round_id)


def rotation_offset(secret: str, workspace_id: str, user_id: str) -> int:
    """Where a person's walk through the statement bank starts, derived from the server secret.

    Stored, it would let anyone with the database and `pulses_sent` recompute who saw which statement.
    """
    digest = derived_key(secret, "rotation", workspace_id, user_id)
    return int.from_bytes(digest[:8], "big") % ROTATION_OFFSETS


def respondent_token(round_key: bytes, round_id: int, user_id: str) -> str:
    """HMAC-SHA256 (hex) of f"{round_id}:{user_id}" under the round's key.

    The round id is inside the message so even a reused key would not link a person across rounds.
    """
    if not round_key:
        raise ValueError("the round key is missing (deleted when the round closed)")
    message = f"{round_id}:{user_id}".encode()
    return hmac.new(round_key, message, hashlib.sha256).hexdigest()


def is_reportable(n: int, k: int) -> bool:
    """A group result of `n` respondents may be shown only when n ≥ k."""
    return bool(reportable_condition(n, k))


def reportable_condition(n: Any, k: Any) -> Any:
    """The one place the threshold is compared: `n >= k`, for ints a bool, for SQLAlchemy expressions
    (a column and a bind parameter) the SQL condition. Queries that sum rounds call this, so the database
    applies exactly the rule Python does, and the rule is written once."""
    return n >= k


def reportable_count(n: int, k: int) -> int | None:
    """`n` when it may be shown, else None: a count below k is never handed to a renderer."""
    return n if is_reportable(n, k) else None


def round_feeds(measure_n: int, k: int) -> bool:
    """Whether one round's answers to one measure (a need, eNPS, its comments) may count in any result.

    Only when that measure's own count in the round reached k: otherwise two report windows, one with the
    round and one without, would tell the few answers apart. (The report's SQL applies this same rule.)
    """
    return is_reportable(measure_n, k)


@dataclass(frozen=True)
class Suppressed:
    """Stands in for a result that is hidden because only `n` (< k) people answered."""

    n: int
    k: int


def gate(value: T, n: int, k: int) -> T | Suppressed:
    """`value` if n ≥ k, else Suppressed(n, k): callers must handle both, so a hidden result can't leak."""
    return value if is_reportable(n, k) else Suppressed(n=n, k=k)


def shuffled_comments(comments: Sequence[T], rng: random.Random | None = None) -> list[T]:
    """A shuffled copy of `comments`. SystemRandom by default: an unseeded, unpredictable order means
    the order of the list says nothing about who answered first. Pass a seeded Random in tests."""
    shuffled = list(comments)
    (rng or random.SystemRandom()).shuffle(shuffled)
    return shuffled
