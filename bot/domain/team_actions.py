"""Team actions ("you said, we did"): what a valid commitment is, which actions a pulse DM recalls, and
what a report may show of the team's "did this help?" answers (counts only, at k)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.anonymity import Suppressed, gate
from bot.domain.questions import NEEDS

ACTION_MAX_CHARS = 300
# "Did this help?": the answers a person can give, in the order the buttons show them.
HELP_YES, HELP_NO, HELP_UNSURE = "yes", "no", "unsure"
HELP_VALUES = (HELP_YES, HELP_NO, HELP_UNSURE)


@dataclass(frozen=True)
class HelpResult:
    """How the team answered "did this help?" about one action, once its round closed."""

    yes: int
    no: int
    unsure: int

    @property
    def n(self) -> int:
        return self.yes + self.no + self.unsure


def help_result(asked_and_closed: bool, yes: int, no: int, unsure: int, k: int) -> HelpResult | Suppressed | None:
    """None until the round that asked has closed; then the counts, or Suppressed below k answers."""
    if not asked_and_closed:
        return None
    counts = HelpResult(yes, no, unsure)
    return gate(counts, counts.n, k)


def help_json(result: HelpResult | Suppressed | None) -> dict[str, Any] | None:
    if result is None:
        return None
    if isinstance(result, Suppressed):
        return {"suppressed": True}
    return {"yes": result.yes, "no": result.no, "not_sure": result.unsure, "n": result.n}


@dataclass(frozen=True)
class ActionView:
    id: int
    team_id: int
    need: str
    text: str
    owner_id: str
    due_on: date
    done: bool
    created_on: date | None = None  # the commitment's day in the report's zone (the chart's first marker)
    done_on: date | None = None  # the day it was marked done (the chart's second marker)
    help: HelpResult | Suppressed | None = None  # "did this help?" once asked and closed, gated at k


def action_json(action: ActionView) -> dict[str, Any]:
    """An action in the report JSON (see the README: "Actions")."""
    return {
        "id": action.id,
        "need": action.need,
        "text": action.text,
        "owner": action.owner_id or None,  # None: the owner deleted their data
        "due_on": action.due_on.isoformat(),
        "status": "done" if action.done else "open",
        "did_this_help": help_json(action.help),
    }


def validate_action(
    need: str | None, text: str | None, owner: str | None, due_on: date | None, today: date
) -> dict[str, tuple[str, dict[str, object]]]:
    """Errors by modal block id, as message keys with parameters; empty when the action can be saved."""
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if need not in NEEDS:
        errors["need"] = ("actions.error.need", {})
    cleaned = (text or "").strip()
    if not cleaned:
        errors["text"] = ("actions.error.text_empty", {})
    elif len(cleaned) > ACTION_MAX_CHARS:
        errors["text"] = ("actions.error.text_too_long", {"count": len(cleaned), "limit": ACTION_MAX_CHARS})
    if not owner:
        errors["owner"] = ("actions.error.owner", {})
    if due_on is None:
        errors["due"] = ("actions.error.due", {})
    elif due_on < today:
        errors["due"] = ("actions.error.due_past", {})
    return errors
