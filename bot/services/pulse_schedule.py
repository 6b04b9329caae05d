"""The pulse tick: start scheduled rounds, send due DMs and reminders, close rounds whose window ended."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.deps import Deps
from bot.domain import schedule as schedule_domain
from bot.domain.anonymity import reportable_count
from bot.services import outbox, rounds, team_access
from bot.services.rounds import ClosedRound
from bot.timeutil import from_db, to_db
from storage.models import PulseRound, Team

logger = logging.getLogger(__name__)

# What follows a round's close (the digest, a nudge): rendering and sending to Slack, which the scheduler's wiring
# provides (handlers.delivery.after_close), so this use case stays free of Block Kit.
AfterClose = Callable[[Deps, ClosedRound], None]

# A round is created this long before its date starts anywhere on Earth (UTC+14), so every person's
# local 09:00 is still ahead when the DMs are queued.
EARLIEST_OFFSET = timedelta(hours=14)


def set_schedule(deps: Deps, workspace_id: str, team_id: int, actor: str, new: schedule_domain.Schedule) -> date:
    """Store the schedule and anchor it on its next date; returns that date."""
    from bot.domain.policy import Action
    from bot.services.teams import NoTeam, require_team_manager
    from storage import repositories as repo

    require_team_manager(deps, workspace_id, team_id, actor, Action.SET_SCHEDULE)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        today = deps.now().astimezone(schedule_domain.zone(team.timezone, deps.settings.default_timezone)).date()
        team.every_weeks = new.every_weeks
        team.weekday = new.weekday
        team.at_time = new.at.strftime("%H:%M")
        first = today + timedelta(days=(new.weekday - today.weekday()) % 7)
        team.anchor_date = first
        session.add(team)
        return first


def _round_days_since(session: Session, team: Team, since: date) -> list[date]:
    """The days of the team's rounds (manual or scheduled) from `since` on."""
    return list(
        session.exec(
            select(col(PulseRound.scheduled_for)).where(
                PulseRound.workspace_id == team.workspace_id,
                PulseRound.team_id == team.id,
                col(PulseRound.scheduled_for) >= since,
            )
        )
    )


def next_round_date(session: Session, team: Team, today: date) -> date:
    """The date the next scheduled round really starts: not one that has started, nor one a manual round
    already stands for."""
    schedule = schedule_domain.schedule_of(team)
    anchor = team.anchor_date or _default_anchor(team)
    since = today - timedelta(days=7 * schedule.every_weeks)
    return schedule_domain.next_open_date(schedule, anchor, today, _round_days_since(session, team, since))


@dataclass(frozen=True)
class OpenRoundStatus:
    number: int
    answered: int | None  # None below k: a live count could let a manager watch who answered
    invited: int
    closes_at: datetime


@dataclass(frozen=True)
class TeamStatus:
    """What `/pulse status` shows of a team's schedule: its next round's date and the open round, if any."""

    next_date: date
    open_round: OpenRoundStatus | None


def team_status(deps: Deps, workspace_id: str, team_id: int) -> TeamStatus:
    from bot.services.teams import NoTeam
    from storage import repositories as repo

    k = deps.settings.anonymity_min
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        today = deps.now().astimezone(schedule_domain.zone(team.timezone, deps.settings.default_timezone)).date()
        next_date = next_round_date(session, team, today)
        open_round = repo.open_round(session, workspace_id, team_id)
        open_status = None
        if open_round is not None:
            answered = repo.respondent_count(session, workspace_id, open_round.id or 0)
            open_status = OpenRoundStatus(
                open_round.number, reportable_count(answered, k), open_round.invited, from_db(open_round.closes_at)
            )
    return TeamStatus(next_date, open_status)


def _default_anchor(team: Team) -> date:
    created = team.created_at.date()
    return created + timedelta(days=(team.weekday - created.weekday()) % 7)


def start_scheduled_rounds(deps: Deps) -> int:
    """Start each team's round for its current scheduled date, once, while that round's window lasts."""
    now = deps.now()
    started = 0
    with deps.db.session_scope() as session:
        all_teams = list(session.exec(select(Team)))
    revoked = team_access.all_revoked(deps)
    for team in all_teams:
        assert team.id is not None
        if team_access.is_paused(team, revoked):
            continue  # its channel's workspace was taken out of the org-wide install: paused, not deleted
        schedule = schedule_domain.schedule_of(team)
        anchor = team.anchor_date or _default_anchor(team)
        window_days = deps.settings.pulse_window_days
        # The newest scheduled date whose start (anywhere on Earth) has come.
        search_from = (now - timedelta(days=7 * schedule.every_weeks + 1)).date()
        due: date | None = None
        candidate = schedule_domain.next_round_date(schedule, anchor, search_from)
        while True:
            day_start = schedule_domain.local_send_time(candidate, schedule.at, "UTC", "UTC") - EARLIEST_OFFSET
            if day_start > now:
                break
            due = candidate
            candidate = schedule_domain.next_round_date(schedule, anchor, candidate + timedelta(days=1))
        if due is None:
            continue
        # Missed while down: still start it if its window has not ended (3 working days ~ up to 5 calendar days).
        latest_start = schedule_domain.window_close(
            schedule_domain.local_send_time(due, schedule.at, team.timezone, deps.settings.default_timezone).astimezone(
                schedule_domain.zone(team.timezone, deps.settings.default_timezone)
            ),
            window_days,
        )
        if now >= latest_start:
            continue
        # A round already opened for this period (the scheduled one, or a manual one standing for it).
        with deps.db.session_scope() as session:
            round_days = _round_days_since(session, team, due - timedelta(days=7 * schedule.every_weeks))
        if any(schedule_domain.stands_for(schedule, due, day) for day in round_days):
            continue
        try:
            with deps.acting_for(team.workspace_id) as installed:
                if not installed:
                    continue  # OAuth mode, the workspace has no installation: no round, no DM with another token
                if rounds.start_round(deps, team.workspace_id, team.id, manual=False, scheduled_for=due):
                    started += 1
        except Exception:
            logger.exception("could not start the scheduled round of team %s", team.id)
    return started


def close_due_rounds(deps: Deps, after_close: AfterClose) -> int:
    now = deps.now()
    with deps.db.session_scope() as session:
        due = session.exec(
            select(PulseRound.id, PulseRound.workspace_id).where(
                PulseRound.status == "open", col(PulseRound.closes_at) <= to_db(now)
            )
        ).all()
    closed = 0
    paused = _paused_team_ids(deps) if due else frozenset()
    for round_id, workspace_id in due:
        assert round_id is not None
        # A round closes whether or not its workspace is installed (the answers become aggregates);
        # only an installed one gets its DMs updated and its digest.
        with deps.acting_for(workspace_id) as installed:
            result = rounds.close_round(deps, workspace_id, round_id)
            if result is not None:
                closed += 1
                if installed and result.team_id not in paused:  # a paused team's channel gets no digest
                    after_close(deps, result)
    return closed


def _paused_team_ids(deps: Deps) -> frozenset[int]:
    revoked = team_access.all_revoked(deps)
    if not revoked:
        return frozenset()
    with deps.db.session_scope() as session:
        teams = session.exec(select(Team).where(col(Team.workspace_id).in_(list(revoked))))
        return frozenset(team.id for team in teams if team.id is not None and team_access.is_paused(team, revoked))


def pulse_tick(deps: Deps, after_close: AfterClose) -> None:
    start_scheduled_rounds(deps)
    outbox.send_due_pulses(deps)
    outbox.send_due_reminders(deps)
    close_due_rounds(deps, after_close)
