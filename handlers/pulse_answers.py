"""Answer buttons in the pulse DM (and on Home), and the optional comment modal.

Slack keeps what Pulssi posts and edits (exports, legal holds, anyone with the bot token), so an answer is
confirmed only where Slack keeps nothing: an ephemeral note in the DM, a modal on Home. The DM itself never
changes when someone answers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.blocks.conversations import allows_replies
from bot.blocks.pulse import comment_modal, recorded_modal
from bot.deps import Deps
from bot.domain import slack_errors
from bot.domain.questions import ENPS
from bot.i18n import Translator
from bot.services import rounds
from bot.services.slack_problems import error_code
from handlers.common import private_note, translator_before_ack, translator_for, user_id_of, workspace_id_of

logger = logging.getLogger(__name__)

ANSWER_ACTION = re.compile(r"^pulse_answer_\d+$")


def _recorded_text(t: Translator, question: str, value: int) -> str:
    return t("pulsedm.recorded", question="eNPS" if question == ENPS else t("pulse.need." + question), value=value)


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
        try:
            rounds.record_answer(deps, workspace_id_of(body), user_id, round_id, question, value)
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
        confirmation = _recorded_text(t, question, value)
        if container.get("type") == "view":
            trigger_id = body.get("trigger_id")
            if trigger_id:
                try:
                    deps.client.views_open(trigger_id=trigger_id, view=recorded_modal(t, confirmation))
                except SlackApiError as error:
                    if slack_errors.for_view(error_code(error)) is not slack_errors.Outcome.EXPIRED_TRIGGER:
                        raise
                    # Recorded, but too late for the modal: the same note as in the DM, never a kept message.
                    private_note(deps, user_id, confirmation)
            return
        if channel:
            deps.client.chat_postEphemeral(channel=channel, user=user_id, text=confirmation)

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
        channel, _, _message_ts = rest.partition("|")
        text = str(
            ((view.get("state") or {}).get("values") or {}).get("comment", {}).get("text", {}).get("value") or ""
        )
        chosen = ((view.get("state") or {}).get("values") or {}).get("need", {}).get("value", {})
        need = str((chosen.get("selected_option") or {}).get("value") or "") or None
        allow_replies = allows_replies((view.get("state") or {}).get("values") or {})
        if len(text) > 3000:
            ack(
                response_action="errors", errors={"comment": t("pulsedm.comment.too_long", count=len(text), limit=3000)}
            )
            return
        ack()
        t = translator_for(deps, workspace_id_of(body), user_id)
        try:
            rounds.save_comment(
                deps, workspace_id_of(body), user_id, int(round_text or 0), text, need, allow_replies=allow_replies
            )
        except (rounds.RoundClosed, rounds.NotInvited):
            return
        if channel:
            deps.client.chat_postEphemeral(channel=channel, user=user_id, text=t("pulsedm.comment_saved"))
