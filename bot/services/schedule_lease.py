"""The schedule lease: which process runs the scheduled jobs, decided by one row in the database.

Taking and renewing are the same conditional UPDATE: it succeeds for the holder itself, or when the row is
free or its lease has run out. Two processes trying at once both run it; the database lets one win (on
PostgreSQL the second waits for the first's row lock and then sees the new holder; SQLite has one writer).
Works the same on SQLite and PostgreSQL, and needs no session-bound lock that a pooled connection could lose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlmodel import col, select

from bot.timeutil import from_db, to_db
from storage.db import Database
from storage.models import ScheduleLease

PULSE_SCHEDULE = "pulse"  # the one row the migration makes


@dataclass(frozen=True)
class LeaseState:
    holder: str | None
    expires_at: datetime | None


def take_or_renew(db: Database, holder: str, now: datetime, seconds: float, name: str = PULSE_SCHEDULE) -> bool:
    """Hold the lease until now + seconds; False when another process holds an unexpired one."""
    lease = ScheduleLease.__table__  # type: ignore[attr-defined]
    with db.session_scope() as session:
        result = session.execute(
            update(lease)
            .where(
                lease.c.name == name,
                or_(lease.c.holder == holder, lease.c.holder.is_(None), lease.c.expires_at < to_db(now)),
            )
            .values(
                holder=holder,
                expires_at=to_db(now + timedelta(seconds=seconds)),
                acquired_at=case((lease.c.holder == holder, lease.c.acquired_at), else_=to_db(now)),
            )
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def release(db: Database, holder: str, name: str = PULSE_SCHEDULE) -> bool:
    """Give the lease up at once (a clean stop), so another process takes over at its next try."""
    lease = ScheduleLease.__table__  # type: ignore[attr-defined]
    with db.session_scope() as session:
        result = session.execute(
            update(lease)
            .where(lease.c.name == name, lease.c.holder == holder)
            .values(holder=None, expires_at=None, acquired_at=None)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def current(db: Database, name: str = PULSE_SCHEDULE) -> LeaseState:
    with db.session_scope() as session:
        row = session.exec(select(ScheduleLease).where(col(ScheduleLease.name) == name)).first()
        if row is None:
            return LeaseState(None, None)
        return LeaseState(row.holder, from_db(row.expires_at) if row.expires_at else None)
