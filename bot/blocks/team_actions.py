"""Block Kit for team actions: the commit modal, the list with "Mark done", the digest's section and the
"Since last time" line that opens a pulse DM. Action texts are people's text: always escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks import Block, actions, button, context, escape, mrkdwn, plain
from bot.domain.questions import NEEDS
from bot.domain.team_actions import ACTION_MAX_CHARS, ActionView
from bot.i18n import Translator

ACTION_MODAL = "team_action_modal"
DONE_BUTTON = "team_action_done"
COMMIT_BUTTON = "team_action_commit"


def commit_buttons(t: Translator, team_id: int) -> Block:
    """Under the report's needs: one "act on <need>" button per need (value "team id:need")."""
    return actions(
        "team_action_commit",
        [
            button(
                t("actions.commit_button", need=t(f"pulse.need.{need}")), f"{COMMIT_BUTTON}_{need}", f"{team_id}:{need}"
            )
            for need in NEEDS
        ],
    )


def action_modal(t: Translator, team_id: int, team_name: str, need: str | None = None) -> dict[str, Any]:
    needs = [{"text": plain(t(f"pulse.need.{need}")), "value": need} for need in NEEDS]
    need_select: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": needs}
    if need in NEEDS:
        need_select["initial_option"] = needs[NEEDS.index(need)]
    return {
        "type": "modal",
        "callback_id": ACTION_MODAL,
        "private_metadata": str(team_id),
        "title": plain(t("actions.modal.title"), 24),
        "submit": plain(t("actions.modal.submit"), 24),
        "close": plain(t("actions.modal.close"), 24),
        "blocks": [
            context(t("actions.modal.team", team=escape(team_name))),
            {
                "type": "input",
                "block_id": "need",
                "label": plain(t("actions.field.need"), 2000),
                "element": need_select,
            },
            {
                "type": "input",
                "block_id": "text",
                "label": plain(t("actions.field.text"), 2000),
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": ACTION_MAX_CHARS},
            },
            {
                "type": "input",
                "block_id": "owner",
                "label": plain(t("actions.field.owner"), 2000),
                "element": {"type": "users_select", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "due",
                "label": plain(t("actions.field.due"), 2000),
                "element": {"type": "datepicker", "action_id": "value"},
            },
        ],
    }


def _status(t: Translator, action: ActionView) -> str:
    return t("actions.status.done") if action.done else t("actions.status.open")


def action_line(t: Translator, action: ActionView) -> str:
    return t(
        "actions.line",
        need=t(f"pulse.need.{action.need}"),
        text=escape(action.text),
        owner=f"<@{action.owner_id}>",
        due=action.due_on.strftime("%d.%m.%Y"),
        status=_status(t, action),
    )


def list_blocks(t: Translator, items: Sequence[ActionView]) -> list[Block]:
    if not items:
        return [mrkdwn(t("actions.none"))]
    blocks: list[Block] = [mrkdwn(f"*{t('actions.title')}*")]
    for action in items:
        blocks.append(mrkdwn(action_line(t, action)))
        if not action.done:
            blocks.append(
                actions(f"team_action:{action.id}", [button(t("actions.done_button"), DONE_BUTTON, str(action.id))])
            )
    return blocks


def digest_blocks(t: Translator, items: Sequence[ActionView]) -> list[Block]:
    """The team digest's "You said, we did" section: open and done actions (nothing when there are none)."""
    if not items:
        return []
    lines = "\n".join(f"• {action_line(t, action)}" for action in items)
    return [mrkdwn(f"*{t('actions.title')}*\n{lines}")]


def since_last_time_blocks(t: Translator, items: Sequence[ActionView]) -> list[Block]:
    """What opens a pulse DM when the team has actions to recall."""
    if not items:
        return []
    parts = ", ".join(f"{escape(a.text)} ({_status(t, a)})" for a in items)
    return [context(t("actions.since_last_time", actions=parts))]
