"""What the Home tab shows a person: only their own answers, and group numbers only from k answers up."""

from __future__ import annotations

import json

from sqlmodel import col, select

from bot.deps import Deps
from bot.domain import policy
from bot.domain.anonymity import is_reportable, reportable_count
from bot.domain.home import CxFeedStatus, HomeModel, LatestRound, RoundParticipation, WinLine
from bot.domain.questions import NEEDS
from bot.services import feedback, languages, reports, rounds, slack_problems, teams
from bot.timeutil import from_db
from storage import repositories as repo
from storage.models import PulseRound, RoundResult, Win, Workspace

HOME_COMMENTS = 10  # Home shows fewer comments than the report (never fewer than k)


def build_home(deps: Deps, workspace_id: str, user_id: str) -> HomeModel:
    k = deps.settings.anonymity_min
    team = teams.home_team_of(deps, workspace_id, user_id)
    actor = teams.actor_of(deps, workspace_id, user_id)
    is_admin = actor.is_admin
    is_manager = bool(team and team.id in actor.managed)
    place = teams.place_of(deps, workspace_id, team.id) if team is not None else None
    may_run_team = team is not None and policy.may(actor, policy.Action.SET_SCHEDULE, team.id, place=place)
    with deps.db.session_scope() as session:
        person = repo.person(session, workspace_id, user_id)
        latest = None
        wins: list[WinLine] = []
        participation: list[RoundParticipation] = []
        if team is not None:
            row = session.exec(
                select(RoundResult, PulseRound)
                .join(PulseRound, col(PulseRound.id) == col(RoundResult.round_id))
                .where(RoundResult.workspace_id == workspace_id, RoundResult.team_id == team.id)
                .order_by(col(RoundResult.round_id).desc())
            ).first()
            if row is not None:
                result, pulse_round = row
                means: dict[str, float] | None = None
                if is_reportable(result.answered, k):
                    means = {
                        need: getattr(result, f"{need}_sum") / getattr(result, f"{need}_n")
                        for need in NEEDS
                        if is_reportable(getattr(result, f"{need}_n"), k)
                    }
                closed = from_db(pulse_round.closed_at).date().isoformat() if pulse_round.closed_at else ""
                latest = LatestRound(pulse_round.number, closed, result.answered, result.invited, means)
            wins = [
                _win_line(w)
                for w in session.exec(
                    select(Win)
                    .where(Win.workspace_id == workspace_id, Win.team_id == team.id)
                    .order_by(col(Win.created_at).desc())
                    .limit(5)
                )
            ]
            if policy.may(actor, policy.Action.SEE_PARTICIPATION, team.id):
                participation = [
                    RoundParticipation(r.number, reportable_count(r.answered, k), r.invited, r.status == "open")
                    for r in session.exec(
                        select(PulseRound)
                        .where(PulseRound.workspace_id == workspace_id, PulseRound.team_id == team.id)
                        .order_by(col(PulseRound.number).desc())
                        .limit(6)
                    )
                ]
        own_wins = [
            _win_line(w)
            for w in session.exec(
                select(Win)
                .where(Win.workspace_id == workspace_id, Win.author_id == user_id)
                .order_by(col(Win.created_at).desc())
                .limit(5)
            )
        ]
        cx_feed = None
        if is_admin:
            workspace = session.get(Workspace, workspace_id)
            if workspace is not None:
                summary = json.loads(workspace.cx_feed_last_summary) if workspace.cx_feed_last_summary else None
                cx_feed = CxFeedStatus(
                    workspace.cx_feed_source or deps.settings.cx_feed_url,
                    from_db(workspace.cx_feed_last_pull_at) if workspace.cx_feed_last_pull_at else None,
                    summary,
                )
    comments = None
    if team is not None and policy.may(actor, policy.Action.TEAM_REPORT, team.id):
        start, end = reports.period_ending(reports.local_today(deps.settings, deps.now()), reports.DEFAULT_WEEKS)
        comments = feedback.pulse_comments(deps.db, workspace_id, team.id, start, end, k=k, limit=HOME_COMMENTS)
    return HomeModel(
        comments=comments,
        can_reply=team is not None and policy.may(actor, policy.Action.REPLY_TO_COMMENT, team.id),
        may_set_up=policy.may(actor, policy.Action.SET_UP_TEAM),
        may_run_team=may_run_team,
        user_id=user_id,
        anonymity_min=k,
        team=team,
        is_admin=is_admin,
        is_manager=is_manager,
        muted=bool(person and person.muted),
        open_round=rounds.open_round_of_person(deps, workspace_id, user_id),
        latest=latest,
        wins=wins,
        participation=participation,
        cx_feed=cx_feed,
        own_wins=own_wins,
        who=languages.who_am_i(deps, workspace_id, user_id),
        slack_notices=slack_problems.home_notices(
            deps, workspace_id, user_id, team, is_admin=is_admin, is_manager=is_manager
        ),
    )


def _win_line(win: Win) -> WinLine:
    assert win.id is not None
    return WinLine(win.id, win.author_id, win.text, win.reactions, from_db(win.created_at))
