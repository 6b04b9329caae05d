"""Team actions ("you said, we did"): a manager commits to an action on a need, marks it done; the digest
lists them and the next pulse DM starts with "Since last time". The first round opened after an action is
done asks the team once "did this help?"; its answers live under the round's keyed hash while it is open
(as pulse answers do) and become the action's counts when it closes (`aggregate_help`)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, tzinfo

from sqlalchemy import or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, delete, func, select

from bot.deps import Deps
from bot.domain.anonymity import is_reportable
from bot.domain.team_actions import HELP_NO, HELP_UNSURE, HELP_YES, ActionView, help_result
from bot.services import teams
from bot.timeutil import from_db, to_db
from storage.db import Database
from storage.models import ActionHelpAnswer, PulseRound, TeamAction

LISTED_MAX = 10
RECALLED_MAX = 3


class ActionGone(Exception):
    """No such action in this workspace."""


def _view(
    action: TeamAction, k: int | None = None, help_closed: bool = False, zone: tzinfo | None = None
) -> ActionView:
    """The action as shown; with `k`, its "did this help?" counts once the asking round closed, gated at k; with
    `zone`, the days it was committed and done on there (the report's zone, so its markers fall in its periods)."""
    assert action.id is not None

    def day(moment: datetime | None) -> date | None:
        return None if moment is None or zone is None else from_db(moment).astimezone(zone).date()

    return ActionView(
        action.id,
        action.team_id,
        action.need,
        action.text,
        action.owner_id,
        action.due_on,
        action.done_at is not None,
        created_on=day(action.created_at),
        done_on=day(action.done_at),
        help=None if k is None else help_result(help_closed, action.help_yes, action.help_no, action.help_unsure, k),
    )


def commit_action(
    deps: Deps, workspace_id: str, team_id: int, actor: str, *, need: str, text: str, owner_id: str, due_on: date
) -> ActionView:
    """The team's managers (and workspace admins) commit to an action."""
    teams.require_team_manager(deps, workspace_id, team_id, actor)
    with deps.db.session_scope() as session:
        action = TeamAction(
            workspace_id=workspace_id,
            team_id=team_id,
            need=need,
            text=text.strip(),
            owner_id=owner_id,
            due_on=due_on,
            created_by=actor,
            created_at=to_db(deps.now()),
        )
        session.add(action)
        session.flush()
        return _view(action)


def mark_done(deps: Deps, workspace_id: str, action_id: int, actor: str) -> ActionView:
    """The action's team managers, admins or its owner mark it done (twice is harmless)."""
    with deps.db.session_scope() as session:
        action = session.exec(
            select(TeamAction).where(TeamAction.workspace_id == workspace_id, TeamAction.id == action_id)
        ).first()
        if action is None:
            raise ActionGone()
        team_id, owner = action.team_id, action.owner_id
    if actor != owner:
        teams.require_team_manager(deps, workspace_id, team_id, actor)
    with deps.db.session_scope() as session:
        action = session.exec(select(TeamAction).where(TeamAction.id == action_id)).one()
        if action.done_at is None:
            action.done_at = to_db(deps.now())
            session.add(action)
        return _view(action)


def team_actions(
    db: Database, workspace_id: str, team_id: int, *, k: int, zone: tzinfo | None = None
) -> list[ActionView]:
    """Open actions first (by due date), then the most recently done; at most LISTED_MAX. Each done action
    carries its "did this help?" counts once the round that asked has closed (at k, or suppressed); with
    `zone` (a report's), the days each was committed and done on there."""
    asking = aliased(PulseRound)
    with db.session_scope() as session:
        rows = session.exec(
            select(TeamAction, asking.status)
            .outerjoin(asking, col(asking.id) == col(TeamAction.help_round_id))
            .where(TeamAction.workspace_id == workspace_id, TeamAction.team_id == team_id)
            .order_by(col(TeamAction.done_at).is_not(None), col(TeamAction.due_on), col(TeamAction.id).desc())
            .limit(LISTED_MAX)
        ).all()
        return [_view(row, k, status == "closed", zone) for row, status in rows]


# ----- "did this help?" ------------------------------------------------------------------------------------


def claim_help_round(session: Session, workspace_id: str, team_id: int, round_id: int) -> None:
    """A round opening asks about the actions done since the last asking round, each once only: at most
    RECALLED_MAX, the oldest action first, as many as its DM shows (`help_questions`); the rest wait for the next
    round, so none is counted as asked without having been."""
    waiting = session.exec(
        select(TeamAction.id)
        .where(
            TeamAction.workspace_id == workspace_id,
            TeamAction.team_id == team_id,
            col(TeamAction.done_at).is_not(None),
            col(TeamAction.help_round_id).is_(None),
        )
        .order_by(col(TeamAction.id))
        .limit(RECALLED_MAX)
    ).all()
    if waiting:
        session.execute(update(TeamAction).where(col(TeamAction.id).in_(waiting)).values(help_round_id=round_id))


def help_questions(session: Session, workspace_id: str, round_id: int) -> list[ActionView]:
    """The actions a round's pulse DM asks "did this help?" about (the same for everyone in the round)."""
    rows = session.exec(
        select(TeamAction)
        .where(TeamAction.workspace_id == workspace_id, TeamAction.help_round_id == round_id)
        .order_by(col(TeamAction.id))
        .limit(RECALLED_MAX)
    ).all()
    return [_view(row) for row in rows]


def save_help_answer(
    session: Session, workspace_id: str, round_id: int, respondent: str, action_id: int, value: str
) -> bool:
    """Store or change one answer under the round's keyed hash; False when the round doesn't ask about it."""
    asked = session.exec(
        select(TeamAction.id).where(
            TeamAction.workspace_id == workspace_id, TeamAction.id == action_id, TeamAction.help_round_id == round_id
        )
    ).first()
    if asked is None:
        return False
    existing = session.exec(
        select(ActionHelpAnswer).where(
            ActionHelpAnswer.round_id == round_id,
            ActionHelpAnswer.respondent == respondent,
            ActionHelpAnswer.action_id == action_id,
        )
    ).first()
    if existing is None:
        existing = ActionHelpAnswer(
            workspace_id=workspace_id, round_id=round_id, respondent=respondent, action_id=action_id, value=value
        )
    existing.value = value
    session.add(existing)
    return True


def aggregate_help(session: Session, round_id: int) -> None:
    """At the round's close: its answers become each action's counts and are deleted (no hash is kept)."""
    counted = Counter(
        (action_id, value)
        for action_id, value in session.exec(
            select(ActionHelpAnswer.action_id, ActionHelpAnswer.value).where(ActionHelpAnswer.round_id == round_id)
        )
    )
    columns = {HELP_YES: TeamAction.help_yes, HELP_NO: TeamAction.help_no, HELP_UNSURE: TeamAction.help_unsure}
    for (action_id, value), count in counted.items():
        column = columns.get(value)
        if column is not None:
            session.execute(
                update(TeamAction).where(col(TeamAction.id) == action_id).values({column: col(column) + count})
            )
    session.execute(delete(ActionHelpAnswer).where(col(ActionHelpAnswer.round_id) == round_id))


def since_last_time(session: Session, workspace_id: str, team_id: int, round_id: int) -> list[ActionView]:
    """What a round's pulse DM recalls: the team's open actions and those done since its previous round opened."""
    previous: datetime | None = session.exec(
        select(func.max(PulseRound.opened_at)).where(
            PulseRound.workspace_id == workspace_id, PulseRound.team_id == team_id, PulseRound.id != round_id
        )
    ).one()
    # Open actions, and those done since the previous round (every done one when this is the first round).
    recent = col(TeamAction.done_at) >= previous if previous is not None else col(TeamAction.done_at).is_not(None)
    condition = or_(col(TeamAction.done_at).is_(None), recent)
    rows = session.exec(
        select(TeamAction)
        .where(TeamAction.workspace_id == workspace_id, TeamAction.team_id == team_id, condition)
        .order_by(col(TeamAction.done_at).is_(None), col(TeamAction.id).desc())
        .limit(RECALLED_MAX)
    ).all()
    return [_view(row) for row in rows]


def export_rows(session: Session, workspace_id: str, team_names: dict[int | None, str], k: int) -> list[list[object]]:
    """The export's action rows: team, committed on, need, open or done, the text (managers wrote it for the
    team); then, for an action the team was asked about, its "did this help?" yes share and n, from k."""
    rows = session.exec(
        select(TeamAction).where(TeamAction.workspace_id == workspace_id).order_by(col(TeamAction.created_at))
    ).all()
    closed = set(
        session.exec(
            select(PulseRound.id).where(PulseRound.workspace_id == workspace_id, PulseRound.status == "closed")
        )
    )
    helped: list[list[object]] = [
        [
            "action_help",
            team_names.get(row.team_id, ""),
            row.created_at.date().isoformat(),
            "",
            "",
            "",
            "did_this_help_yes_percent",
            round(100.0 * row.help_yes / n, 1),
            n,
            row.text,
            "",
        ]
        for row in rows
        if row.help_round_id in closed and is_reportable(n := row.help_yes + row.help_no + row.help_unsure, k)
    ]
    committed: list[list[object]] = [
        [
            "action",
            team_names.get(row.team_id, ""),
            row.created_at.date().isoformat(),
            "",
            "",
            "",
            row.need,
            "done" if row.done_at is not None else "open",
            "",
            row.text,
            "",
        ]
        for row in rows
    ]
    return committed + helped
