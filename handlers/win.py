"""/win, the "Share as a win" message shortcut, the share/edit/delete modals and reaction counting."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks.win import (
    TOUGH_BLOCK,
    WIN_DELETE_MODAL,
    WIN_EDIT_MODAL,
    WIN_MODAL,
    WIN_OVERFLOW,
    celebration_blocks,
    celebration_text,
    delete_modal,
    notice_modal,
    thanks_dm,
    win_modal,
)
from bot.deps import Deps
from bot.domain.wins import WinDraft, prefill_from_message, validate_win
from bot.i18n import Translator
from bot.services import idempotency, nudges, slack_problems, teams, tough, wins
from bot.services.languages import translator_for_team
from bot.services.wins import StoredWin
from handlers import registry
from handlers.common import (
    command_text,
    ephemeral_or_dm,
    shortcut_message_text,
    translator_before_ack,
    translator_for,
    user_id_of,
    workspace_id_of,
)
from handlers.delivery import refresh_home

logger = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "ohje", "apua", "?"})


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _input_value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id) or {}
    element: Any = block.get("value") or next(iter(block.values()), {})
    return element if isinstance(element, dict) else {}


def view_values(view: dict[str, Any]) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values") or {})


def draft_from_view(view: dict[str, Any]) -> WinDraft:
    """The modal's state as a draft; tolerant of missing blocks (an old modal, a different client)."""
    values = (view.get("state") or {}).get("values") or {}
    metadata = _metadata(view)
    team_option = _input_value(values, "team").get("selected_option") or {}
    need_option = _input_value(values, "need").get("selected_option") or {}
    team_value = str(team_option.get("value") or "")
    return WinDraft(
        story=str(_input_value(values, "story").get("value") or ""),
        customer=_input_value(values, "customer").get("value"),
        colleagues=tuple(str(u) for u in _input_value(values, "colleagues").get("selected_users") or ()),
        elements=tuple(str(o.get("value")) for o in _input_value(values, "elements").get("selected_options") or ()),
        need=str(need_option.get("value")) if need_option.get("value") else None,
        team_id=int(team_value) if team_value.isdigit() else None,
        source_permalink=metadata.get("permalink") or None,
    )


def _win_id(view: dict[str, Any]) -> int:
    value = str(_metadata(view).get("win_id", ""))
    return int(value) if value.isdigit() else 0


def _refusal_key(refusal: Exception) -> str:
    """What to tell someone who may not change a win: it's gone, or it isn't theirs."""
    return "win.edit.gone" if isinstance(refusal, wins.WinGone) else "win.edit.not_author"


def _errors(t: Translator, errors: dict[str, tuple[str, dict[str, object]]]) -> dict[str, str]:
    return {field: t(key, **params) for field, (key, params) in errors.items()}


def open_win_modal(
    deps: Deps, trigger_id: str, workspace_id: str, user_id: str, *, story: str = "", permalink: str | None = None
) -> None:
    """Open the share modal (with the team picker for a person in no team); a notice when there are no teams."""
    t = translator_for(deps, workspace_id, user_id)
    choice = wins.team_choice(deps, workspace_id, user_id)
    if not choice.choices:
        key = "win.no_teams" if not choice.teams_exist else "win.no_team_channel"
        deps.client.views_open(trigger_id=trigger_id, view=notice_modal(t, t(key)))
        return
    teams = [(team.id, team.name) for team in choice.choices] if choice.home is None else []
    # Only the person's own named requests: the modal is theirs alone, so the text may help them pick.
    moments = [
        (m.id, t("win.field.tough.option", day=m.day.strftime("%d.%m.")) + (f": {m.what[:40]}" if m.what else ""))
        for m in tough.own_open_moments(deps, workspace_id, user_id)
    ]
    view = win_modal(
        t,
        story=story,
        teams=teams,
        metadata={"permalink": permalink} if permalink else {},
        tough_moments=moments,
    )
    deps.client.views_open(trigger_id=trigger_id, view=view)


def _celebrate(deps: Deps, workspace_id: str, win: StoredWin, channel_id: str) -> str | None:
    """Post the celebration (in the team's language); returns the message ts, or None when Slack refused (the
    author is told, in theirs, and for a channel Pulssi can't post in, the team's setters learn the fix)."""
    try:
        response = deps.client.chat_postMessage(
            channel=channel_id,
            text=celebration_text(translator_for_team(deps, workspace_id, win.team_id), win.author_id),
            blocks=_celebration(deps, workspace_id, win),
            unfurl_links=False,
        )
    except SlackApiError as error:
        code = slack_problems.error_code(error)  # an HTTP 5xx has no code, only an HTML page
        logger.warning("could not post win %s: %s", win.id, code)
        slack_problems.channel_post_failed(deps, workspace_id, channel_id, error)
        t = translator_for(deps, workspace_id, win.author_id)
        deps.client.chat_postMessage(channel=win.author_id, text=t("win.post_failed", channel=channel_id, error=code))
        return None
    slack_problems.channel_post_succeeded(deps, workspace_id, channel_id)
    return str(response["ts"])


def _celebration(deps: Deps, workspace_id: str, win: StoredWin) -> list[dict[str, Any]]:
    return celebration_blocks(
        translator_for_team(deps, workspace_id, win.team_id),
        win_id=win.id,
        author_id=win.author_id,
        story=win.text,
        customer=win.customer,
        colleagues=win.colleagues,
        elements=win.elements,
        need=win.need,
        source_permalink=win.source_permalink,
        edited=win.edited,
    )


def _permalink(deps: Deps, channel_id: str | None, ts: str | None) -> str | None:
    if not channel_id or not ts:
        return None
    try:
        return str(deps.client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError:
        logger.info("no permalink for %s/%s", channel_id, ts)
        return None


def _thank(deps: Deps, workspace_id: str, win: StoredWin, colleagues: tuple[str, ...]) -> None:
    """One DM per thanked colleague, in their language; one failure doesn't stop the others. Nobody outside
    the installation gets one (a Slack Connect person, a workspace taken out of the org-wide install): the
    install doesn't DM them, whoever asks it to."""
    colleagues = tuple(c for c in colleagues if not teams.is_outsider(deps, workspace_id, c))
    permalink = _permalink(deps, win.channel_id, win.message_ts) if colleagues else None
    for colleague in colleagues:
        text, blocks = thanks_dm(translator_for(deps, workspace_id, colleague), win.author_id, win.text, permalink)
        try:
            deps.client.chat_postMessage(channel=colleague, text=text, blocks=blocks, unfurl_links=False)
        except SlackApiError as error:
            logger.warning("thank-you DM failed: %s", error.response.get("error"))


def _tell_shared(deps: Deps, t: Translator, channel_id: str, user_id: str) -> None:
    """A private "thanks for sharing" where the author will see the celebration; a DM if not a member."""
    ephemeral_or_dm(deps, channel_id, user_id, t("win.shared.done", channel=f"<#{channel_id}>"))


def _refresh_home(deps: Deps, workspace_id: str, user_id: str) -> None:
    try:
        refresh_home(deps, workspace_id, user_id)
    except SlackApiError:
        logger.info("could not refresh the Home tab after a win change", exc_info=True)


def register(app: App, deps: Deps) -> None:
    @registry.command(app, "/win", help_key="win")
    def win_command(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = user_id_of(body)
        text = command_text(body)
        if text.lower() in HELP_WORDS:
            t = translator_for(deps, workspace_id_of(body), user_id)
            respond(text=t("win.help"), response_type="ephemeral")
            return
        open_win_modal(deps, str(body["trigger_id"]), workspace_id_of(body), user_id, story=text)

    @registry.shortcut(app, "share_as_win")
    def share_as_win(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user_id = user_id_of(body)
        t = translator_for(deps, workspace_id_of(body), user_id)
        message = body.get("message") or {}
        channel_id = (body.get("channel") or {}).get("id")
        permalink = _permalink(deps, channel_id, message.get("ts"))
        story = prefill_from_message(shortcut_message_text(body), permalink, t("win.prefill.source"))
        open_win_modal(deps, str(body["trigger_id"]), workspace_id_of(body), user_id, story=story, permalink=permalink)

    @app.view(WIN_MODAL)
    def win_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_before_ack(deps, workspace_id, user_id)  # no Slack call before ack()
        draft = draft_from_view(view)
        choice = wins.team_choice(deps, workspace_id, user_id)
        picking = choice.home is None
        errors = validate_win(draft, author=user_id, team_ids={team.id for team in choice.choices} if picking else None)
        raw_tough = str((_input_value(view_values(view), TOUGH_BLOCK).get("selected_option") or {}).get("value") or "")
        own = {m.id for m in tough.own_open_moments(deps, workspace_id, user_id)} if raw_tough else set()
        if raw_tough and (not raw_tough.isdigit() or int(raw_tough) not in own):
            errors[TOUGH_BLOCK] = ("win.error.tough", {})  # not theirs, or its loop has ended meanwhile
        if errors:
            ack(response_action="errors", errors=_errors(t, errors))
            return
        ack()
        t = translator_for(deps, workspace_id, user_id)
        # A double click on Share, or Slack resending the submission, must not celebrate twice.
        if not idempotency.claim_once(deps.db, workspace_id, f"win-view:{view.get('id')}", deps.now()):
            return
        team = choice.home if not picking else next(x for x in choice.choices if x.id == draft.team_id)
        assert team is not None
        win = wins.save_win(deps, workspace_id, user_id, replace(draft, team_id=team.id), from_tough=bool(raw_tough))
        channel_id = wins.celebration_channel(team)
        ts = _celebrate(deps, workspace_id, win, channel_id)
        if ts is not None:
            wins.record_post(deps, workspace_id, win.id, channel_id, ts)
            win = wins.get_win(deps, workspace_id, win.id)
            _tell_shared(deps, t, channel_id, user_id)
        _thank(deps, workspace_id, win, win.colleagues)
        _refresh_home(deps, workspace_id, user_id)
        wins.read_story_tone(deps, workspace_id, win.id)  # slow the first time (a lemmatiser loads)

    @app.action(WIN_OVERFLOW)
    def win_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        what, _, raw_id = str((action.get("selected_option") or {}).get("value") or "").partition(":")
        if not raw_id.isdigit() or what not in ("edit", "delete"):
            return
        trigger_id = str(body["trigger_id"])
        try:
            win = wins.get_win(deps, workspace_id, int(raw_id), author_id=user_id)
        except (wins.WinGone, wins.NotAuthor) as refusal:
            deps.client.views_open(trigger_id=trigger_id, view=notice_modal(t, t(_refusal_key(refusal))))
            return
        if what == "delete":
            deps.client.views_open(trigger_id=trigger_id, view=delete_modal(t, win.id, win.text))
            return
        view = win_modal(
            t,
            story=win.text,
            customer=win.customer,
            colleagues=win.colleagues,
            elements=win.elements,
            need=win.need,
            metadata={"win_id": win.id, "permalink": win.source_permalink},
            editing=True,
        )
        deps.client.views_open(trigger_id=trigger_id, view=view)

    @app.view(WIN_EDIT_MODAL)
    def win_edited(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_before_ack(deps, workspace_id, user_id)  # its texts go out with ack()
        draft = draft_from_view(view)
        errors = validate_win(draft, author=user_id)
        if errors:
            ack(response_action="errors", errors=_errors(t, errors))
            return
        try:
            edited = wins.edit_win(deps, workspace_id, user_id, _win_id(view), draft)
        except (wins.WinGone, wins.NotAuthor) as refusal:
            ack(response_action="update", view=notice_modal(t, t(_refusal_key(refusal))))
            return
        ack(response_action="update", view=notice_modal(t, t("win.edit.done")))
        win = edited.win
        if win.channel_id and win.message_ts:
            try:
                deps.client.chat_update(
                    channel=win.channel_id,
                    ts=win.message_ts,
                    text=celebration_text(translator_for_team(deps, workspace_id, win.team_id), win.author_id),
                    blocks=_celebration(deps, workspace_id, win),
                )
            except SlackApiError as error:
                logger.warning("could not update the win message: %s", error.response.get("error"))
        _thank(deps, workspace_id, win, edited.new_colleagues)
        _refresh_home(deps, workspace_id, user_id)
        wins.read_story_tone(deps, workspace_id, win.id)  # slow the first time (a lemmatiser loads)

    @app.view(WIN_DELETE_MODAL)
    def win_deleted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_before_ack(deps, workspace_id, user_id)  # its texts go out with ack()
        try:
            win = wins.delete_win(deps, workspace_id, user_id, _win_id(view))
        except (wins.WinGone, wins.NotAuthor) as refusal:
            ack(response_action="update", view=notice_modal(t, t(_refusal_key(refusal))))
            return
        ack(response_action="update", view=notice_modal(t, t("win.delete.done")))
        if win.channel_id and win.message_ts:
            try:
                deps.client.chat_delete(channel=win.channel_id, ts=win.message_ts)
            except SlackApiError as error:
                logger.info("celebration message not deleted: %s", error.response.get("error"))
        _refresh_home(deps, workspace_id, user_id)

    def _reaction(event: dict[str, Any], body: dict[str, Any], delta: int) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
            return
        workspace_id, channel, ts = workspace_id_of(body), str(item["channel"]), str(item["ts"])
        wins.count_reaction(deps, workspace_id, channel, ts, delta)
        if delta > 0 and event.get("user"):
            # A manager's reaction counts as noticing the win (the "no win noticed" nudge).
            nudges.record_manager_reaction(deps, workspace_id, channel, ts, str(event["user"]))

    @registry.event(app, "reaction_added")
    def reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        _reaction(event, body, +1)

    @registry.event(app, "reaction_removed")
    def reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        _reaction(event, body, -1)
