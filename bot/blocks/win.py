"""Block Kit for /win: the share/edit modal, the celebration message, the thank-you DM, small notices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import Block, clip, context, escape, header, mention, mentions, mrkdwn, plain
from bot.domain.wins import COLLEAGUES_MAX, CX_ELEMENTS, NEEDS, STORY_MAX_CHARS
from bot.i18n import Translator

WIN_MODAL = "win_modal"
WIN_EDIT_MODAL = "win_edit_modal"
WIN_DELETE_MODAL = "win_delete_modal"
WIN_OVERFLOW = "win_overflow"


def _option(t: Translator, kind: str, name: str, with_description: bool) -> dict[str, Any]:
    option: dict[str, Any] = {"text": plain(t(f"win.{kind}.{name}")), "value": name}
    if with_description:
        option["description"] = plain(t(f"win.{kind}.{name}.description"))
    return option


TOUGH_BLOCK = "tough"  # the optional "this win recovers my tough moment" select


def win_modal(
    t: Translator,
    *,
    story: str = "",
    customer: str | None = None,
    colleagues: Sequence[str] = (),
    elements: Sequence[str] = (),
    need: str | None = None,
    teams: Sequence[tuple[int, str]] = (),
    metadata: dict[str, Any] | None = None,
    editing: bool = False,
    tough_moments: Sequence[tuple[int, str]] = (),
) -> dict[str, Any]:
    """The share modal; `teams` non-empty adds the team picker (for a person in no team); `tough_moments`
    (the person's own open named requests, id and label) adds the optional "recovers a tough moment" select."""
    blocks: list[Block] = []
    if teams:
        blocks.append(
            {
                "type": "input",
                "block_id": "team",
                "label": plain(t("win.field.team.label"), 2000),
                "hint": plain(t("win.field.team.hint"), 2000),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": plain(t("win.field.team.placeholder"), 150),
                    "options": [{"text": plain(name), "value": str(team_id)} for team_id, name in teams[:100]],
                },
            }
        )
    story_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "placeholder": plain(t("win.field.story.placeholder"), 150),
    }
    if story:
        story_element["initial_value"] = story
    blocks.append(
        {
            "type": "input",
            "block_id": "story",
            "label": plain(t("win.field.story.label"), 2000),
            "hint": plain(t("win.field.story.hint", limit=STORY_MAX_CHARS), 2000),
            "element": story_element,
        }
    )
    customer_element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value"}
    if customer:
        customer_element["initial_value"] = customer
    blocks.append(
        {
            "type": "input",
            "block_id": "customer",
            "optional": True,
            "label": plain(t("win.field.customer.label"), 2000),
            "hint": plain(t("win.field.customer.hint"), 2000),
            "element": customer_element,
        }
    )
    colleagues_element: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": "value",
        "placeholder": plain(t("win.field.colleagues.placeholder"), 150),
        "max_selected_items": COLLEAGUES_MAX,
    }
    if colleagues:
        colleagues_element["initial_users"] = list(colleagues)
    blocks.append(
        {
            "type": "input",
            "block_id": "colleagues",
            "optional": True,
            "label": plain(t("win.field.colleagues.label"), 2000),
            "hint": plain(t("win.field.colleagues.hint", limit=COLLEAGUES_MAX), 2000),
            "element": colleagues_element,
        }
    )
    element_options = [_option(t, "element", name, True) for name in CX_ELEMENTS]
    elements_element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": element_options}
    chosen = [o for o in element_options if o["value"] in elements]
    if chosen:
        elements_element["initial_options"] = chosen
    blocks.append(
        {
            "type": "input",
            "block_id": "elements",
            "optional": True,
            "label": plain(t("win.field.elements.label"), 2000),
            "hint": plain(t("win.field.elements.hint"), 2000),
            "element": elements_element,
        }
    )
    need_options = [_option(t, "need", name, True) for name in NEEDS]
    need_element: dict[str, Any] = {"type": "radio_buttons", "action_id": "value", "options": need_options}
    initial_need = [o for o in need_options if o["value"] == need]
    if initial_need:
        need_element["initial_option"] = initial_need[0]
    blocks.append(
        {
            "type": "input",
            "block_id": "need",
            "optional": True,
            "label": plain(t("win.field.need.label"), 2000),
            "hint": plain(t("win.field.need.hint"), 2000),
            "element": need_element,
        }
    )
    if tough_moments:
        blocks.append(
            {
                "type": "input",
                "block_id": TOUGH_BLOCK,
                "optional": True,
                "label": plain(t("win.field.tough.label"), 2000),
                "hint": plain(t("win.field.tough.hint"), 2000),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": plain(t("win.field.tough.placeholder"), 150),
                    "options": [{"text": plain(label, 75), "value": str(i)} for i, label in tough_moments[:100]],
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": WIN_EDIT_MODAL if editing else WIN_MODAL,
        "private_metadata": json.dumps(metadata or {}),
        "title": plain(t("win.modal.edit_title" if editing else "win.modal.title"), 24),
        "submit": plain(t("win.modal.save" if editing else "win.modal.submit"), 24),
        "close": plain(t("win.modal.close"), 24),
        "blocks": blocks,
    }


def notice_modal(t: Translator, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain(t("win.notice.title"), 24),
        "close": plain(t("win.notice.close"), 24),
        "blocks": [mrkdwn(text)],
    }


def delete_modal(t: Translator, win_id: int, story: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": WIN_DELETE_MODAL,
        "private_metadata": json.dumps({"win_id": win_id}),
        "title": plain(t("win.delete"), 24),
        "submit": plain(t("win.delete.confirm"), 24),
        "close": plain(t("win.delete.deny"), 24),
        "blocks": [mrkdwn(t("win.delete.question")), context(escape(clip(story, 500)))],
    }


def celebration_blocks(
    t: Translator,
    *,
    win_id: int,
    author_id: str,
    story: str,
    customer: str | None,
    colleagues: Sequence[str],
    elements: Sequence[str],
    need: str | None,
    source_permalink: str | None,
    edited: bool,
) -> list[Block]:
    """The team-channel celebration: who, the story, who is thanked, the tags; edit/delete in the overflow."""
    author = mention(author_id)
    who = (
        t("win.celebrate.header_customer", author=author, customer=escape(customer))
        if customer
        else t("win.celebrate.header", author=author)
    )
    head = mrkdwn(who)
    head["block_id"] = f"win:{win_id}"
    head["accessory"] = {
        "type": "overflow",
        "action_id": WIN_OVERFLOW,
        "options": [
            {"text": plain(t("win.edit")), "value": f"edit:{win_id}"},
            {"text": plain(t("win.delete")), "value": f"delete:{win_id}"},
        ],
    }
    blocks: list[Block] = [header(t("win.celebrate.title")), head, mrkdwn(escape(clip(story, 3000)))]
    details: list[str] = []
    if colleagues:
        details.append(t("win.celebrate.thanks", colleagues=mentions(colleagues)))
    if elements:
        names = ", ".join(t(f"win.element.{e}") for e in elements)
        details.append(t("win.celebrate.elements", elements=names))
    if need:
        details.append(t("win.celebrate.need", need=t(f"win.need.{need}")))
    if source_permalink:
        details.append(t("win.celebrate.source", link=source_permalink))
    if details:
        blocks.append(context("\n".join(details)))
    footer = t("win.celebrate.react")
    if edited:
        footer += "  " + t("win.celebrate.edited")
    blocks.append(context(footer))
    return blocks


def celebration_text(t: Translator, author_id: str) -> str:
    return t("win.celebrate.notification", author=mention(author_id))


def thanks_dm(t: Translator, author_id: str, story: str, permalink: str | None) -> tuple[str, list[Block]]:
    text = t("win.dm.thanked", author=mention(author_id), story=escape(clip(story, 600)))
    blocks = [mrkdwn(text)]
    if permalink:
        blocks.append(context(t("win.dm.link", link=permalink)))
    return text, blocks
