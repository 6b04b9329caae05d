"""Open feedback next to the numbers: which pulse comments a report may show.

A round's comments count only when the round's respondents reached k and its own comment count reached k
(`anonymity.round_feeds`, the per-measure rule), and the comments are shown only when at least k of them are
shown together. They come shuffled, without dates, rounds or statements, so neither their order nor their
company tells who wrote one.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.domain import anonymity

# How many comments one view shows at most (a random selection when there are more); never fewer than k.
MAX_SHOWN = 20
COMMENT_CHARS = 300


class Comment(NamedTuple):
    text: str
    need: str | None = None  # autonomy | competence | belonging, when the writer chose one
    route: str | None = None  # its reply route (bot.domain.conversations), when the writer allowed replies


@dataclass(frozen=True)
class RoundComments:
    """One closed round: how many answered, its stored comment count and its comments' texts."""

    answered: int
    comments_n: int
    texts: tuple[Comment, ...]


@dataclass(frozen=True)
class PulseComments:
    """The comments a view may show, shuffled; `total` is how many may be shown (0 when suppressed)."""

    shown: tuple[Comment, ...]
    total: int
    suppressed: bool


def round_feeds_comments(round_comments: RoundComments, k: int) -> bool:
    """Respondents and the round's own comments both reached k (the smaller of the stored count and the rows)."""
    written = min(round_comments.comments_n, len(round_comments.texts))
    return anonymity.round_feeds(round_comments.answered, k) and anonymity.round_feeds(written, k)


def select_comments(
    rounds: Iterable[RoundComments], k: int, *, limit: int = MAX_SHOWN, rng: random.Random | None = None
) -> PulseComments:
    """The comments of the rounds that feed comments, shuffled together, at most max(limit, k) of them;
    nothing at all unless at least k are shown together."""
    pool = [text for r in rounds if round_feeds_comments(r, k) for text in r.texts]
    shown = anonymity.shuffled_comments(pool, rng)[: max(limit, k)]
    if not anonymity.is_reportable(len(shown), k):
        return PulseComments(shown=(), total=0, suppressed=True)
    return PulseComments(shown=tuple(shown), total=len(pool), suppressed=False)


def clip_comment(text: str, limit: int = COMMENT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def comments_json(comments: PulseComments | None) -> dict[str, Any]:
    """The report JSON's `pulse_comments`: no count and no text below k."""
    if comments is None or comments.suppressed:
        return {"suppressed": True, "count": None, "comments": []}
    return {
        "suppressed": False,
        "count": comments.total,
        "comments": [{"text": c.text, "need": c.need} for c in comments.shown],
    }
