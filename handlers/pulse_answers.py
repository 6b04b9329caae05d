"""Answer buttons in the pulse DM, and the optional comment modal."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from bot.blocks.pulse import comment_modal, pulse_message_blocks
from bot.deps import Deps
from bot.services import rounds
from bot.services.rounds import PersonRoundView
from handlers.common import translator_before_ack, translator_for, user_id_of, workspace_id_of

logger = logging.getLogger(__name__)

ANSWER_ACTION = re.compile(r"^pulse_answer_\d+$")


def _render(deps: Deps, t: Any, state: PersonRoundView) -> list[dict[str, Any]]:
    return pulse_message_blocks(
        t,
        round_id=state.round_id,
        statements=state.statements,
        asks_enps=state.asks_enps,
        answers=state.answers,
        has_comment=state.has_comment,
        is_open=state.is_open,
        anonymity_min=deps.settings.anonymity_min,
    )


def _parse_value(raw: str) -> tuple[int, str, int] | None:
    parts = raw.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[0]), parts[1], int(parts[2])


def register(app: App, deps: Deps) -> None:
    @app.action(ANSWER_ACTION)
    def answer_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user_id = user_id_of(body)
        t = translator_for(deps, workspace_id_of(body), user_id)
        parsed = _parse_value(str(action.get("value") or ""))
        if parsed is None:
            return
        round_id, question, value = parsed
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        try:
            state = rounds.record_answer(deps, workspace_id_of(body), user_id, round_id, question, value)
        except rounds.RoundClosed:
            if channel:
                deps.client.chat_postEphemeral(channel=channel, user=user_id, text=t("pulsedm.round_closed"))
            return
        except rounds.NotInvited:
            if channel:
                deps.client.chat_postEphemeral(channel=channel, user=user_id, text=t("pulsedm.not_invited"))
            return
        except ValueError:
            logger.info("ignored an invalid pulse answer payload")
            return
        if container.get("type") == "view":
            from handlers.home import refresh_home

            refresh_home(deps, workspace_id_of(body), user_id)
            return
        if channel and message_ts:
            deps.client.chat_update(
                channel=channel, ts=message_ts, text=t("pulsedm.fallback"), blocks=_render(deps, t, state)
            )

    @app.action("pulse_comment")
    def comment_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user_id = user_id_of(body)
        t = translator_for(deps, workspace_id_of(body), user_id)
        container = body.get("container") or {}
        round_id = int(str(action.get("value") or "0") or 0)
        try:
            rounds.view_for_person(deps, workspace_id_of(body), user_id, round_id)
        except (rounds.RoundClosed, rounds.NotInvited):
            return
        view = comment_modal(
            t,
            round_id=round_id,
            channel_id=str(container.get("channel_id") or ""),
            message_ts=str(container.get("message_ts") or ""),
        )
        deps.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("pulse_comment_modal")
    def comment_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = user_id_of(body)
        t = translator_before_ack(deps, workspace_id_of(body), user_id)  # no Slack call before ack()
        round_text, _, rest = str(view.get("private_metadata") or "").partition("|")
        channel, _, message_ts = rest.partition("|")
        text = str(
            ((view.get("state") or {}).get("values") or {}).get("comment", {}).get("text", {}).get("value") or ""
        )
        if len(text) > 3000:
            ack(
                response_action="errors", errors={"comment": t("pulsedm.comment.too_long", count=len(text), limit=3000)}
            )
            return
        ack()
        t = translator_for(deps, workspace_id_of(body), user_id)
        try:
            state = rounds.save_comment(deps, workspace_id_of(body), user_id, int(round_text or 0), text)
        except (rounds.RoundClosed, rounds.NotInvited):
            return
        if channel and message_ts:
            deps.client.chat_update(
                channel=channel, ts=message_ts, text=t("pulsedm.fallback"), blocks=_render(deps, t, state)
            )
