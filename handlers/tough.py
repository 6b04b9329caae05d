"""/tough, the "This was a tough one" message shortcut and Home button, the modal's steps, the managers'
"I'll reach out" / "Done" buttons and the check-in's Yes / No."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import mentions
from bot.blocks.tough import (
    ACK_ACTION,
    ANONYMOUS,
    CHECKIN_NO,
    CHECKIN_YES,
    DONE_ACTION,
    HOME_BUTTON,
    SEALED_PREFIX,
    TOUGH_LESSON_MODAL,
    TOUGH_MODAL,
    TOUGH_PREVIEW_MODAL,
    lesson_modal,
    lesson_post_blocks,
    notice_modal,
    preview_modal,
    tough_modal,
)
from bot.deps import Deps
from bot.domain.tough import LESSON, NOTE, TALK, validate_lesson, validate_moment
from bot.i18n import Translator
from bot.services import idempotency, teams, tough
from bot.services.languages import translator_for_team
from handlers import registry
from handlers.common import command_text, shortcut_message_text, translator_for, user_id_of, workspace_id_of

logger = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "ohje", "apua", "?"})
SHORTCUT = "tough_moment"


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values") or {})


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id) or {}
    element: Any = block.get("value") or next(iter(block.values()), {})
    return element if isinstance(element, dict) else {}


def _errors(t: Translator, errors: dict[str, tuple[str, dict[str, object]]]) -> dict[str, str]:
    return {field: t(key, **params) for field, (key, params) in errors.items()}


def open_tough_modal(deps: Deps, trigger_id: str, workspace_id: str, user_id: str, what: str = "") -> None:
    """The modal for the person's home team (its managers to pick from); a notice for someone in no team."""
    t = translator_for(deps, workspace_id, user_id)
    team = teams.home_team_of(deps, workspace_id, user_id)
    if team is None:
        deps.client.views_open(trigger_id=trigger_id, view=notice_modal(t, t("tough.no_team")))
        return
    # After the ack: Slack is asked, so a Slack Connect person named a manager is never offered.
    managers = tough.choosable_managers(deps, workspace_id, team, user_id, ask_slack=True)
    view = tough_modal(t, what=what, managers=managers)
    deps.client.views_open(trigger_id=trigger_id, view=view)


def _request_id(action: dict[str, Any]) -> int:
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() else 0


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def register(app: App, deps: Deps) -> None:
    @registry.command(app, "/tough")
    def tough_command(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        text = command_text(body)
        if text.lower() in HELP_WORDS:
            respond(text=translator_for(deps, workspace_id, user_id)("tough.help"), response_type="ephemeral")
            return
        open_tough_modal(deps, str(body["trigger_id"]), workspace_id, user_id, text)

    @registry.shortcut(app, SHORTCUT)
    def tough_shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        # Only the person sees the prefilled text; nothing leaves the modal unless they choose so.
        open_tough_modal(
            deps, str(body["trigger_id"]), workspace_id_of(body), user_id_of(body), shortcut_message_text(body)
        )

    @app.action(HOME_BUTTON)
    def tough_home(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        open_tough_modal(deps, str(body["trigger_id"]), workspace_id_of(body), user_id_of(body))

    @app.view(TOUGH_MODAL)
    def tough_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        team = teams.home_team_of(deps, workspace_id, user_id)
        if team is None:
            ack(response_action="update", view=notice_modal(t, t("tough.no_team")))
            return
        values = _values(view)
        what = _element(values, "what").get("value")
        option = str((_element(values, "help").get("selected_option") or {}).get("value") or "")
        allowed = set(tough.choosable_managers(deps, workspace_id, team, user_id))
        chosen = [str(o.get("value")) for o in _element(values, "managers").get("selected_options") or ()]
        chosen = [m for m in chosen if m in allowed]  # only the team's own managers, whatever was sent
        errors = validate_moment(option, what, chosen)
        if errors:
            ack(response_action="errors", errors=_errors(t, errors))
            return
        if option == LESSON:
            ack(response_action="update", view=lesson_modal(t))
            return
        key = f"tough-{option}:{view.get('id')}"
        if option == NOTE:
            ack(response_action="update", view=notice_modal(t, t("tough.noted")))
            # The key's time is the day only: nothing stored says when in the day a note was made.
            day = deps.now().replace(hour=0, minute=0, second=0, microsecond=0)
            if idempotency.claim_once(deps.db, workspace_id, key, day):
                tough.note_moment(deps, workspace_id, team)
                # The same one check-in two working days later, sealed: nothing links it to the count.
                tough.schedule_note_checkin(deps, workspace_id, user_id, team)
            return
        assert option == TALK
        ack(response_action="update", view=notice_modal(t, t("tough.talk.sent", managers=mentions(chosen))))
        if not idempotency.claim_once(deps.db, workspace_id, key, deps.now()):
            return  # Slack resent the submission, or a double click: one request, one set of DMs
        request = tough.request_talk(deps, workspace_id, user_id, team, what, chosen)
        refused = tough.send_request_dms(deps, workspace_id, request)
        if refused:
            deps.client.chat_postMessage(channel=user_id, text=t("tough.talk.failed", managers=mentions(refused)))

    @app.view(TOUGH_LESSON_MODAL)
    def lesson_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        values = _values(view)
        lesson = str(_element(values, "lesson").get("value") or "").strip()
        errors = validate_lesson(lesson)
        if errors:
            ack(response_action="errors", errors=_errors(t, errors))
            return
        team = teams.home_team_of(deps, workspace_id, user_id)
        if team is None:
            ack(response_action="update", view=notice_modal(t, t("tough.no_team")))
            return
        named = str((_element(values, "credit").get("selected_option") or {}).get("value") or "") != ANONYMOUS
        team_t = translator_for_team(deps, workspace_id, team.id)
        view = preview_modal(t, team_t, lesson, user_id if named else None, team.channel_id)
        ack(response_action="update", view=view)

    @app.view(TOUGH_PREVIEW_MODAL)
    def preview_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        lesson = str(metadata.get("lesson") or "") if isinstance(metadata, dict) else ""
        team = teams.home_team_of(deps, workspace_id, user_id)
        if validate_lesson(lesson) or team is None:
            ack(response_action="update", view=lesson_modal(t, lesson=lesson))
            return
        channel = f"<#{team.channel_id}>"
        # The confirmation is the modal, never a DM: Slack keeps DMs, and one sent beside a lesson posted
        # without the name would tell an export who wrote it.
        ack(response_action="update", view=notice_modal(t, t("tough.lesson.posting", channel=channel)))
        if not idempotency.claim_once(deps.db, workspace_id, f"tough-lesson:{view.get('id')}", deps.now()):
            return
        author = user_id if metadata.get("named") else None
        team_t = translator_for_team(deps, workspace_id, team.id)  # a channel post: the team's language
        try:
            deps.client.chat_postMessage(
                channel=team.channel_id,
                text=team_t("tough.post.text"),
                blocks=lesson_post_blocks(team_t, lesson, author),
                unfurl_links=False,
            )
        except SlackApiError as error:
            reason = str(error.response.get("error") or "error")
            logger.warning("tough-moment lesson not posted: %s", reason)
            # Nothing was posted, so a DM ties the person to no post; it is the fallback if the modal is closed.
            failed = t("tough.lesson.post_failed", channel=channel, error=reason)
            if not _update_notice(view, t, failed):
                deps.client.chat_postMessage(channel=user_id, text=failed)
            return
        tough.note_moment(deps, workspace_id, team)
        _update_notice(view, t, t("tough.lesson.posted", channel=channel))

    def _update_notice(view: dict[str, Any], t: Translator, text: str) -> bool:
        """The open modal now says `text`; False when it is gone (closed, or Slack refused)."""
        view_id = str(view.get("id") or "")
        if not view_id:
            return False
        try:
            deps.client.views_update(view_id=view_id, view=notice_modal(t, text))
        except SlackApiError as error:
            logger.info("lesson notice not updated: %s", error.response.get("error"))
            return False
        return True

    def _acknowledge(body: dict[str, Any], action: dict[str, Any], respond: Respond, *, done: bool) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        try:
            result = tough.acknowledge(deps, workspace_id, _request_id(action), user_id, done=done)
        except tough.RequestGone:
            _say(respond, t("tough.manager.gone"))
            return
        except tough.NotChosen:
            _say(respond, t("tough.manager.not_yours"))
            return
        tough.refresh_manager_dms(deps, workspace_id, result.request, done_by=user_id if done else None)
        if result.first:
            tough.tell_person_acknowledged(deps, workspace_id, result.request)

    @app.action(ACK_ACTION)
    def ack_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        _acknowledge(body, action, respond, done=False)

    @app.action(DONE_ACTION)
    def done_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        _acknowledge(body, action, respond, done=True)

    def _checkin(body: dict[str, Any], action: dict[str, Any], respond: Respond, supported: bool) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        value = str(action.get("value") or "")
        try:
            if value.startswith(SEALED_PREFIX):  # after "just note it"
                tough.answer_sealed_checkin(deps, workspace_id, user_id, value[len(SEALED_PREFIX) :], supported)
            else:
                tough.answer_checkin(deps, workspace_id, _request_id(action), user_id, supported)
        except tough.NotChosen:
            _say(respond, t("tough.checkin.not_yours"))
            return
        # Thanked ephemerally, the same whatever the answer, and the DM itself is never edited: Slack keeps edits,
        # and a check-in DM replaced on answering (while unanswered ones keep their buttons) would tell an
        # export who answered. A second click only thanks again: the first answer stands.
        _say(respond, t("tough.checkin.thanks"))

    @app.action(CHECKIN_YES)
    def checkin_yes(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        _checkin(body, action, respond, True)

    @app.action(CHECKIN_NO)
    def checkin_no(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        _checkin(body, action, respond, False)
