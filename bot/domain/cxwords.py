"""Customers' own words beside NPS: contact and payment details masked, clipped, promoters and detractors apart.

Masking runs before anything is shown or clipped (a clip could otherwise cut a masked pattern in half and
leave its start readable). It errs on the private side: a long order number that looks like a card or a
phone number is masked too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

VOICE_CHARS = 300
VOICES_PER_SIDE = 3

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An IBAN: country code, check digits, then groups of four letters or digits (spaced or not) and a shorter tail.
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# 13–19 digits with single spaces or dashes between them: card-like.
CARD = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
# A number written as a phone number: +358…, 00…, 0…, (555)… or 555-123-4567, with 7–15 digits.
PHONE = re.compile(r"(?<![\w+])(?:\+|00|0|\(\d)[\d\s().\-/]{5,}\d|(?<![\w])\d{3}[-.\s]\d{3}[-.\s]\d{4}(?![\w])")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _masked_when(mask: str, keep: Callable[[str], bool]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return mask if keep(match.group(0)) else match.group(0)

    return replace


def mask_personal(text: str) -> str:
    """`text` with e-mail addresses, IBANs, card-like numbers and phone numbers replaced by a marker."""
    text = EMAIL.sub("[email]", text)
    text = IBAN.sub(_masked_when("[IBAN]", lambda s: _digits(s) >= 6), text)
    text = CARD.sub("[card]", text)
    return PHONE.sub(_masked_when("[phone]", lambda s: 7 <= _digits(s) <= 15), text)


def customer_voice(text: str, limit: int = VOICE_CHARS) -> str:
    """Masked, whitespace folded, clipped to `limit` characters."""
    folded = " ".join(mask_personal(text).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Voice:
    text: str  # masked and clipped
    score: int
    day: date


@dataclass(frozen=True)
class CustomerWords:
    """The period's newest promoter and detractor comments (NPS), side by side."""

    promoters: tuple[Voice, ...]
    detractors: tuple[Voice, ...]


PROMOTER_MIN = 9  # NPS: 9–10 promoters, 0–6 detractors
DETRACTOR_MAX = 6


def voices(rows: list[tuple[str, int, date]]) -> tuple[Voice, ...]:
    """Rows (comment, score, day), newest first already, as masked voices; empty comments dropped."""
    return tuple(Voice(customer_voice(text), score, day) for text, score, day in rows if text and text.strip())


def words_json(words: CustomerWords | None) -> dict[str, Any]:
    def side(found: tuple[Voice, ...]) -> list[dict[str, Any]]:
        return [{"text": v.text, "score": v.score, "day": v.day.isoformat()} for v in found]

    if words is None:
        return {"promoters": [], "detractors": []}
    return {"promoters": side(words.promoters), "detractors": side(words.detractors)}
