"""Enterprise Grid org-wide installs: the org's workspaces Pulssi is granted, as Slack's `team_access_revoked`
and `team_access_granted` events say (an org admin took the app out of some workspaces, or added it to more).

The install keeps one row per workspace taken out (storage.models.RevokedWorkspace, under the org's E… key);
granting it again removes the row. While a workspace is out:
- its people are not pulsed, DM'd, reminded or counted as invitees by the org install (bot.domain.audience:
  a person of two workspaces, one still granted, goes on), and their team membership waits, inactive;
- a team whose channel belongs to it (`Team.slack_team_id`) starts no rounds and posts no digests: it is
  paused, nothing is deleted, and it resumes when the workspace is granted again;
- the org's admins see one notice on Home naming the workspaces.

Only the install the event was delivered to is touched, and only its own rows are ever read: team ids of
another org, or of a standalone workspace, named in an event change nothing of theirs. A retry changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.blocks import escape
from bot.deps import Deps
from bot.domain.audience import in_granted_workspace
from bot.domain.slack_errors import Notice
from bot.domain.workspaces import is_org_install
from bot.timeutil import from_db, to_db
from storage.models import RevokedWorkspace, Team, Workspace

logger = logging.getLogger(__name__)

TEAM_ID = re.compile(r"^T[A-Z0-9]{1,31}$")  # a Slack workspace id; anything else in `team_ids` is ignored
MAX_TEAM_IDS = 1000
REVOKED = "team_access_revoked"  # a withdrawn delivery's last_error


def workspace_ids(team_ids: object) -> list[str]:
    """The event's `team_ids` that are workspace ids, each once (a bad list is an empty one)."""
    if not isinstance(team_ids, list):
        return []
    return list(dict.fromkeys(t for t in team_ids[:MAX_TEAM_IDS] if isinstance(t, str) and TEAM_ID.match(t)))


def _installed_org(session: Session, workspace_id: str) -> bool:
    """An org-wide install that is not uninstalled. Bolt delivers an event only to an installation it
    authorized (OAuth mode: a stored org-wide install); in single-token mode the org's row may not exist yet
    (no team set up), and the revocation still counts."""
    workspace = session.get(Workspace, workspace_id)
    return is_org_install(workspace_id) and (workspace is None or workspace.uninstalled_at is None)


def revoked(deps: Deps, workspace_id: str, team_ids: Iterable[str]) -> list[str]:
    """The org took Pulssi out of these workspaces; the ones newly out (a retry: none). Not an org-wide
    install (a workspace's own install), or an uninstalled one: nothing."""
    wanted = list(dict.fromkeys(team_ids))
    with deps.db.session_scope() as session:
        if not wanted or not _installed_org(session, workspace_id):
            return []
        known = revoked_of(session, workspace_id)
        new = [team_id for team_id in wanted if team_id not in known]
        for team_id in new:
            session.add(
                RevokedWorkspace(workspace_id=workspace_id, slack_team_id=team_id, revoked_at=to_db(deps.now()))
            )
    if new:
        logger.warning(
            "org %s: Pulssi taken out of %s workspace(s): their people and teams are paused", workspace_id, len(new)
        )
    return new


def granted(deps: Deps, workspace_id: str, team_ids: Iterable[str]) -> list[str]:
    """The org granted these workspaces (again); the ones that were out. Their teams and people resume."""
    wanted = list(dict.fromkeys(team_ids))
    if not wanted or not is_org_install(workspace_id):
        return []
    with deps.db.session_scope() as session:
        back = sorted(revoked_of(session, workspace_id) & set(wanted))
        if back:
            session.execute(
                delete(RevokedWorkspace).where(
                    col(RevokedWorkspace.workspace_id) == workspace_id, col(RevokedWorkspace.slack_team_id).in_(back)
                )
            )
    if back:
        logger.info("org %s: %s workspace(s) granted again: their people and teams resume", workspace_id, len(back))
    return back


def revoked_of(session: Session, workspace_id: str) -> frozenset[str]:
    """The install's workspaces that are out (none for anything but an org-wide install)."""
    if not is_org_install(workspace_id):
        return frozenset()
    rows = session.exec(select(RevokedWorkspace.slack_team_id).where(RevokedWorkspace.workspace_id == workspace_id))
    return frozenset(rows)


def revoked_workspaces(deps: Deps, workspace_id: str) -> frozenset[str]:
    with deps.db.session_scope() as session:
        return revoked_of(session, workspace_id)


def all_revoked(deps: Deps) -> dict[str, frozenset[str]]:
    """Every install's workspaces that are out, in one query (for a job's loop over every team)."""
    out: dict[str, set[str]] = {}
    with deps.db.session_scope() as session:
        for workspace_id, team_id in session.exec(
            select(RevokedWorkspace.workspace_id, RevokedWorkspace.slack_team_id)
        ):
            out.setdefault(workspace_id, set()).add(team_id)
    return {workspace_id: frozenset(teams) for workspace_id, teams in out.items()}


def paused_since(session: Session, team: Team) -> datetime | None:
    """When the team's channel's workspace was taken out of its org-wide install: the team is paused since
    then; None while it is not paused."""
    if team.slack_team_id is None or not is_org_install(team.workspace_id):
        return None
    revoked_at = session.exec(
        select(RevokedWorkspace.revoked_at).where(
            RevokedWorkspace.workspace_id == team.workspace_id, RevokedWorkspace.slack_team_id == team.slack_team_id
        )
    ).first()
    return None if revoked_at is None else from_db(revoked_at)


def is_paused(team: Team, revoked: dict[str, frozenset[str]]) -> bool:
    """A team whose channel belongs to a workspace taken out of its org-wide install."""
    return team.slack_team_id is not None and team.slack_team_id in revoked.get(team.workspace_id, frozenset())


def team_paused(deps: Deps, workspace_id: str, team_id: int) -> bool:
    with deps.db.session_scope() as session:
        team = session.get(Team, team_id)
        if team is None or team.workspace_id != workspace_id or team.slack_team_id is None:
            return False
        return team.slack_team_id in revoked_of(session, workspace_id)


def person_out(deps: Deps, workspace_id: str, user_id: str, revoked: frozenset[str] | None = None) -> bool:
    """Whether the org install no longer reaches the person: every workspace of theirs was taken out."""
    out = revoked_workspaces(deps, workspace_id) if revoked is None else revoked
    if not out:
        return False
    return not in_granted_workspace(deps.users.get(user_id).account, out)


def home_notices(deps: Deps, workspace_id: str, *, is_admin: bool) -> list[Notice]:
    """For the org's admins, while any workspace is out: one notice naming them and the teams paused."""
    if not is_admin or not is_org_install(workspace_id):
        return []
    with deps.db.session_scope() as session:
        rows = list(
            session.exec(
                select(RevokedWorkspace)
                .where(RevokedWorkspace.workspace_id == workspace_id)
                .order_by(col(RevokedWorkspace.revoked_at), col(RevokedWorkspace.slack_team_id))
            )
        )
        if not rows:
            return []
        out = [row.slack_team_id for row in rows]
        paused = session.exec(
            select(Team.name).where(Team.workspace_id == workspace_id, col(Team.slack_team_id).in_(out))
        ).all()
    since = from_db(rows[0].revoked_at).strftime("%Y-%m-%d %H:%M UTC")
    params: dict[str, object] = {
        "workspaces": ", ".join(f"`{team_id}`" for team_id in out),
        "since": since,
        "teams": ", ".join(escape(name) for name in sorted(paused)) or "-",
    }
    return [Notice("teamaccess.revoked", params)]
