"""The pulse DM: one statement per need with 1–5 buttons, eNPS every 4th round, a comment button."""

from __future__ import annotations

from bot.blocks import Block, actions, button, context, header, mrkdwn
from bot.blocks.conversations import allow_replies_block
from bot.domain.questions import AGREEMENT_SCALE, ENPS_SCALE, NEEDS
from bot.i18n import Translator


def pulse_message_blocks(
    t: Translator,
    *,
    round_id: int,
    statements: dict[str, str],
    asks_enps: bool,
    is_open: bool = True,
    anonymity_min: int,
) -> list[Block]:
    """The pulse as sent. It takes no answers: the same blocks for whoever answered what, or nothing,
    so no message Pulssi posts or edits (nor the Home tab) can show it."""
    blocks: list[Block] = [header(t("pulsedm.title")), mrkdwn(t("pulsedm.intro"))]
    for need in NEEDS:
        key = statements.get(need)
        if not key:
            continue
        blocks.append(mrkdwn(f"*{t('pulse.need.' + need)}*\n{t(key)}"))
        if is_open:
            blocks.append(
                actions(
                    f"pulse:{round_id}:{need}",
                    [
                        button(
                            f"{value} {t(f'pulse.scale.{value}')}",
                            f"pulse_answer_{value}",
                            f"{round_id}:{need}:{value}",
                        )
                        for value in AGREEMENT_SCALE
                    ],
                )
            )
    if asks_enps:
        blocks.append(mrkdwn(f"*eNPS*\n{t('pulse.enps.question')}"))
        if is_open:
            blocks.append(
                actions(
                    f"pulse:{round_id}:enps",
                    [button(str(v), f"pulse_answer_{v}", f"{round_id}:enps:{v}") for v in ENPS_SCALE],
                )
            )
    if is_open:
        blocks.append(
            actions(f"pulse:{round_id}:comment", [button(t("pulsedm.add_comment"), "pulse_comment", str(round_id))])
        )
    else:
        blocks.append(context(t("pulsedm.closed")))
    blocks.append(context(":lock: " + t("pulsedm.privacy", k=anonymity_min)))
    return blocks


def closed_dm_blocks(t: Translator) -> list[Block]:
    """What every DM of a closed round becomes: the same for everyone, no statements, no answers."""
    return [header(t("pulsedm.title")), context(t("pulsedm.closed"))]


def recorded_modal(t: Translator, text: str) -> dict[str, object]:
    """Confirms a tap on the Home tab, where there is no ephemeral message; a modal isn't kept in history."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": t("pulsedm.recorded_title")},
        "close": {"type": "plain_text", "text": "OK"},
        "blocks": [mrkdwn(text)],
    }


def comment_modal(t: Translator, *, round_id: int, channel_id: str, message_ts: str) -> dict[str, object]:
    return {
        "type": "modal",
        "callback_id": "pulse_comment_modal",
        "private_metadata": f"{round_id}|{channel_id}|{message_ts}",
        "title": {"type": "plain_text", "text": t("pulsedm.comment.title")},
        "submit": {"type": "plain_text", "text": t("pulsedm.comment.submit")},
        "close": {"type": "plain_text", "text": t("pulsedm.comment.cancel")},
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": t("pulsedm.comment.label")},
                "hint": {"type": "plain_text", "text": t("pulsedm.comment.hint")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            {
                "type": "input",
                "block_id": "need",
                "optional": True,
                "label": {"type": "plain_text", "text": t("pulsedm.comment.need_label")},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": t("pulsedm.comment.need_placeholder")},
                    "options": [
                        {"text": {"type": "plain_text", "text": t(f"win.need.{need}")}, "value": need} for need in NEEDS
                    ],
                },
            },
            allow_replies_block(t),
        ],
    }
