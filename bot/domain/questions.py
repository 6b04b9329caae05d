"""The pulse question bank (catalog keys only) and the per-person rotation through it.

Each pulse asks one statement per psychological need (self-determination theory): autonomy,
competence and belonging. Texts live in bot/i18n/parts/questions.py under the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import gcd
from types import MappingProxyType
from typing import Literal

Need = Literal["autonomy", "competence", "belonging"]
NEEDS: tuple[Need, ...] = ("autonomy", "competence", "belonging")

ENPS = "enps"
ENPS_EVERY = 4
AGREEMENT_SCALE: tuple[int, ...] = (1, 2, 3, 4, 5)
ENPS_SCALE = range(0, 11)

_BANK_SIZES: Mapping[Need, int] = {"autonomy": 6, "competence": 6, "belonging": 6}

# Read-only so no caller can reorder the bank at runtime (stored deliveries hold these keys).
BANK: Mapping[Need, tuple[str, ...]] = MappingProxyType(
    {need: tuple(f"pulse.q.{need}.{i}" for i in range(1, size + 1)) for need, size in _BANK_SIZES.items()}
)


def _steps(size: int) -> list[int]:
    """Strides that visit every index of a cycle of `size` before repeating (coprime to size)."""
    return [s for s in range(1, size + 1) if gcd(s, size) == 1] or [1]


def statement_index(sequence_number: int, offset: int, size: int) -> int:
    """Index into a bank of `size` statements for a person's `sequence_number`-th pulse.

    index = (start + sequence_number * step) mod size with step coprime to size, so the index is
    periodic with period `size` and hits every index exactly once per period: ANY `size` consecutive
    sequence numbers cover the bank exactly once. The person's offset picks both the start and the
    stride, so colleagues don't all walk the bank in the same order.
    """
    if size < 1:
        raise ValueError("a need must have at least one statement")
    if sequence_number < 0:
        raise ValueError("sequence_number counts pulses sent and cannot be negative")
    steps = _steps(size)
    step = steps[(offset // size) % len(steps)]
    return (offset + sequence_number * step) % size


def statements_for(sequence_number: int, offset: int, bank: Mapping[Need, Sequence[str]] = BANK) -> dict[str, str]:
    """The statement key per need for a person's `sequence_number`-th pulse (0-based count of invitations).

    Counting invitations, not answers, keeps the guarantee simple and means a skipped pulse doesn't
    show the same statement again next time. Each need uses a shifted offset so the person's
    statements of different needs don't move in lock-step. If a bank's size changes, the guarantee
    holds again from that point on (not across the change).
    """
    # Keyed by plain str (the need names) so callers can look up with a question string; dict is invariant.
    chosen: dict[str, str] = {}
    for position, need in enumerate(NEEDS):
        statements = bank[need]
        index = statement_index(sequence_number, offset + position * 7919, len(statements))
        chosen[need] = statements[index]
    return chosen


def asks_enps(round_number: int) -> bool:
    """Rounds are numbered 1, 2, 3… per team; every 4th round (4, 8, …) also asks eNPS."""
    if round_number < 1:
        raise ValueError("round numbers start at 1")
    return round_number % ENPS_EVERY == 0


def validate_answer(question: str, value: int) -> int:
    """Check an answer: a need ('autonomy'…) takes 1–5 agreement, 'enps' takes 0–10. Returns value."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"answer must be an integer, got {value!r}")
    if question == ENPS:
        scale: Sequence[int] = ENPS_SCALE
    elif question in NEEDS:
        scale = AGREEMENT_SCALE
    else:
        raise ValueError(f"unknown question {question!r}")
    if value not in scale:
        raise ValueError(f"answer {value} out of range {scale[0]}–{scale[-1]} for {question}")
    return value
