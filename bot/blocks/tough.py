"""Block Kit for tough customer moments: the modal and its lesson steps, the manager DM and reminder, the
shared lesson, the check-in DM, the Home button and the report lines. People's text is always escaped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import Block, actions, button, clip, context, escape, header, mention, mentions, mrkdwn, plain
from bot.domain.anonymity import Suppressed
from bot.domain.tough import LESSON, LESSON_MAX_CHARS, NOTE, TALK, WHAT_MAX_CHARS, ToughSummary
from bot.i18n import Translator

TOUGH_MODAL = "tough_modal"
TOUGH_LESSON_MODAL = "tough_lesson_modal"
TOUGH_PREVIEW_MODAL = "tough_preview_modal"
TOUGH_NOTICE = "tough_notice"
HOME_BUTTON = "home_tough"
ACK_ACTION = "tough_ack"
DONE_ACTION = "tough_done"
CHECKIN_YES = "tough_checkin_yes"
CHECKIN_NO = "tough_checkin_no"
SEALED_PREFIX = "s:"  # a check-in button's value after "just note it": a sealed token, not a request number
NAMED = "named"
ANONYMOUS = "anonymous"


def _modal(
    t: Translator, callback_id: str, title: str, blocks: list[Block], *, submit: str | None, metadata: str = ""
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain(t("tough.modal.close"), 24),
        "blocks": blocks,
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def notice_modal(t: Translator, text: str) -> dict[str, Any]:
    return _modal(t, TOUGH_NOTICE, t("tough.modal.title"), [mrkdwn(text)], submit=None)


def tough_modal(t: Translator, *, what: str = "", managers: Sequence[str] = ()) -> dict[str, Any]:
    """Step one: what happened (optional), what would help, and for a talk which of the team's managers."""
    what_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": WHAT_MAX_CHARS,
        "placeholder": plain(t("tough.field.what.placeholder"), 150),
    }
    if what:
        what_element["initial_value"] = clip(what, WHAT_MAX_CHARS)
    options = [
        {
            "text": plain(t(f"tough.option.{name}")),
            "description": plain(t(f"tough.option.{name}.description")),
            "value": name,
        }
        for name in ((TALK, NOTE, LESSON) if managers else (NOTE, LESSON))
    ]
    blocks: list[Block] = [
        context(t("tough.modal.intro")),
        {
            "type": "input",
            "block_id": "what",
            "optional": True,
            "label": plain(t("tough.field.what.label"), 2000),
            "hint": plain(t("tough.field.what.hint"), 2000),
            "element": what_element,
        },
        {
            "type": "input",
            "block_id": "help",
            "label": plain(t("tough.field.help.label"), 2000),
            "element": {"type": "radio_buttons", "action_id": "value", "options": options},
        },
    ]
    if managers:
        manager_options = [{"text": {"type": "mrkdwn", "text": mention(m)}, "value": m} for m in managers[:10]]
        blocks.append(
            {
                "type": "input",
                "block_id": "managers",
                "optional": True,
                "label": plain(t("tough.field.managers.label"), 2000),
                "hint": plain(t("tough.field.managers.hint"), 2000),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": manager_options,
                    "initial_options": manager_options,
                },
            }
        )
    else:
        blocks.append(context(t("tough.no_managers")))
    return _modal(t, TOUGH_MODAL, t("tough.modal.title"), blocks, submit=t("tough.modal.continue"))


def lesson_modal(t: Translator, *, lesson: str = "", named: bool = True) -> dict[str, Any]:
    """Step two for "share the lesson": write it and choose whether the name shows."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": LESSON_MAX_CHARS,
        "placeholder": plain(t("tough.lesson.placeholder"), 150),
    }
    if lesson:
        element["initial_value"] = lesson
    credit = [
        {"text": plain(t("tough.credit.named")), "value": NAMED},
        {"text": plain(t("tough.credit.anonymous")), "value": ANONYMOUS},
    ]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "lesson",
            "label": plain(t("tough.lesson.label"), 2000),
            "hint": plain(t("tough.lesson.hint", limit=LESSON_MAX_CHARS), 2000),
            "element": element,
        },
        {
            "type": "input",
            "block_id": "credit",
            "label": plain(t("tough.credit.label"), 2000),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": credit,
                "initial_option": credit[0] if named else credit[1],
            },
        },
    ]
    return _modal(t, TOUGH_LESSON_MODAL, t("tough.lesson.title"), blocks, submit=t("tough.lesson.preview_button"))


def lesson_post_blocks(t: Translator, lesson: str, author_id: str | None) -> list[Block]:
    """The lesson as the team sees it; `author_id` None when posted without the name."""
    byline = t("tough.post.by", author=mention(author_id)) if author_id else t("tough.post.anonymous")
    quoted = "\n".join(f">{line}" for line in escape(lesson).splitlines() or [""])
    return [header(t("tough.post.header")), mrkdwn(clip(f"{byline}\n{quoted}", 3000))]


def preview_modal(
    t: Translator, team_t: Translator, lesson: str, author_id: str | None, channel_id: str
) -> dict[str, Any]:
    """Step three: the lesson exactly as it will be posted (in the team's language, `team_t`); Post shares it,
    Cancel shares nothing."""
    blocks = [
        context(t("tough.preview.intro", channel=f"<#{channel_id}>")),
        *lesson_post_blocks(team_t, lesson, author_id),
    ]
    metadata = json.dumps({"lesson": lesson, "named": author_id is not None})
    return _modal(
        t, TOUGH_PREVIEW_MODAL, t("tough.preview.title"), blocks, submit=t("tough.preview.post"), metadata=metadata
    )


def manager_dm(
    t: Translator,
    *,
    request_id: int,
    person: str,
    what: str | None,
    managers: Sequence[str],
    acknowledged_by: str | None = None,
    done_by: str | None = None,
    reminder: bool = False,
) -> tuple[str, list[Block]]:
    """The private request to a chosen manager; its buttons go once someone has acknowledged (or it is done)."""
    intro = t("tough.manager.reminder" if reminder else "tough.manager.text", person=mention(person))
    blocks: list[Block] = [mrkdwn(intro)]
    if what:
        quoted = "\n".join(f">{line}" for line in escape(what).splitlines())
        blocks.append(mrkdwn(clip(f"{t('tough.manager.what')}\n{quoted}", 3000)))
    else:
        blocks.append(context(t("tough.manager.no_what")))
    blocks.append(context(t("tough.manager.private", person=mention(person), managers=mentions(managers))))
    value = str(request_id)
    if done_by:
        blocks.append(mrkdwn(t("tough.manager.marked_done", manager=mention(done_by))))
    elif acknowledged_by:
        blocks.append(mrkdwn(t("tough.manager.acked", manager=mention(acknowledged_by))))
        blocks.append(actions(f"tough:{request_id}", [button(t("tough.manager.done"), DONE_ACTION, value)]))
    else:
        blocks.append(
            actions(
                f"tough:{request_id}",
                [
                    button(t("tough.manager.ack"), ACK_ACTION, value, style="primary"),
                    button(t("tough.manager.done"), DONE_ACTION, value),
                ],
            )
        )
    return intro, blocks


def checkin_dm(t: Translator, request_id: int, sealed: str | None = None) -> tuple[str, list[Block]]:
    """The one check-in, the same words for a named request and a note; a note's buttons carry a sealed
    token instead of a request number (request 0), since nothing stored ties the note to the person."""
    text = t("tough.checkin.text")
    value = f"{SEALED_PREFIX}{sealed}" if sealed else str(request_id)
    return text, [
        mrkdwn(text),
        actions(
            f"tough_checkin:{request_id}",
            [button(t("tough.checkin.yes"), CHECKIN_YES, value), button(t("tough.checkin.no"), CHECKIN_NO, value)],
        ),
    ]


def home_button(t: Translator) -> Block:
    return actions("home_tough", [button(t("tough.home.button"), HOME_BUTTON)])


def _share(t: Translator, value: float | Suppressed | None, k: int) -> str:
    if isinstance(value, Suppressed):
        return t("tough.report.hidden", k=k)
    if value is None:
        return t("tough.report.none")
    return f"{value:.0f} %"


def report_lines(t: Translator, summary: ToughSummary | None, k: int) -> list[str]:
    """The quality side's lines: counts and shares only, each shown only when the k rule allowed it."""
    if summary is None:
        return []
    if isinstance(summary.moments, Suppressed):
        return [t("tough.report.suppressed", k=k)]
    lines = [t("tough.report.line", count=summary.moments, supported=_share(t, summary.supported_share, k))]
    if summary.checkin_yes_share is not None:
        lines.append(t("tough.report.checkin", share=_share(t, summary.checkin_yes_share, k)))
    return lines
