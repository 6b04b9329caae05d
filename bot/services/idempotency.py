"""Claim-once keys: Slack retries an event or a person double-clicks; the second claim loses."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import ProcessedEvent


def claim_once(db: Database, workspace_id: str, key: str, now: datetime) -> bool:
    """True for the first caller with this key, False for every later one (a unique constraint decides)."""
    try:
        with db.session_scope() as session:
            session.add(ProcessedEvent(workspace_id=workspace_id, key=key[:200], created_at=now))
    except IntegrityError:
        return False
    return True


def forget_older_than(db: Database, cutoff: datetime) -> int:
    """Slack retries within minutes; keys older than a few days only take space."""
    with db.session_scope() as session:
        result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < cutoff))  # type: ignore[arg-type]
        return int(getattr(result, "rowcount", 0) or 0)


RETENTION = timedelta(days=7)
