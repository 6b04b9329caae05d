"""Queries for the CX feed: which rows are already stored, bulk inserts, team names, and report reads.

Functions take a session and never commit; every query filters by workspace id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, insert, literal_column, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import CxAggregate, CxDaily, CxResponse, Team, TeamAlias, Workspace

CHUNK = 2000


def _placeholder(session: Session) -> str:
    return "?" if session.connection().dialect.paramstyle == "qmark" else "%s"


def existing_keys(
    session: Session, workspace_id: str, table: type[CxResponse] | type[CxAggregate], keys: Sequence[str]
) -> set[str]:
    """The keys among `keys` already stored (one driver-level query per chunk: no ORM work per key)."""
    found: set[str] = set()
    connection = session.connection()
    mark = _placeholder(session)
    name = getattr(table, "__tablename__")  # noqa: B009 (SQLModel types hide __tablename__)
    for start in range(0, len(keys), CHUNK):
        chunk = list(keys[start : start + CHUNK])
        marks = ", ".join([mark] * len(chunk))
        sql = f"SELECT row_key FROM {name} WHERE workspace_id = {mark} AND row_key IN ({marks})"
        found.update(row[0] for row in connection.exec_driver_sql(sql, (workspace_id, *chunk)))
    return found


RESPONSE_COLUMNS = (
    "workspace_id",
    "row_key",
    "day",
    "metric",
    "score",
    "team_id",
    "team_label",
    "comment",
    "scale_max",
)
AGGREGATE_COLUMNS = ("workspace_id", "row_key", "day", "metric", "value", "count", "team_id", "team_label")


def insert_ignoring_duplicates(
    session: Session, table: type[CxResponse] | type[CxAggregate], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk insert of tuples in RESPONSE_COLUMNS / AGGREGATE_COLUMNS order; a row another import stored
    meanwhile is skipped by the unique key, not an error.

    One prepared statement run by the driver's executemany: building SQLAlchemy parameters per row took
    as long as SQLite's own work. Days go as ISO text on SQLite (what SQLAlchemy's Date stores there).
    """
    if not rows:
        return
    columns = RESPONSE_COLUMNS if table is CxResponse else AGGREGATE_COLUMNS
    connection = session.connection()
    mark = _placeholder(session)
    name = getattr(table, "__tablename__")  # noqa: B009
    sql = (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        "ON CONFLICT (workspace_id, row_key) DO NOTHING"
    )
    if connection.dialect.name == "sqlite":
        rows = [(*row[:2], row[2].isoformat(), *row[3:]) for row in rows]
    connection.exec_driver_sql(sql, rows)


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


def relink_team_labels(session: Session, workspace_id: str, lookup: dict[str, int]) -> int:
    """Rows imported before their team (or alias) existed get linked once their label is known.

    One UPDATE per known label (teams are few); the per-day counts are rebuilt when anything moved.
    """
    moved = 0
    for table in (CxResponse, CxAggregate):
        for label, team_id in lookup.items():
            result = session.execute(
                update(table)
                .where(
                    col(table.workspace_id) == workspace_id,
                    col(table.team_id).is_(None),
                    func.lower(col(table.team_label)) == label,
                )
                .values(team_id=team_id)
            )
            if table is CxResponse:
                moved += int(getattr(result, "rowcount", 0) or 0)
    if moved:
        rebuild_daily(session, workspace_id)
    return moved


def lock_workspace(session: Session, workspace_id: str) -> None:
    """Serialise imports of one workspace (a row lock on PostgreSQL, the write lock on SQLite), so the
    duplicate check and the per-day counts never race another import."""
    session.execute(update(Workspace).where(col(Workspace.id) == workspace_id).values(id=Workspace.id))


def _daily_upsert(session: Session) -> Any:
    target: Any = getattr(CxDaily, "__table__")  # noqa: B009 (SQLModel types hide __table__)
    dialect = session.connection().dialect.name
    statement: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["workspace_id", "team_key", "day", "metric"],
        set_={name: getattr(target.c, name) + getattr(excluded, name) for name in DAILY_COUNTS},
    )


DAILY_COUNTS = ("n", "promoters", "passives", "detractors", "satisfied")
# team_key values besides team ids: answers without a known team, and every answer of the workspace
# (so a workspace report reads one row per day instead of one per team and day).
NO_TEAM = 0
WHOLE_WORKSPACE = -1


def add_daily_counts(
    session: Session, workspace_id: str, rows: list[tuple[int | None, date, str, int, int | None]]
) -> None:
    """Add newly stored responses, as (team_id, day, metric, score, scale_max), to the per-day counts
    (one upsert per team, day and metric)."""
    counts: dict[tuple[int, date, str], list[int]] = {}
    # Counter tallies identical (team, day, metric, score, scale) tuples in C; the few distinct ones are folded.
    for (team_id, day, metric, score, scale_max), tally in Counter(rows).items():
        promoter, passive, detractor = score >= 9, 7 <= score <= 8, score <= 6
        satisfied = score >= (scale_max or 5) - 1  # the scale's top two answers
        for team_key in (team_id or NO_TEAM, WHOLE_WORKSPACE):
            entry = counts.setdefault((team_key, day, metric), [0, 0, 0, 0, 0])
            entry[0] += tally
            entry[1] += tally * promoter
            entry[2] += tally * passive
            entry[3] += tally * detractor
            entry[4] += tally * satisfied
    if not counts:
        return
    values = [
        {"workspace_id": workspace_id, "team_key": team_key, "day": day, "metric": metric}
        | dict(zip(DAILY_COUNTS, entry, strict=True))
        for (team_key, day, metric), entry in counts.items()
    ]
    session.connection().execute(_daily_upsert(session), values)


def rebuild_daily(session: Session, workspace_id: str) -> None:
    """Recount a workspace's per-day counts from its response rows (after relinking, or a direct load)."""
    session.execute(delete(CxDaily).where(col(CxDaily.workspace_id) == workspace_id))
    target: Any = getattr(CxDaily, "__table__")  # noqa: B009 (SQLModel types hide __table__)
    columns = ["workspace_id", "team_key", "day", "metric", *DAILY_COUNTS]
    # Literals, not bound parameters: PostgreSQL must see the same expression in SELECT and GROUP BY.
    by_team = func.coalesce(col(CxResponse.team_id), literal_column(str(NO_TEAM)))
    for team_key, groups in ((by_team, [by_team]), (literal_column(str(WHOLE_WORKSPACE)), [])):
        score = col(CxResponse.score)
        counted = sa_select(
            col(CxResponse.workspace_id),
            team_key,
            col(CxResponse.day),
            col(CxResponse.metric),
            func.count(),
            func.sum(case((score >= 9, 1), else_=0)),
            func.sum(case(((score >= 7) & (score <= 8), 1), else_=0)),
            func.sum(case((score <= 6, 1), else_=0)),
            func.sum(case((score >= func.coalesce(col(CxResponse.scale_max), 5) - 1, 1), else_=0)),
        ).where(col(CxResponse.workspace_id) == workspace_id)
        counted = counted.group_by(col(CxResponse.workspace_id), *groups, col(CxResponse.day), col(CxResponse.metric))
        session.execute(insert(target).from_select(columns, counted))
