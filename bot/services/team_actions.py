"""Team actions ("you said, we did"): a manager commits to an action on a need, marks it done; the digest
lists them and the next pulse DM starts with "Since last time"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from bot.deps import Deps
from bot.domain.team_actions import ActionView
from bot.services import teams
from bot.timeutil import to_db
from storage.db import Database
from storage.models import PulseRound, TeamAction

LISTED_MAX = 10
RECALLED_MAX = 3


class ActionGone(Exception):
    """No such action in this workspace."""


def _view(action: TeamAction) -> ActionView:
    assert action.id is not None
    return ActionView(
        action.id, action.team_id, action.need, action.text, action.owner_id, action.due_on, action.done_at is not None
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


def team_actions(db: Database, workspace_id: str, team_id: int) -> list[ActionView]:
    """Open actions first (by due date), then the most recently done; at most LISTED_MAX."""
    with db.session_scope() as session:
        rows = session.exec(
            select(TeamAction)
            .where(TeamAction.workspace_id == workspace_id, TeamAction.team_id == team_id)
            .order_by(col(TeamAction.done_at).is_not(None), col(TeamAction.due_on), col(TeamAction.id).desc())
            .limit(LISTED_MAX)
        ).all()
        return [_view(row) for row in rows]


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


def export_rows(session: Session, workspace_id: str, team_names: dict[int | None, str]) -> list[list[object]]:
    """The export's action rows: team, committed on, need, open or done, the text (managers wrote it for the team)."""
    rows = session.exec(
        select(TeamAction).where(TeamAction.workspace_id == workspace_id).order_by(col(TeamAction.created_at))
    ).all()
    return [
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
