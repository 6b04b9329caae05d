"""Queries for the CX feed: which rows are already stored, bulk inserts, team names, and report reads.

Functions take a session and never commit; every query filters by workspace id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import CxAggregate, CxResponse, Team, TeamAlias

CHUNK = 2000


def existing_keys(
    session: Session, workspace_id: str, table: type[CxResponse] | type[CxAggregate], keys: Sequence[str]
) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        found.update(
            session.exec(
                select(table.row_key).where(table.workspace_id == workspace_id, col(table.row_key).in_(chunk))
            ).all()
        )
    return found


def insert_ignoring_duplicates(
    session: Session, table: type[CxResponse] | type[CxAggregate], rows: list[dict[str, Any]]
) -> None:
    """Bulk insert; a row another import stored meanwhile is skipped by the unique key, not an error."""
    if not rows:
        return
    # Core executemany on the Table (not the ORM bulk path): one compiled statement for the whole batch.
    target: Any = getattr(table, "__table__")  # noqa: B009 (SQLModel types hide __table__)
    connection = session.connection()
    dialect = connection.dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(target).on_conflict_do_nothing(index_elements=["workspace_id", "row_key"])
    elif dialect == "sqlite":
        statement = sqlite.insert(target).on_conflict_do_nothing(index_elements=["workspace_id", "row_key"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        statement = insert(target)
    for start in range(0, len(rows), CHUNK):
        connection.execute(statement, rows[start : start + CHUNK])


def team_lookup(session: Session, workspace_id: str) -> dict[str, int]:
    """Lower-cased team name, channel name and alias -> team id (aliases win over names)."""
    lookup: dict[str, int] = {}
    for team in session.exec(select(Team).where(Team.workspace_id == workspace_id)).all():
        assert team.id is not None
        lookup.setdefault(team.channel_name.lower().lstrip("#"), team.id)
        lookup[team.name.lower()] = team.id
    for alias in session.exec(select(TeamAlias).where(TeamAlias.workspace_id == workspace_id)).all():
        lookup[alias.alias.lower()] = alias.team_id
    return lookup


def set_alias(session: Session, workspace_id: str, alias: str, team_id: int) -> None:
    alias = alias.strip().lower()
    row = session.exec(
        select(TeamAlias).where(TeamAlias.workspace_id == workspace_id, TeamAlias.alias == alias)
    ).first()
    if row is None:
        session.add(TeamAlias(workspace_id=workspace_id, alias=alias, team_id=team_id))
    else:
        row.team_id = team_id


def aliases(session: Session, workspace_id: str) -> list[tuple[str, int]]:
    rows = session.exec(
        select(TeamAlias).where(TeamAlias.workspace_id == workspace_id).order_by(col(TeamAlias.alias))
    ).all()
    return [(row.alias, row.team_id) for row in rows]


def relink_team_labels(session: Session, workspace_id: str, lookup: dict[str, int]) -> None:
    """Rows imported before a team (or alias) existed get linked once their label is known."""
    for table in (CxResponse, CxAggregate):
        rows: Iterable[Any] = session.exec(
            select(table).where(
                table.workspace_id == workspace_id, col(table.team_id).is_(None), col(table.team_label).is_not(None)
            )
        ).all()
        for row in rows:
            team_id = lookup.get(str(row.team_label).lower())
            if team_id is not None:
                row.team_id = team_id
