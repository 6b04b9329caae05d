"""Manager nudges after a round closes: at most one per team per week, each manager in their language,
with one suggested action from the bank; a manager can snooze a team's nudges for four weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.deps import Deps
from bot.domain.nudges import SNOOZE_DAYS, dropped_needs, suggestion_key, week_start
from bot.services import reports, rounds, teams
from storage import repositories as repo
from storage.models import ManagerNudge, NudgeSnooze


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


@dataclass(frozen=True)
class Nudge:
    """A nudge due after a round's close, claimed for its week: what dropped, and who is to hear of it."""

    workspace_id: str
    team_id: int
    team_name: str
    need: str
    change: float
    suggestion_key: str
    managers: tuple[str, ...]  # the team's managers who haven't snoozed its nudges


def due_nudge(deps: Deps, closed: rounds.ClosedRound) -> Nudge | None:
    """After a round closes: the nudge to the team's managers when a need dropped beyond noise, at most one per
    team and week (claimed here); None otherwise. handlers.delivery.nudge_after_round sends it."""
    workspace_id = closed.workspace_id
    with deps.db.session_scope() as session:
        team_row = repo.team_by_id(session, workspace_id, closed.team_id)
        if team_row is None:
            return None
        team = teams.view_of(session, team_row)
        scope = reports.team_scope(workspace_id, team_row)
    today = reports.local_today(deps.settings, deps.now())
    start, end = reports.period_ending(today, reports.DIGEST_WEEKS)
    report = reports.build_report(
        deps.db, scope, start, end, k=deps.settings.anonymity_min, timezone=deps.settings.default_timezone
    )
    dropped = dropped_needs(report.needs)
    if not dropped or not team.managers:
        return None
    need = dropped[0]
    if not _claim_week(deps, workspace_id, team.id, week_start(today), need.need):
        return None
    snoozed = _snoozed(deps, workspace_id, team.id, today)
    return Nudge(
        workspace_id=workspace_id,
        team_id=team.id,
        team_name=team.name,
        need=need.need,
        change=need.change or 0.0,
        suggestion_key=suggestion_key(need.need, today),
        managers=tuple(manager for manager in team.managers if manager not in snoozed),
    )


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
