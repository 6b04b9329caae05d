"""Manager nudges: at most one per team per week, whatever its kind, each manager in their language with one
suggested action from the bank; a manager can snooze a team's nudges for four weeks.

A need dropping beyond noise is looked for when a round closes (handlers.delivery.after_close); the other
kinds in the scheduler's `nudge_tick`: a tough-moment request waiting for acknowledgement, the team's NPS
detractor share rising beyond noise, and four weeks of wins no manager reacted to. The rules are in
bot.domain.nudges; the unique (team, week) row decides which nudge, if any, goes out this week.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.deps import Deps
from bot.domain import nudges as rules
from bot.domain import schedule as schedule_domain
from bot.domain.nudges import SNOOZE_DAYS, dropped_needs, suggestion_key, week_start
from bot.domain.people import TeamView
from bot.services import reports, rounds, teams
from bot.services.languages import translator_for_person
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.models import CxDaily, ManagerNudge, NudgeSnooze, Team, ToughRequest, ToughRequestManager, Win

logger = logging.getLogger(__name__)


def _claim_week(deps: Deps, workspace_id: str, team_id: int, week: date, kind: str, need: str | None) -> bool:
    """The unique (team, week) row decides: a second close, a retry, another kind or a second process sends
    nothing this week."""
    try:
        with deps.db.session_scope() as session:
            session.add(ManagerNudge(workspace_id=workspace_id, team_id=team_id, week_start=week, kind=kind, need=need))
    except IntegrityError:
        return False
    return True


def _week_taken(session: Session, workspace_id: str, team_id: int, week: date) -> bool:
    found = session.exec(
        select(ManagerNudge.id).where(
            ManagerNudge.workspace_id == workspace_id, ManagerNudge.team_id == team_id, ManagerNudge.week_start == week
        )
    ).first()
    return found is not None


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


def _today(deps: Deps) -> date:
    return reports.local_today(deps.settings, deps.now())


def _nudge(
    deps: Deps,
    workspace_id: str,
    team: TeamView,
    kind: str,
    need: str,
    recipients: Sequence[str],
    change: float = 0.0,
) -> bool:
    """Claim the team's week and DM each recipient who hasn't snoozed the team; nothing (and the week stays
    free) when every one of them has. True when the nudge went out."""
    from bot.blocks.nudges import nudge_dm

    today = _today(deps)
    snoozed = _snoozed(deps, workspace_id, team.id, today)
    # never anyone outside the installation (a Slack Connect person named a manager)
    awake = [m for m in recipients if m not in snoozed and not teams.is_outsider(deps, workspace_id, m)]
    if not awake:
        return False
    if not _claim_week(deps, workspace_id, team.id, week_start(today), kind, need if kind == rules.NEED_DROP else None):
        return False
    for manager in awake:
        text, blocks = nudge_dm(
            translator_for_person(deps, workspace_id, manager),
            team_id=team.id,
            team_name=team.name,
            kind=kind,
            need=need,
            suggestion_key=suggestion_key(need, today),
            change=change,
        )
        try:
            deps.client.chat_postMessage(channel=manager, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning("nudge DM failed: %s", error.response.get("error"))
    return True


def nudge_after_round(deps: Deps, closed: rounds.ClosedRound) -> None:
    """After a round closes (handlers.delivery.after_close): one nudge to the team's managers when a need
    dropped beyond noise."""
    workspace_id = closed.workspace_id
    with deps.db.session_scope() as session:
        team_row = repo.team_by_id(session, workspace_id, closed.team_id)
        if team_row is None:
            return
        team = teams.view_of(session, team_row)
        scope = reports.team_scope(workspace_id, team_row)
    today = _today(deps)
    start, end = reports.period_ending(today, reports.DIGEST_WEEKS)
    report = reports.build_report(
        deps.db, scope, start, end, k=deps.settings.anonymity_min, timezone=deps.settings.default_timezone
    )
    dropped = dropped_needs(report.needs)
    if not dropped or not team.managers:
        return
    need = dropped[0]
    _nudge(deps, workspace_id, team, rules.NEED_DROP, need.need, team.managers, change=need.change or 0.0)


# ----- the scheduler's tick: the other kinds ----------------------------------------------------------------


def _detractors(session: Session, workspace_id: str, team_id: int, first: date, last: date) -> tuple[int, int]:
    """(detractors, NPS answers) of the team's imported responses in [first, last]."""
    detractors, answers = session.exec(
        select(func.coalesce(func.sum(CxDaily.detractors), 0), func.coalesce(func.sum(CxDaily.n), 0)).where(
            CxDaily.workspace_id == workspace_id,
            CxDaily.team_key == team_id,
            CxDaily.metric == "nps",
            col(CxDaily.day) >= first,
            col(CxDaily.day) <= last,
        )
    ).one()
    return int(detractors or 0), int(answers or 0)


def _detractor_rise(deps: Deps, session: Session, workspace_id: str, team: TeamView) -> bool:
    today = _today(deps)
    days = rules.DETRACTOR_WINDOW.days
    after = _detractors(session, workspace_id, team.id, today - timedelta(days=days - 1), today)
    before = _detractors(
        session, workspace_id, team.id, today - timedelta(days=2 * days - 1), today - timedelta(days=days)
    )
    return rules.detractors_rose(before, after)


def _oldest_unnoticed_win(session: Session, workspace_id: str, team_id: int) -> datetime | None:
    last_noticed = session.exec(
        select(func.max(Win.noticed_at)).where(Win.workspace_id == workspace_id, Win.team_id == team_id)
    ).one()
    statement = select(func.min(Win.created_at)).where(Win.workspace_id == workspace_id, Win.team_id == team_id)
    if last_noticed is not None:
        statement = statement.where(col(Win.created_at) > last_noticed)
    oldest = session.exec(statement).one()
    return from_db(oldest) if oldest is not None else None


def _waiting_requests(session: Session, workspace_id: str, team: TeamView, now: datetime) -> list[str]:
    """The managers chosen for a request still unacknowledged on a working day after its reminder."""
    zone = schedule_domain.zone(team.timezone)
    today = now.astimezone(zone).date()
    chosen: list[str] = []
    for request_id, reminded in session.exec(
        select(ToughRequest.id, ToughRequest.reminder_sent_at).where(
            ToughRequest.workspace_id == workspace_id,
            ToughRequest.team_id == team.id,
            col(ToughRequest.acknowledged_at).is_(None),
            col(ToughRequest.reminder_sent_at).is_not(None),
        )
    ):
        reminded_on = from_db(reminded).astimezone(zone).date() if reminded is not None else None
        if rules.tough_waiting(reminded_on, today, acknowledged=False):
            chosen += session.exec(
                select(ToughRequestManager.user_id).where(ToughRequestManager.request_id == request_id)
            ).all()
    return list(dict.fromkeys(chosen))


def nudge_team(deps: Deps, workspace_id: str, team: TeamView) -> str | None:
    """The first nudge the team's week calls for, most urgent first; its kind when one went out."""
    if not team.managers:
        return None
    now = deps.now()
    with deps.db.session_scope() as session:
        if _week_taken(session, workspace_id, team.id, week_start(_today(deps))):
            return None
        waiting = _waiting_requests(session, workspace_id, team, now)
        detractors_rose = _detractor_rise(deps, session, workspace_id, team)
        unnoticed = rules.wins_unnoticed(_oldest_unnoticed_win(session, workspace_id, team.id), now)
    # The request's chosen managers only: nobody else learns that someone asked for a talk.
    if waiting and _nudge(deps, workspace_id, team, rules.TOUGH_WAITING, "belonging", waiting):
        return rules.TOUGH_WAITING
    for kind, due in ((rules.DETRACTOR_RISE, detractors_rose), (rules.NO_WIN_NOTICED, unnoticed)):
        if due and _nudge(deps, workspace_id, team, kind, rules.SUGGESTION_NEED[kind], team.managers):
            return kind
    return None


def nudge_tick(deps: Deps) -> None:
    """The scheduler's job: every team's nudge for the week, if one is due and the week is still free."""
    with deps.db.session_scope() as session:
        workspaces = [str(w) for w in session.exec(select(Team.workspace_id).distinct()).all()]
    for workspace_id in workspaces:
        with deps.db.session_scope() as session:
            views = teams.workspace_views(session, workspace_id)
        with deps.acting_for(workspace_id) as installed:
            if not installed:  # OAuth mode: no installation, nobody to nudge
                continue
            for team in views:
                try:
                    nudge_team(deps, workspace_id, team)
                except Exception:
                    logger.exception("the nudge check of team %s failed", team.id)


def snooze(deps: Deps, workspace_id: str, team_id: int, user_id: str) -> tuple[str, date]:
    """The team's managers (and admins) silence the team's nudges for themselves for four weeks."""
    teams.require_team_manager(deps, workspace_id, team_id, user_id)
    until = _today(deps) + timedelta(days=SNOOZE_DAYS)
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


def record_manager_reaction(deps: Deps, workspace_id: str, channel_id: str, message_ts: str, user_id: str) -> None:
    """A reaction on a win's celebration by one of its team's managers: the team's wins are being noticed."""
    with deps.db.session_scope() as session:
        win = session.exec(
            select(Win).where(
                Win.workspace_id == workspace_id, Win.channel_id == channel_id, Win.message_ts == message_ts
            )
        ).first()
        if win is None or win.team_id is None:
            return
        if user_id in repo.manager_ids(session, workspace_id, win.team_id):
            win.noticed_at = to_db(deps.now())
            session.add(win)
