"""The workspaces a database holds, for the shell's choice of one (bot.domain.workspaces)."""

from __future__ import annotations

from sqlmodel import col, select

from storage.db import Database
from storage.models import Workspace


def known_workspace_ids(db: Database) -> list[str]:
    with db.session_scope() as session:
        return list(session.exec(select(Workspace.id).order_by(col(Workspace.id))).all())
