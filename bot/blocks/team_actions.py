"""Block Kit for team actions: the commit modal, the list with "Mark done", the digest's section and the
"Since last time" line that opens a pulse DM. Action texts are people's text: always escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks import Block, actions, button, context, escape, mention, mrkdwn, plain
from bot.domain.anonymity import Suppressed
from bot.domain.questions import NEEDS
from bot.domain.team_actions import ACTION_MAX_CHARS, HELP_VALUES, ActionView, HelpResult
from bot.i18n import Translator

ACTION_MODAL = "team_action_modal"
DONE_BUTTON = "team_action_done"
COMMIT_BUTTON = "team_action_commit"
HELP_BUTTON = "action_help_"  # + yes | no | unsure; the value is "round id:action id:answer"


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


def help_text(t: Translator, result: HelpResult | Suppressed | None, k: int) -> str:
    """ "Did this help?" as the team answered, or that too few answered; empty before it was asked."""
    if result is None:
        return ""
    if isinstance(result, Suppressed):
        return t("actions.help.suppressed", k=k)
    return t("actions.help.result", yes=result.yes, no=result.no, unsure=result.unsure, n=result.n)


def action_line(t: Translator, action: ActionView, k: int | None = None) -> str:
    line = t(
        "actions.line",
        need=t(f"pulse.need.{action.need}"),
        text=escape(action.text),
        owner=mention(action.owner_id) if action.owner_id else t("actions.owner.none"),
        due=action.due_on.strftime("%d.%m.%Y"),
        status=_status(t, action),
    )
    helped = help_text(t, action.help, k) if k is not None else ""
    return f"{line} {helped}" if helped else line


def list_blocks(t: Translator, items: Sequence[ActionView], k: int) -> list[Block]:
    if not items:
        return [mrkdwn(t("actions.none"))]
    blocks: list[Block] = [mrkdwn(f"*{t('actions.title')}*")]
    for action in items:
        blocks.append(mrkdwn(action_line(t, action, k)))
        if not action.done:
            blocks.append(
                actions(f"team_action:{action.id}", [button(t("actions.done_button"), DONE_BUTTON, str(action.id))])
            )
    return blocks


def digest_blocks(t: Translator, items: Sequence[ActionView], k: int) -> list[Block]:
    """The team digest's "You said, we did" section: open and done actions, with how the team answered
    "did this help?" (at k), nothing when there are none."""
    if not items:
        return []
    lines = "\n".join(f"• {action_line(t, action, k)}" for action in items)
    return [mrkdwn(f"*{t('actions.title')}*\n{lines}")]


def since_last_time_blocks(t: Translator, items: Sequence[ActionView]) -> list[Block]:
    """What opens a pulse DM when the team has actions to recall."""
    if not items:
        return []
    parts = ", ".join(f"{escape(a.text)} ({_status(t, a)})" for a in items)
    return [context(t("actions.since_last_time", actions=parts))]


def help_question_blocks(t: Translator, round_id: int, items: Sequence[ActionView]) -> list[Block]:
    """ "Did this help?" once per action done since the last round: the same blocks for everyone in the round,
    and they never change when someone answers (the answer is confirmed privately)."""
    blocks: list[Block] = []
    for action in items:
        blocks.append(mrkdwn(t("actions.help.question", text=escape(action.text))))
        blocks.append(
            actions(
                f"pulse:{round_id}:help:{action.id}",
                [
                    button(t(f"actions.help.{value}"), f"{HELP_BUTTON}{value}", f"{round_id}:{action.id}:{value}")
                    for value in HELP_VALUES
                ],
            )
        )
    return blocks
