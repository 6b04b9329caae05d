"""`/cxreport [#channel|team name|all] [weeks]` and the report from the Home tab (team digests: handlers.delivery)."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import escape, mentions
from bot.blocks.report import chart_png, notification_text, report_blocks
from bot.blocks.team_actions import commit_buttons
from bot.deps import Deps
from bot.domain.policy import Action
from bot.domain.report import Report
from bot.i18n import Translator
from bot.services import conversations, reports, teams
from bot.services.teams import NotAllowed, TeamView
from handlers import registry
from handlers.common import command_text, translator_for, user_id_of, workspace_id_of

logger = logging.getLogger(__name__)

WORKSPACE_WORDS = frozenset({"all", "kaikki", "workspace", "työtila"})
HELP_WORDS = frozenset({"help", "ohje", "apua", "?"})


def _build(deps: Deps, workspace_id: str, team: TeamView | None, weeks: int) -> Report:
    start, end = reports.period_ending(reports.local_today(deps.settings, deps.now()), weeks)
    if team is None:
        scope = reports.workspace_scope(workspace_id)
    else:
        scope = reports.Scope(workspace_id, team.id, team.name, max(1, team.every_weeks))
    return reports.build_report(
        deps.db, scope, start, end, k=deps.settings.anonymity_min, timezone=deps.settings.default_timezone
    )


def _upload_chart(deps: Deps, t: Translator, report: Report, channel: str, comment: str | None = None) -> None:
    deps.client.files_upload_v2(
        channel=channel,
        content=chart_png(t, report),
        filename=f"pulssi-report-{report.end.isoformat()}.png",
        title=notification_text(t, report),
        initial_comment=comment,
    )


def _dm_channel(deps: Deps, user_id: str) -> str:
    return str(deps.client.conversations_open(users=user_id)["channel"]["id"])


def _refusal(t: Translator, team: TeamView | None, error: NotAllowed) -> str:
    if error.org_admins_only:
        return t("report.refused.org")
    if team is None or error.admins_only:
        return t("report.refused.workspace")
    if not error.managers:
        return t("report.refused.no_managers", team=escape(team.name))
    return t("report.refused", managers=mentions(error.managers), team=escape(team.name))


def _authorise(deps: Deps, workspace_id: str, user_id: str, team: TeamView | None) -> None:
    if team is None:
        teams.require_admin(deps, workspace_id, user_id, Action.WORKSPACE_REPORT)
    else:
        teams.require_team_manager(deps, workspace_id, team.id, user_id, Action.TEAM_REPORT)


def parse_arguments(text: str) -> tuple[str, int | None]:
    """("team reference", weeks) from `#support 8`, `Support Team`, `all 26`, `8`; weeks None = default."""
    words = text.split()
    weeks: int | None = None
    if words and re.fullmatch(r"[+-]?\d+", words[-1]):  # "-3" is a bad number of weeks, not a team name
        weeks = int(words.pop())
    return " ".join(words), weeks


def deliver_report_to_dm(deps: Deps, workspace_id: str, user_id: str) -> None:
    """The Home tab's report button: the first team the person manages, else the whole workspace for admins
    (whether or not they are in a team: their own team's report is one `/cxreport` away); anyone else is told
    who may see their team's."""
    t = translator_for(deps, workspace_id, user_id)
    team = teams.first_managed_team(deps, workspace_id, user_id)
    if team is None and not teams.may(deps, workspace_id, user_id, Action.WORKSPACE_REPORT):
        home = teams.home_team_of(deps, workspace_id, user_id)
        deps.client.chat_postMessage(
            channel=user_id, text=_refusal(t, home, NotAllowed(list(home.managers) if home else []))
        )
        return
    report = _build(deps, workspace_id, team, reports.DEFAULT_WEEKS)
    channel = _dm_channel(deps, user_id)
    replies = team is not None and conversations.may_reply(deps, workspace_id, user_id, team.id)
    blocks = report_blocks(t, report, replies=replies)
    deps.client.chat_postMessage(channel=channel, text=notification_text(t, report), blocks=blocks)
    _upload_chart(deps, t, report, channel)


def _default_team(deps: Deps, workspace_id: str, user_id: str, channel_id: str) -> tuple[TeamView | None, str]:
    """A bare `/cxreport`: the team of the channel it was typed in, else the person's home team, else the
    first team they manage; with the key of the note saying which one was chosen."""
    if channel_id:
        try:
            return teams.team_for_channel(deps, workspace_id, channel_id), "whereami.report.channel_team"
        except teams.NoTeam:
            pass
    home = teams.home_team_of(deps, workspace_id, user_id)
    if home is not None:
        return home, "whereami.report.home_team"
    return teams.first_managed_team(deps, workspace_id, user_id), "whereami.report.managed_team"


class InFlight:
    """Reports being built in this process: asking again for the same one while it is built (a double
    Enter, an impatient retry) gets a note instead of a second build, so a burst can't pile up work."""

    def __init__(self) -> None:
        self._keys: set[tuple[object, ...]] = set()
        self._lock = threading.Lock()

    def claim(self, key: tuple[object, ...]) -> bool:
        with self._lock:
            if key in self._keys:
                return False
            self._keys.add(key)
            return True

    def release(self, key: tuple[object, ...]) -> None:
        with self._lock:
            self._keys.discard(key)


def register(app: App, deps: Deps) -> None:
    in_flight = InFlight()

    @registry.command(app, "/cxreport", help_key="cxreport", audience=registry.MANAGERS)
    def cxreport(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)

        def say(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

        reference, weeks = parse_arguments(command_text(body))
        chosen_note: str | None = None  # which team a bare /cxreport chose, and why
        if reference.lower() in HELP_WORDS:
            say(t("report.help"))
            return
        if weeks is not None:
            try:
                reports.check_weeks(weeks)
            except reports.PeriodError as error:
                say(t(error.key, **error.values))
                return
        team: TeamView | None
        if reference.lower() in WORKSPACE_WORDS:
            team = None
        elif reference:
            team = teams.find_team(deps, workspace_id, reference)
            if team is None:
                say(t("report.unknown_team", team=escape(reference)))
                return
        else:
            team, chosen_because = _default_team(deps, workspace_id, user_id, str(body.get("channel_id") or ""))
            if team is None:
                say(t("report.no_team"))
                return
            chosen_note = t(chosen_because, team=escape(team.name))
        try:
            _authorise(deps, workspace_id, user_id, team)
        except NotAllowed as error:
            say(_refusal(t, team, error))
            return
        weeks = weeks or reports.DEFAULT_WEEKS
        key = (workspace_id, user_id, team.id if team else None, weeks)
        if not in_flight.claim(key):
            say(t("report.already_coming"))
            return

        def deliver() -> None:
            try:
                _deliver(deps, t, workspace_id, user_id, team, weeks, say, chosen_note)
            finally:
                in_flight.release(key)

        deps.run_later(deliver)


def _deliver(
    deps: Deps,
    t: Translator,
    workspace_id: str,
    user_id: str,
    team: TeamView | None,
    weeks: int,
    say: Any,
    chosen_note: str | None = None,
) -> None:
    report = _build(deps, workspace_id, team, weeks)
    replies = team is not None and conversations.may_reply(deps, workspace_id, user_id, team.id)
    blocks = report_blocks(t, report, chart_note=t("report.chart.sent_dm"), replies=replies)
    if chosen_note:
        blocks.insert(1, {"type": "context", "elements": [{"type": "mrkdwn", "text": chosen_note}]})  # under the title
    if team is not None:  # under the needs: commit to an action on one
        blocks.insert(next(i for i, b in enumerate(blocks) if "fields" in b) + 1, commit_buttons(t, team.id))
    say(notification_text(t, report), blocks)
    try:
        _upload_chart(deps, t, report, _dm_channel(deps, user_id))
    except SlackApiError as error:
        logger.warning("report chart not delivered: %s", error.response.get("error"))
