"""Block Kit builders: pure functions from plain values (and a translator) to Slack dicts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

Block = dict[str, Any]

SECTION_TEXT_LIMIT = 3000

_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
_USER_ID = re.compile(r"[A-Z0-9]+")  # U…, W… (Grid); no fixed length (Slack says not to rely on one)


def escape(text: str) -> str:
    """People's text made safe for Slack's mrkdwn (and a message's `text`): `&`, `<` and `>` become entities,
    so a `<!channel>`, `<!here>`, `<@U…>` or `<http://evil|a harmless label>` in it is shown, never parsed.

    Idempotent: the three entities Slack itself writes for escaped input are kept as they are, so text that
    is escaped twice (or arrives escaped from Slack) still reads as typed."""
    return _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """`<@U…>` for a Slack user id; anything else is shown as escaped text. The ids come from modal state
    (a colleague thanked, an action's owner, a team's managers), which a crafted submission could fill with
    `U1> <!channel` to broadcast from the celebration it is posted in."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)


def mentions(user_ids: Iterable[str]) -> str:
    """Several people, comma-separated, each through `mention`."""
    return ", ".join(mention(user_id) for user_id in user_ids)


def mrkdwn(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_TEXT_LIMIT)}}


def header(text: str) -> Block:
    """A header: plain_text, shown as it is (never parsed as mrkdwn), so people's text goes in unescaped."""
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150), "emoji": True}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, 3000)}]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str | None = None, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(text, 75), "emoji": True},
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    return element


def actions(block_id: str, elements: list[dict[str, Any]]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": elements[:25]}


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    """A plain_text object (modal titles, labels, options, buttons): shown as it is, so unescaped."""
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int) -> str:
    return _clip(text, limit)
