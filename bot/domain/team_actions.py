"""Team actions ("you said, we did"): what a valid commitment is, and which actions a pulse DM recalls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.questions import NEEDS

ACTION_MAX_CHARS = 300


@dataclass(frozen=True)
class ActionView:
    id: int
    team_id: int
    need: str
    text: str
    owner_id: str
    due_on: date
    done: bool


def action_json(action: ActionView) -> dict[str, Any]:
    """An action in the report JSON (see the README: "Actions")."""
    return {
        "id": action.id,
        "need": action.need,
        "text": action.text,
        "owner": action.owner_id,
        "due_on": action.due_on.isoformat(),
        "status": "done" if action.done else "open",
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
