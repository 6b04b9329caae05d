"""Block Kit for anonymous conversations: the allow-replies choice, the manager's reply modal, the author's
answer modal and the DMs the delivery sends. People's text is escaped; the author is only ever "the author"."""

from __future__ import annotations

from typing import Any

from bot.blocks import Block, button, clip, context, escape, mention, mrkdwn, plain
from bot.domain.feedback import clip_comment
from bot.i18n import Translator

REPLY_ACTION = "convo_reply"
REPLY_MODAL = "convo_reply_modal"
ANSWER_ACTION = "convo_answer"
ANSWER_MODAL = "convo_answer_modal"
END_ACTION = "convo_end"
NOTICE_MODAL = "convo_notice"
ALLOW_BLOCK = "replies"
ALLOW_VALUE = "allow"
QUOTED_CHARS = 300


def allow_replies_block(t: Translator) -> Block:
    """The comment modal's optional "allow replies" tick (unticked unless the person ticks it)."""
    return {
        "type": "input",
        "block_id": ALLOW_BLOCK,
        "optional": True,
        "label": plain(t("convo.allow.label"), 2000),
        "hint": plain(t("convo.allow.hint"), 2000),
        "element": {
            "type": "checkboxes",
            "action_id": "value",
            "options": [{"text": plain(t("convo.allow.option"), 75), "value": ALLOW_VALUE}],
        },
    }


def allows_replies(values: dict[str, Any]) -> bool:
    """Whether a submitted view's state ticked the allow-replies box."""
    chosen = (values.get(ALLOW_BLOCK) or {}).get("value") or {}
    return any(option.get("value") == ALLOW_VALUE for option in chosen.get("selected_options") or [])


def reply_button(t: Translator, route_id: str) -> dict[str, Any]:
    return button(t("convo.reply_button"), REPLY_ACTION, route_id)


def _quote(comment: str) -> str:
    return escape(clip_comment(comment, QUOTED_CHARS)).replace("\n", " ")


def _text_input(label: str, hint: str) -> Block:
    return {
        "type": "input",
        "block_id": "text",
        "optional": True,
        "label": plain(label, 2000),
        "hint": plain(hint, 2000),
        "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
    }


def _end_choice(t: Translator, option: str) -> Block:
    return {
        "type": "input",
        "block_id": "end",
        "optional": True,
        "label": plain(t("convo.reply.end"), 2000),
        "element": {
            "type": "checkboxes",
            "action_id": "value",
            "options": [{"text": plain(option, 75), "value": "end"}],
        },
    }


def submitted(values: dict[str, Any]) -> tuple[str, bool]:
    """(text, end) from a reply or answer modal's state."""
    text = str(((values.get("text") or {}).get("value") or {}).get("value") or "")
    chosen = ((values.get("end") or {}).get("value") or {}).get("selected_options") or []
    return text, any(option.get("value") == "end" for option in chosen)


def _modal(t: Translator, callback_id: str, title: str, blocks: list[Block], route_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": route_id,
        "title": plain(title, 24),
        "submit": plain(t("convo.reply.submit"), 24),
        "close": plain(t("convo.reply.cancel"), 24),
        "blocks": blocks,
    }


def reply_modal(t: Translator, route_id: str, comment: str, times: str) -> dict[str, Any]:
    """A manager's reply to the author of a comment."""
    blocks = [
        mrkdwn(t("convo.reply.comment", comment=_quote(comment))),
        _text_input(t("convo.reply.label"), t("convo.reply.hint", times=times)),
        _end_choice(t, t("convo.reply.end_option")),
    ]
    return _modal(t, REPLY_MODAL, t("convo.reply.title"), blocks, route_id)


def answer_modal(t: Translator, route_id: str, comment: str, times: str) -> dict[str, Any]:
    """The author's answer back, from the DM."""
    blocks = [
        mrkdwn(t("convo.reply.comment", comment=_quote(comment))),
        _text_input(t("convo.answer.label"), t("convo.answer.hint", times=times)),
        _end_choice(t, t("convo.answer.end_option")),
    ]
    return _modal(t, ANSWER_MODAL, t("convo.answer.title"), blocks, route_id)


def notice_modal(t: Translator, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": NOTICE_MODAL,
        "title": plain(t("convo.done.title"), 24),
        "close": plain(t("convo.done.close"), 24),
        "blocks": [mrkdwn(text)],
    }


def author_dm(
    t: Translator, route_id: str, comment: str, text: str | None, manager_id: str | None, *, can_answer: bool
) -> tuple[str, list[Block]]:
    """What the author receives: a manager's reply (text) or that a manager ended the conversation (None)."""
    if text is None:
        return t("convo.author.text"), [mrkdwn(t("convo.author.ended", comment=_quote(comment)))]
    manager = mention(manager_id) if manager_id else t("convo.somebody")
    blocks: list[Block] = [
        mrkdwn(clip(t("convo.author.reply", manager=manager, comment=_quote(comment), text=escape(text)), 3000))
    ]
    if can_answer:
        end = button(t("convo.author.end"), END_ACTION, route_id, style="danger")
        end["confirm"] = {
            "title": plain(t("convo.author.end"), 100),
            "text": plain(t("convo.author.end_confirm"), 300),
            "confirm": plain(t("convo.author.end_yes"), 30),
            "deny": plain(t("convo.author.end_no"), 30),
        }
        blocks.append(
            {
                "type": "actions",
                "block_id": "convo_author",
                "elements": [button(t("convo.author.answer"), ANSWER_ACTION, route_id, style="primary"), end],
            }
        )
    blocks.append(context(t("convo.author.note")))
    return t("convo.author.text"), blocks


def manager_dm(t: Translator, route_id: str, comment: str, text: str | None) -> tuple[str, list[Block]]:
    """What a team's manager receives: the author's answer (text) or that the author ended it (None)."""
    if text is None:
        return t("convo.manager.text"), [mrkdwn(t("convo.manager.ended", comment=_quote(comment)))]
    blocks: list[Block] = [
        mrkdwn(clip(t("convo.manager.answer", comment=_quote(comment), text=escape(text)), 3000)),
        {"type": "actions", "block_id": "convo_manager", "elements": [reply_button(t, route_id)]},
        context(t("convo.manager.note")),
    ]
    return t("convo.manager.text"), blocks
