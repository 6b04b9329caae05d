"""Scheduled CX feed pulls: every minute the job looks for feeds that are due, one scheduler claims each pull,
and an import with problems goes to `import_problem` (the scheduler's wiring: a DM to the admin who set it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from bot.deps import Deps
from bot.domain.cximport import ImportSummary
from bot.services.cx_import import import_for_workspace
from bot.timeutil import from_db, to_db
from storage.db import Database
from storage.models import Workspace

logger = logging.getLogger(__name__)


def _claim_pull(db: Database, workspace_id: str, previous: datetime | None, now: datetime) -> bool:
    """Only one scheduler pulls a feed per interval: the conditional update decides."""
    with db.session_scope() as session:
        condition = (
            col(Workspace.cx_feed_last_pull_at).is_(None)
            if previous is None
            else col(Workspace.cx_feed_last_pull_at) == previous
        )
        result = session.execute(
            update(Workspace)
            .where(col(Workspace.id) == workspace_id, condition)
            .values(cx_feed_last_pull_at=to_db(now))
        )
        return bool(getattr(result, "rowcount", 0))


# A scheduled import that rejected rows or failed: (deps, workspace, the admin who set the feed, its summary).
# Telling the admin is Slack's business; the scheduler's wiring hands in handlers.delivery.tell_import_problem.
ImportProblem = Callable[[Deps, str, str, ImportSummary], None]


def cx_feed_tick(deps: Deps, import_problem: ImportProblem) -> None:
    """Scheduled pulls: each workspace's feed once per CX_FEED_INTERVAL_MINUTES; rejections go to import_problem."""
    now = deps.now()
    interval = timedelta(minutes=deps.settings.cx_feed_interval_minutes)
    with deps.db.session_scope() as session:
        due = [
            (w.id, w.cx_feed_last_pull_at, w.cx_feed_set_by)
            for w in session.exec(select(Workspace)).all()
            if (w.cx_feed_source or deps.settings.cx_feed_url)
            and (w.cx_feed_last_pull_at is None or now - from_db(w.cx_feed_last_pull_at) >= interval)
        ]
    for workspace_id, previous, set_by in due:
        if not _claim_pull(deps.db, workspace_id, previous, now):
            continue
        try:
            summary = import_for_workspace(deps.settings, deps.db, workspace_id, now)
        except Exception:  # one broken feed must not stop the others; the traceback is logged
            logger.exception("CX import failed for workspace %s", workspace_id)
            continue
        if set_by and (summary.rejected or summary.status in ("rejected", "failed")):
            with deps.acting_for(workspace_id) as installed:
                if installed:  # OAuth mode: the admin of a workspace without an installation can't be told
                    import_problem(deps, workspace_id, set_by, summary)
