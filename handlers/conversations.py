"""Anonymous conversations: a manager's Reply on a comment (report or Home), the author's answer and ending
from the DM. Replies are queued; `bot.services.conversations.reply_tick` delivers them at fixed times.

Nothing here logs who clicked together with a route: the log would otherwise tie an author to a comment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from slack_bolt import Ack, App

from bot.blocks.conversations import (
    ANSWER_ACTION,
    ANSWER_MODAL,
    END_ACTION,
    REPLY_ACTION,
    REPLY_MODAL,
    answer_modal,
    notice_modal,
    reply_modal,
    submitted,
)
from bot.deps import Deps
from bot.domain import schedule
from bot.domain.conversations import DELIVERY_TIMES, MESSAGE_CHARS
from bot.i18n import Translator
from bot.services import conversations
from bot.services.teams import NotAllowed
from handlers.common import translator_before_ack, translator_for, user_id_of, workspace_id_of


def _times(deps: Deps) -> str:
    return ", ".join(at.strftime("%H:%M") for at in DELIVERY_TIMES) + f" ({deps.settings.default_timezone})"


def _at(deps: Deps, slot: datetime) -> str:
    return slot.astimezone(schedule.zone(deps.settings.default_timezone)).strftime("%d.%m. %H:%M")


def _route_of(action_or_view: dict[str, Any], key: str) -> str:
    return str(action_or_view.get(key) or "")[:64]


def _submission(t: Translator, view: dict[str, Any]) -> tuple[str, bool, dict[str, str] | None]:
    text, end = submitted((view.get("state") or {}).get("values") or {})
    if len(text) > MESSAGE_CHARS:
        return text, end, {"text": t("pulsedm.comment.too_long", count=len(text), limit=MESSAGE_CHARS)}
    if not text.strip() and not end:
        return text, end, {"text": t("convo.reply.empty")}
    return text, end, None


class _Queue(Protocol):
    def __call__(
        self, deps: Deps, workspace_id: str, user_id: str, route_id: str, text: str, /, *, end: bool
    ) -> datetime: ...


def _clicked(deps: Deps, ack: Ack, body: dict[str, Any]) -> tuple[str, str, Translator]:
    """ack() first; then the workspace, who clicked and their translator."""
    ack()
    workspace_id, user_id = workspace_id_of(body), user_id_of(body)
    return workspace_id, user_id, translator_for(deps, workspace_id, user_id)


def _open(deps: Deps, body: dict[str, Any], view: dict[str, Any]) -> None:
    deps.client.views_open(trigger_id=body["trigger_id"], view=view)


def _queue_submitted(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    queue: _Queue,
    refused: tuple[type[Exception], ...],
) -> None:
    """A reply's or an answer's modal, queued within the ack (one insert: well inside the 3 s), which then says
    when it travels; `refused` (the route gone, or the manager may no longer reply) says it is gone."""
    workspace_id, user_id = workspace_id_of(body), user_id_of(body)
    t = translator_before_ack(deps, workspace_id, user_id)
    text, end, errors = _submission(t, view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        slot = queue(deps, workspace_id, user_id, _route_of(view, "private_metadata"), text, end=end)
    except refused:
        ack(response_action="update", view=notice_modal(t, t("convo.reply.gone")))
        return
    ack(response_action="update", view=notice_modal(t, t("convo.reply.queued", at=_at(deps, slot))))


def register(app: App, deps: Deps) -> None:
    @app.action(REPLY_ACTION)
    def reply_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        workspace_id, user_id, t = _clicked(deps, ack, body)
        try:
            route = conversations.route_for_manager(deps, workspace_id, user_id, _route_of(action, "value"))
        except (conversations.RouteGone, NotAllowed):
            _open(deps, body, notice_modal(t, t("convo.reply.gone")))
            return
        if route.ended:
            _open(deps, body, notice_modal(t, t("convo.reply.ended")))
        else:
            _open(deps, body, reply_modal(t, route.route_id, route.comment, _times(deps)))

    @app.view(REPLY_MODAL)
    def reply_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _queue_submitted(deps, ack, body, view, conversations.queue_reply, (conversations.RouteGone, NotAllowed))

    @app.action(ANSWER_ACTION)
    def answer_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        workspace_id, user_id, t = _clicked(deps, ack, body)
        try:
            route = conversations.route_for_author(deps, workspace_id, user_id, _route_of(action, "value"))
        except conversations.RouteGone:
            _open(deps, body, notice_modal(t, t("convo.reply.gone")))
            return
        _open(deps, body, answer_modal(t, route.route_id, route.comment, _times(deps)))

    @app.view(ANSWER_MODAL)
    def answer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _queue_submitted(deps, ack, body, view, conversations.queue_answer, (conversations.RouteGone,))

    @app.action(END_ACTION)
    def end_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        workspace_id, user_id, t = _clicked(deps, ack, body)
        channel = str((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id") or "")
        try:
            conversations.withdraw(deps, workspace_id, user_id, _route_of(action, "value"))
            text = t("convo.author.ended_now")
        except conversations.RouteGone:
            text = t("convo.reply.gone")
        if channel:
            deps.client.chat_postEphemeral(channel=channel, user=user_id, text=text)
