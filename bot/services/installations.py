"""OAuth mode's lifecycle: installing (again), uninstalling, revoked tokens, and purging what is left behind.

- `app_uninstalled`, or `tokens_revoked` naming the bot: every token of the workspace is deleted and its
  sending stops at once. Its data stays RETENTION_DAYS (30), so installing again within that time restores the
  workspace as it was; after that, or at the next housekeeping run when an admin asked for deletion
  (`pulssi forget-workspace`), every row of the workspace is purged.
- `tokens_revoked` naming only people: their user tokens are deleted; the bot goes on.

A workspace key is a workspace install's team id (T…), or an org-wide Enterprise Grid install's org id (E…):
one installation, one token and one workspace row for every workspace of the org (handlers.common.workspace_id_of).
"""

from __future__ import annotations

import http.client
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import SQLModel, col, select

from bot.deps import Deps
from bot.domain.workspaces import is_org_install
from bot.services import slack_problems
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.db import Database
from storage.installations import rows_of
from storage.models import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE, Workspace

logger = logging.getLogger(__name__)

RETENTION_DAYS = 30
RETENTION = timedelta(days=RETENTION_DAYS)
UNINSTALLED = "app_uninstalled"
REVOKED = "tokens_revoked"


def installed(deps: Deps, workspace_id: str) -> None:
    """A (re-)install finished: the workspace is kept again, and sending resumes with the new token."""
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        restored = workspace.uninstalled_at is not None
        workspace.uninstalled_at = None
        workspace.purge_requested_at = None
        if is_org_install(workspace_id) and workspace.enterprise_id is None:
            workspace.enterprise_id = workspace_id  # as single-token org-wide mode keeps it (teams.setup_team)
        session.add(workspace)
    slack_problems.resume_sending(deps, workspace_id)
    logger.info("workspace %s %s", workspace_id, "installed again: its data is kept" if restored else "installed")


def installed_key(team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool) -> str | None:
    """The workspace key an installation Bolt just saved is kept under: the org's for an org-wide install
    (its `team` is null), else the workspace's."""
    if is_enterprise_install:
        return enterprise_id or None
    return team_id or None


def uninstalled_key(deps: Deps, team_id: str, enterprise_id: str) -> str:
    """Which installation an `app_uninstalled` or `tokens_revoked` is about. They come without
    `authorizations`, with the envelope's `team_id` and, in Grid, `enterprise_id`: a workspace installed on its
    own (Grid or not) is its team's; otherwise, in a Grid org installed org-wide, the org's. A standalone
    workspace's event never names an org, so it can't reach an org's installation, nor the other way round.

    A Grid workspace may be installed on its own and through its org's install too, and the envelope names both
    either way: the installation is the one whose bot token Slack now refuses. When neither live token is
    refused, it is one whose tokens are gone already (the uninstall's other event came first; Slack does not
    order the two), never a live installation Slack still accepts."""
    if team_id.startswith("E"):
        return team_id
    if not enterprise_id or deps.installations is None:
        return team_id
    store = deps.installations.store
    live = [key for key in (team_id, enterprise_id) if store.latest_for_team(key) is not None]
    if len(live) == 1 and not store.has_rows(enterprise_id if live[0] == team_id else team_id):
        return live[0]  # the only installation there is: no call to Slack needed
    for key in live:
        if _token_refused(deps, key):
            return key
    gone = [key for key in (team_id, enterprise_id) if key not in live and store.has_rows(key)]
    if gone:
        return gone[0]
    return live[0] if live else team_id


def _token_refused(deps: Deps, key: str) -> bool:
    """Whether Slack refuses the installation's bot token now (auth.test); unknown (Slack unreachable) is no."""
    try:
        with deps.acting_for(key) as installed:
            return installed and slack_problems.token_refusal(deps) is not None
    except (OSError, http.client.HTTPException):
        logger.warning("workspace %s: auth.test unreachable while telling which installation was revoked", key)
        return False


def uninstalled(deps: Deps, workspace_id: str, reason: str = UNINSTALLED) -> None:
    """Stop all sending for the workspace and delete its tokens; its data waits RETENTION_DAYS for a re-install."""
    if deps.installations is not None:
        deps.installations.store.forget_team_tokens(workspace_id, bot=True, every_user=True)
    slack_problems.stop_sending(deps, workspace_id, reason)
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        if workspace.uninstalled_at is None:
            workspace.uninstalled_at = to_db(deps.now())
        session.add(workspace)
    logger.warning("workspace %s: %s; its tokens are deleted and nothing more is sent", workspace_id, reason)


def tokens_revoked(deps: Deps, workspace_id: str, bot_user_ids: list[str], user_ids: list[str]) -> None:
    if bot_user_ids:
        uninstalled(deps, workspace_id, REVOKED)
    if user_ids and deps.installations is not None:
        deps.installations.store.forget_team_tokens(workspace_id, bot=False, users=tuple(user_ids))
        logger.info("workspace %s: %s user token(s) revoked and deleted", workspace_id, len(user_ids))


def request_purge(db: Database, workspace_id: str, now: datetime) -> bool:
    """An admin asked for the uninstalled workspace's data to go: purged at the next housekeeping run.
    False when the workspace is still installed (uninstall it first) or unknown."""
    with db.session_scope() as session:
        workspace = session.get(Workspace, workspace_id)
        if workspace is None or workspace.uninstalled_at is None:
            return False
        workspace.purge_requested_at = to_db(now)
        session.add(workspace)
    return True


def purge_uninstalled(deps: Deps) -> list[str]:
    """Delete every row of each workspace uninstalled RETENTION_DAYS ago, or whose purge an admin asked for."""
    cutoff = deps.now() - RETENTION
    with deps.db.session_scope() as session:
        due = [
            w.id
            for w in session.exec(select(Workspace).where(col(Workspace.uninstalled_at).is_not(None)))
            if w.purge_requested_at is not None or (w.uninstalled_at and from_db(w.uninstalled_at) <= cutoff)
        ]
    purged = [workspace_id for workspace_id in due if purge_workspace(deps, workspace_id)]
    for workspace_id in purged:
        logger.warning("workspace %s: uninstalled data purged", workspace_id)
    return purged


def purge_workspace(deps: Deps, workspace_id: str) -> bool:
    """Every row that belongs to the workspace, children before parents, in one transaction.

    The purge is chosen before it runs, and an install may finish in between: a workspace installed again
    (its row locked, so an install finishing now waits) is left alone, and an installation that still holds a
    token is one Bolt has just saved, whose success callback hasn't marked the workspace installed yet."""
    with deps.db.session_scope() as session:
        workspace = session.exec(select(Workspace).where(col(Workspace.id) == workspace_id).with_for_update()).first()
        if workspace is None or workspace.uninstalled_at is None:
            return False
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name == "workspace":
                continue
            if table.name in (INSTALLATIONS_TABLE, BOTS_TABLE):
                session.execute(delete(table).where(rows_of(table, workspace_id), table.c.bot_token.is_(None)))
            elif "workspace_id" in table.c:
                session.execute(delete(table).where(table.c.workspace_id == workspace_id))
        session.execute(delete(Workspace).where(col(Workspace.id) == workspace_id))
    return True


def forget_expired_oauth_states(db: Database) -> None:
    """Anyone may open /slack/install, and each visit stores a state that slack_sdk's store deletes only when it
    is used: expired ones go here, so the table can't grow without end. The store dates them by the wall clock
    (naive UTC), so this does too."""
    states = SQLModel.metadata.tables[OAUTH_STATES_TABLE]
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.session_scope() as session:
        session.execute(delete(states).where(states.c.expire_at <= now))
