"""Wins: the draft a person submits with /win, its validation, tag vocabularies and ranking.

Pure domain code: no Slack and no database. Validation returns catalog keys (see bot/i18n/parts/win.py)
with their format parameters, so handlers can show them as inline modal errors in the person's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from bot.domain.questions import NEEDS as NEEDS

# The six customer-experience elements and the three needs of self-determination theory. Their display
# names are the catalog keys "win.element.<name>" and "win.need.<name>".
CX_ELEMENTS: tuple[str, ...] = (
    "commitment",
    "fulfilment",
    "seamlessness",
    "responsiveness",
    "proactivity",
    "evolution",
)

STORY_MAX_CHARS = 3000
CUSTOMER_MAX_CHARS = 200
COLLEAGUES_MAX = 20

# field name -> (catalog key, format parameters)
FieldErrors = dict[str, tuple[str, dict[str, object]]]


@dataclass(frozen=True)
class WinDraft:
    """What the /win modal holds; colleagues are Slack user ids, team_id is the Pulssi team."""

    story: str
    customer: str | None
    colleagues: tuple[str, ...]
    elements: tuple[str, ...]
    need: str | None
    team_id: int | None
    source_permalink: str | None


def clean_story(text: str) -> str:
    """The story as it is stored and measured: NFC-normalised, without surrounding whitespace."""
    return unicodedata.normalize("NFC", text).strip()


def normalise_colleagues(author: str, colleagues: Iterable[str]) -> tuple[str, ...]:
    """Colleague ids without blanks and duplicates, in the order given, and without the author.

    Thanking only yourself is allowed: the story is still shared, just with nobody to thank.
    """
    seen: set[str] = {author}
    result: list[str] = []
    for colleague in colleagues:
        colleague = colleague.strip()
        if colleague and colleague not in seen:
            seen.add(colleague)
            result.append(colleague)
    return tuple(result)


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def clean_draft(draft: WinDraft, author: str) -> WinDraft:
    """The draft as it should be stored: trimmed story and customer, unique tags, colleagues without the author."""
    customer = (draft.customer or "").strip() or None
    return replace(
        draft,
        story=clean_story(draft.story),
        customer=customer,
        colleagues=normalise_colleagues(author, draft.colleagues),
        elements=_dedupe(draft.elements),
        need=draft.need or None,
        source_permalink=draft.source_permalink or None,
    )


def validate_win(draft: WinDraft, *, author: str | None = None, team_ids: Collection[int] | None = None) -> FieldErrors:
    """Inline errors by modal field ("story", "customer", "colleagues", "elements", "need", "team").

    An empty result means the draft is valid. With `author`, the author is dropped from the colleagues
    before they are counted. With `team_ids` (the teams offered in the team picker), the draft must name
    one of them; without it the team is not checked.
    """
    errors: FieldErrors = {}
    story = clean_story(draft.story)
    if not story:
        errors["story"] = ("win.error.empty", {})
    elif len(story) > STORY_MAX_CHARS:
        errors["story"] = ("win.error.too_long", {"count": len(story), "limit": STORY_MAX_CHARS})

    customer = (draft.customer or "").strip()
    if len(customer) > CUSTOMER_MAX_CHARS:
        errors["customer"] = ("win.error.customer_too_long", {"count": len(customer), "limit": CUSTOMER_MAX_CHARS})

    colleagues = normalise_colleagues(author, draft.colleagues) if author is not None else _dedupe(draft.colleagues)
    if len(colleagues) > COLLEAGUES_MAX:
        errors["colleagues"] = ("win.error.too_many_colleagues", {"count": len(colleagues), "limit": COLLEAGUES_MAX})

    unknown_elements = [element for element in _dedupe(draft.elements) if element not in CX_ELEMENTS]
    if unknown_elements:
        errors["elements"] = ("win.error.unknown_element", {"element": ", ".join(unknown_elements)})

    if draft.need and draft.need not in NEEDS:
        errors["need"] = ("win.error.unknown_need", {"need": draft.need})

    if team_ids is not None:
        if draft.team_id is None:
            errors["team"] = ("win.error.team_required", {})
        elif draft.team_id not in team_ids:
            errors["team"] = ("win.error.team_unknown", {})
    return errors


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters; a clipped text ends in "…" at a word break, never inside <…> markup."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    opening = cut.rfind("<")
    if opening > cut.rfind(">"):
        cut = cut[:opening]  # don't leave half a <@U123> or <https://…|label>
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= len(cut) - 80 and space > 0:
        cut = cut[:space]
    return cut.rstrip() + "…"


def prefill_from_message(text: str, permalink: str | None, prefix: str) -> str:
    """The story a message shortcut starts from: a link line, a blank line and the message, clipped.

    `prefix` is the catalog text "win.prefill.source" with a `{link}` placeholder (without one, the link is
    appended after it). The result, measured as `clean_story` measures it, fits in STORY_MAX_CHARS: the
    message is clipped, the link line is kept (unless it alone would not fit).
    """
    body = clean_story(text)
    if not permalink:
        return _clip(body, STORY_MAX_CHARS)
    link_line = prefix.replace("{link}", permalink) if "{link}" in prefix else f"{prefix} {permalink}"
    link_line = clean_story(link_line)
    if len(link_line) > STORY_MAX_CHARS - 3:  # no room for a blank line and a word of the message
        return _clip(body, STORY_MAX_CHARS)
    if not body:
        return link_line
    budget = STORY_MAX_CHARS - len(link_line) - 2
    return f"{link_line}\n\n{_clip(body, budget)}"


class RankedWin(Protocol):
    """Anything with a reaction count and a posting time (a stored Win, a WinLine, a test double)."""

    @property
    def reactions(self) -> int: ...

    @property
    def posted_at(self) -> datetime: ...


W = TypeVar("W", bound=RankedWin)


def top_win(wins: Iterable[W]) -> W | None:
    """The most celebrated win: most reactions, then the newest; on a full tie the first given. None if empty."""
    best: W | None = None
    for win in wins:
        if best is None or (win.reactions, win.posted_at) > (best.reactions, best.posted_at):
            best = win
    return best
