"""Manager nudges after a round closes: at most one per team per week, each manager in their language,
with one suggested action from the bank; a manager can snooze a team's nudges for four weeks."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.deps import Deps
from bot.domain.nudges import SNOOZE_DAYS, dropped_needs, suggestion_key, week_start
from bot.services import reports, rounds, teams
from bot.services.languages import translator_for_person
from storage import repositories as repo
from storage.models import ManagerNudge, NudgeSnooze

logger = logging.getLogger(__name__)


def _claim_week(deps: Deps, workspace_id: str, team_id: int, week: date, need: str) -> bool:
    """The unique (team, week) row decides: a second close, a retry or a second process sends nothing."""
    try:
        with deps.db.session_scope() as session:
            session.add(
                ManagerNudge(workspace_id=workspace_id, team_id=team_id, week_start=week, kind="need_drop", need=need)
            )
    except IntegrityError:
        return False
    return True


def _snoozed(deps: Deps, workspace_id: str, team_id: int, today: date) -> set[str]:
    with deps.db.session_scope() as session:
        return {
            str(user)
            for user in session.exec(
                select(NudgeSnooze.user_id).where(
                    NudgeSnooze.workspace_id == workspace_id, NudgeSnooze.team_id == team_id, NudgeSnooze.until > today
                )
            ).all()
        }


def nudge_after_round(deps: Deps, closed: rounds.ClosedRound) -> None:
    """After a round closes (bot.services.digest.after_close): one nudge to the team's managers when a need
    dropped beyond noise."""
    from bot.blocks.nudges import nudge_dm

    workspace_id = closed.workspace_id
    with deps.db.session_scope() as session:
        team_row = repo.team_by_id(session, workspace_id, closed.team_id)
        if team_row is None:
            return
        team = teams.view_of(session, team_row)
        scope = reports.team_scope(workspace_id, team_row)
    today = reports.local_today(deps.settings, deps.now())
    start, end = reports.period_ending(today, reports.DIGEST_WEEKS)
    report = reports.build_report(
        deps.db, scope, start, end, k=deps.settings.anonymity_min, timezone=deps.settings.default_timezone
    )
    dropped = dropped_needs(report.needs)
    if not dropped or not team.managers:
        return
    need = dropped[0]
    if not _claim_week(deps, workspace_id, team.id, week_start(today), need.need):
        return
    snoozed = _snoozed(deps, workspace_id, team.id, today)
    for manager in team.managers:
        if manager in snoozed or teams.is_outsider(deps, workspace_id, manager):  # never outside the install
            continue
        text, blocks = nudge_dm(
            translator_for_person(deps, workspace_id, manager),
            team_id=team.id,
            team_name=team.name,
            need=need.need,
            change=need.change or 0.0,
            suggestion_key=suggestion_key(need.need, today),
        )
        try:
            deps.client.chat_postMessage(channel=manager, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning("nudge DM failed: %s", error.response.get("error"))


def snooze(deps: Deps, workspace_id: str, team_id: int, user_id: str) -> tuple[str, date]:
    """The team's managers (and admins) silence the team's nudges for themselves for four weeks."""
    teams.require_team_manager(deps, workspace_id, team_id, user_id)
    until = reports.local_today(deps.settings, deps.now()) + timedelta(days=SNOOZE_DAYS)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise teams.NoTeam()
        row = session.exec(
            select(NudgeSnooze).where(
                NudgeSnooze.workspace_id == workspace_id, NudgeSnooze.team_id == team_id, NudgeSnooze.user_id == user_id
            )
        ).first()
        if row is None:
            row = NudgeSnooze(workspace_id=workspace_id, team_id=team_id, user_id=user_id, until=until)
        row.until = until
        session.add(row)
        return team.name, until
