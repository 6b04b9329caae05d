"""Answer scales of CX surveys: NPS is 0–10; CSAT is read on the scale the file uses.

CSAT scales: 1–5 (the default), 1–7, 1–10 and 0–10, declared in the mapping (`csat=Q3 scale=1-7`) or read
from the column's header ("Satisfaction (1–7)"). CSAT is the share of the top two answers of the scale:
4–5 on 1–5, 6–7 on 1–7, 9–10 on 1–10 and 0–10. Answers written as words count too (English and Finnish
satisfaction words on the 5-point scale, Zendesk's `good`/`bad` as 5 and 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    low: int
    high: int

    @property
    def top_two(self) -> int:
        """The lowest answer that counts as satisfied."""
        return self.high - 1

    def text(self) -> str:
        return f"{self.low}-{self.high}"


NPS_SCALE = Scale(0, 10)
CSAT_DEFAULT = Scale(1, 5)
CSAT_SCALES: tuple[Scale, ...] = (Scale(1, 5), Scale(1, 7), Scale(1, 10), Scale(0, 10))

_SCALE_TEXT = re.compile(r"\s*(\d{1,2})\s*(?:-|–|—|\.\.|to|…)\s*(\d{1,2})\s*")
_HEADER_SCALE = re.compile(
    r"[(\[]\s*(?:score\s*|scale\s*)?(\d{1,2})\s*(?:-|–|—|to|…)\s*(\d{1,2})\s*[)\]]|"
    r"scale\s+of\s+(\d{1,2})\s*(?:-|–|—|to)\s*(\d{1,2})",
    re.IGNORECASE,
)


def parse_scale(text: str) -> Scale | None:
    """ "1-7", "1–7", "0..10" -> a CSAT scale Pulssi knows, else None."""
    match = _SCALE_TEXT.fullmatch(text)
    if not match:
        return None
    scale = Scale(int(match.group(1)), int(match.group(2)))
    return scale if scale in CSAT_SCALES else None


def header_scale(header: str) -> Scale | None:
    """The scale a header states: "Satisfaction (1–7)", "(Score 0-10)", "On a scale of 0-10, …"."""
    match = _HEADER_SCALE.search(header)
    if not match:
        return None
    low, high = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return Scale(int(low), int(high))


# Satisfaction words on the 5-point scale, compared lower-cased with inner whitespace collapsed.
CSAT_WORDS: dict[str, int] = {
    "very satisfied": 5,
    "extremely satisfied": 5,
    "satisfied": 4,
    "neutral": 3,
    "neither satisfied nor dissatisfied": 3,
    "dissatisfied": 2,
    "unsatisfied": 2,
    "very dissatisfied": 1,
    "very unsatisfied": 1,
    "extremely dissatisfied": 1,
    "erittäin tyytyväinen": 5,
    "hyvin tyytyväinen": 5,
    "tyytyväinen": 4,
    "melko tyytyväinen": 4,
    "neutraali": 3,
    "ei tyytyväinen eikä tyytymätön": 3,
    "en tyytyväinen enkä tyytymätön": 3,
    "tyytymätön": 2,
    "melko tyytymätön": 2,
    "erittäin tyytymätön": 1,
    "hyvin tyytymätön": 1,
    # Zendesk's satisfaction rating
    "good": 5,
    "bad": 1,
}
# Zendesk writes "offered" / "unoffered" for tickets nobody rated: no answer, not a bad one.
NO_ANSWER_WORDS = frozenset({"offered", "unoffered", "n/a", "na", "-", "none"})


def csat_word(text: str) -> int | None:
    return CSAT_WORDS.get(" ".join(text.lower().split()))
