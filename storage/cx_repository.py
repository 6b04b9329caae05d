"""Queries for the CX feed: which rows are already stored, bulk inserts, team names, and report reads.

Functions take a session and never commit; every query filters by workspace id.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import date
from itertools import chain
from operator import add, itemgetter
from typing import Any, TypeVar

from sqlalchemy import case, delete, func, literal_column, update
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
# What stands for NULL in these columns of a RESPONSE_COLUMNS tuple (no stored value is 0 or ""): the statement
# turns it back into NULL (NULLIF). Binding None costs Python's sqlite3 module about 0.7 µs a value (it looks
# for an adapter), more than SQLite's own work for the column; a million rows bound three million of them.
RESPONSE_NULLS: dict[str, int | str] = {"team_id": 0, "team_label": "", "comment": "", "scale_max": 0}


def day_parameter(session: Session) -> Callable[[date], Any]:
    """How a day is passed to the driver in the rows of `insert_ignoring_duplicates`: ISO text on SQLite
    (what SQLAlchemy's Date stores there), the date itself on PostgreSQL."""
    if session.connection().dialect.name == "sqlite":
        return date.isoformat
    return lambda day: day


def insert_ignoring_duplicates(
    session: Session,
    table: type[CxResponse] | type[CxAggregate],
    rows: list[tuple[Any, ...]],
    same: Collection[str] = (),
) -> int:
    """Bulk insert of tuples in RESPONSE_COLUMNS / AGGREGATE_COLUMNS order, days as `day_parameter` gives
    them, a response's NULLs as RESPONSE_NULLS gives them (an aggregate's as None); a row whose key is already
    stored (or comes twice) is skipped by the unique key, not an error. Returns the number of rows inserted.
    `same` names columns the caller knows hold one value in every row (SQLite binds it once per statement).

    One prepared statement run by the driver's executemany: building SQLAlchemy parameters per row took
    as long as SQLite's own work, and asking first which keys are stored cost a query per batch.
    """
    if not rows:
        return 0
    columns = RESPONSE_COLUMNS if table is CxResponse else AGGREGATE_COLUMNS
    connection = session.connection()
    name = getattr(table, "__tablename__")  # noqa: B009
    nulls = RESPONSE_NULLS if table is CxResponse else {}
    if connection.dialect.paramstyle == "qmark":
        return _insert_numbered(connection, name, columns, nulls, rows, same)
    one = "(" + ", ".join(f"NULLIF(%s, {nulls[c]!r})" if c in nulls else "%s" for c in columns) + ")"

    def insert(count: int) -> str:
        values = ", ".join([one] * count)
        conflict = "ON CONFLICT (workspace_id, row_key) DO NOTHING"
        return f"INSERT INTO {name} ({', '.join(columns)}) VALUES {values} {conflict}"

    # ROWS_PER_STATEMENT rows per execution: fewer round trips. psycopg sums the rows each execution
    # changed (a skipped duplicate changes none).
    whole = len(rows) - len(rows) % ROWS_PER_STATEMENT
    inserted = 0
    if whole:
        groups = [
            tuple(chain.from_iterable(rows[start : start + ROWS_PER_STATEMENT]))
            for start in range(0, whole, ROWS_PER_STATEMENT)
        ]
        inserted += int(connection.exec_driver_sql(insert(ROWS_PER_STATEMENT), groups).rowcount)
    if whole < len(rows):
        inserted += int(connection.exec_driver_sql(insert(1), rows[whole:]).rowcount)
    return inserted


def _insert_numbered(
    connection: Any,
    name: str,
    columns: tuple[str, ...],
    nulls: dict[str, int | str],
    rows: list[tuple[Any, ...]],
    same: Collection[str],
) -> int:
    """SQLite's `insert_ignoring_duplicates`: ROWS_PER_STATEMENT rows per statement (a fifth less than one
    row per execution), and a column of `same` (the workspace, and in the usual export the metric, the
    scale, an unknown team) bound once per statement as a numbered parameter, or written NULL, instead of
    once per row: SQLite's work per bound value (and NULLIF's) was a seventh of the inserts' instructions.
    Python's sqlite3 sums the rows each execution changed (a skipped duplicate changes none)."""
    constants: list[Any] = []
    cells: dict[str, str] = {}
    varying: list[int] = []
    first = rows[0]
    for index, column in enumerate(columns):
        value = first[index]
        if column not in same or column == "row_key":  # a repeated key is a duplicate to skip, never a constant
            varying.append(index)
        elif value is None or (
            column in nulls and value.__class__ is nulls[column].__class__ and value == nulls[column]
        ):
            cells[column] = "NULL"
        else:
            constants.append(value)
            cells[column] = f"?{len(constants)}"

    def insert(count: int) -> str:
        values = []
        number = len(constants)
        for _row in range(count):
            for index in varying:
                number += 1
                column = columns[index]
                cells[column] = f"NULLIF(?{number}, {nulls[column]!r})" if column in nulls else f"?{number}"
            values.append("(" + ", ".join(cells[column] for column in columns) + ")")
        conflict = "ON CONFLICT (workspace_id, row_key) DO NOTHING"
        return f"INSERT INTO {name} ({', '.join(columns)}) VALUES {', '.join(values)} {conflict}"

    project: Callable[[tuple[Any, ...]], tuple[Any, ...]] = itemgetter(*varying)
    if len(varying) == 1:  # itemgetter of one index gives the value bare
        project = itemgetter(slice(varying[0], varying[0] + 1))
    whole = len(rows) - len(rows) % ROWS_PER_STATEMENT
    inserted = 0
    if whole:
        groups = [
            (*constants, *chain.from_iterable(map(project, rows[start : start + ROWS_PER_STATEMENT])))
            for start in range(0, whole, ROWS_PER_STATEMENT)
        ]
        inserted += int(connection.exec_driver_sql(insert(ROWS_PER_STATEMENT), groups).rowcount)
    if whole < len(rows):
        rest = [(*constants, *project(row)) for row in rows[whole:]]
        inserted += int(connection.exec_driver_sql(insert(1), rest).rowcount)
    return inserted


ROWS_PER_STATEMENT = 100  # 900 bound values, far under SQLite's and PostgreSQL's limits


def last_response_id(session: Session) -> int:
    """The highest cx_response id so far: rows an import adds after this (holding the workspace's lock) are
    the ones whose id is greater; see `add_daily_counts`."""
    return int(session.connection().execute(sa_select(func.max(col(CxResponse.id)))).scalar() or 0)


# The key of the workspace's feed state (Workspace.cx_feed_state, JSON) naming the last cx_response id before an
# import whose file is not confirmed yet (see bot.services.cx_import): the rows after it may be deleted again.
UNCONFIRMED = "unconfirmed_after"


def feed_state(workspace: Workspace) -> dict[str, Any]:
    """The workspace's feed state (empty when it has none, or one that doesn't read)."""
    try:
        state = json.loads(workspace.cx_feed_state) if workspace.cx_feed_state else {}
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def unconfirmed_after(session: Session, workspace_id: str) -> int | None:
    """The last response id before the workspace's unconfirmed import, or None when there is none."""
    workspace = session.get(Workspace, workspace_id)
    marked = feed_state(workspace).get(UNCONFIRMED) if workspace is not None else None
    return int(marked) if isinstance(marked, int | str) and str(marked).isdigit() else None


Statement = TypeVar("Statement")


def confirmed_only(session: Session, workspace_id: str, statement: Statement) -> Statement:
    """`statement` (a select over cx_response) without the rows of an unconfirmed import: reports read no row
    that may be deleted again, as the per-day counts hold none."""
    after = unconfirmed_after(session, workspace_id)
    if after is None:
        return statement
    return statement.where(col(CxResponse.id) <= after)  # type: ignore[attr-defined, no-any-return]


def delete_responses_after(session: Session, workspace_id: str, after_id: int) -> int:
    """Delete the workspace's responses with an id above `after_id` (an import's own rows, when it holds the
    workspace's turn); the per-day counts are the caller's to rebuild. Returns how many were deleted."""
    result = session.execute(
        delete(CxResponse).where(col(CxResponse.workspace_id) == workspace_id, col(CxResponse.id) > after_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


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


DAILY_COUNTS = ("n", "promoters", "passives", "detractors", "satisfied")
# team_key values besides team ids: answers without a known team, and every answer of the workspace
# (so a workspace report reads one row per day instead of one per team and day).
NO_TEAM = 0
WHOLE_WORKSPACE = -1


def add_daily_counts(session: Session, workspace_id: str, records: list[tuple[Any, ...]]) -> None:
    """Add responses just stored, as the RESPONSE_COLUMNS tuples given to `insert_ignoring_duplicates`
    (every one of them stored), to the per-day counts: one upsert per team key, day and metric.

    Counter tallies identical (team, day, metric, score, scale) in C and the few distinct ones are folded;
    grouping the stored rows in SQL instead cost more than inserting them."""
    add_daily_tally(session, workspace_id, daily_tally(records))


def daily_tally(records: list[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """What `add_daily_counts` adds for `records`, to add later (Counters add up: `+=`)."""
    return Counter(map(_DAILY_FIELDS, records))


def add_daily_tally(session: Session, workspace_id: str, tallied: Counter[tuple[Any, ...]]) -> None:
    """Add a `daily_tally` (of rows stored) to the per-day counts."""
    # Per team first, each (score, scale)'s kind worked out once; the workspace's sums from the teams' after
    # (half the folding a per-row pair of updates took).
    kinds: dict[tuple[int, int], tuple[int, ...]] = {}
    by_team: dict[tuple[int, Any, str], list[int]] = {}
    for (team_id, day, metric, score, scale_max), tally in tallied.items():
        kind = kinds.get((score, scale_max))
        if kind is None:
            satisfied = score >= (scale_max or 5) - 1  # the scale's top two answers
            kind = kinds[(score, scale_max)] = (1, score >= 9, 7 <= score <= 8, score <= 6, satisfied)
        key = (team_id or NO_TEAM, day, metric)
        entry = by_team.get(key)
        if entry is None:
            by_team[key] = [tally * counted for counted in kind]
        else:
            for position, counted in enumerate(kind):
                if counted:
                    entry[position] += tally
    counts = dict(by_team)
    for (_team_key, day, metric), entry in by_team.items():
        whole = counts.get((WHOLE_WORKSPACE, day, metric))
        if whole is None:
            counts[(WHOLE_WORKSPACE, day, metric)] = entry.copy()
        else:
            whole[:] = map(add, whole, entry)
    if not counts:
        return
    mark = _placeholder(session)
    keys = "workspace_id, team_key, day, metric"
    sql = (
        f"INSERT INTO cx_daily ({keys}, {', '.join(DAILY_COUNTS)}) VALUES ({', '.join([mark] * 9)}) "
        f"ON CONFLICT ({keys}) DO UPDATE SET "
        + ", ".join(f"{name} = cx_daily.{name} + excluded.{name}" for name in DAILY_COUNTS)
    )
    rows = [(workspace_id, *key, *entry) for key, entry in counts.items()]
    session.connection().exec_driver_sql(sql, rows)


# (team_id, day, metric, score, scale_max) of a RESPONSE_COLUMNS tuple
_DAILY_FIELDS = itemgetter(5, 2, 3, 4, 8)


def count_daily(session: Session, workspace_id: str, after_id: int | None = None, upto_id: int | None = None) -> None:
    """Add the workspace's responses with an id above `after_id` (all of them when None) and up to `upto_id`
    (when given) to the per-day counts: one grouped INSERT ... SELECT per team key, adding to the days
    already counted.

    Used by `rebuild_daily` over every row, and by an import for a batch of which some rows were already
    stored (else `add_daily_counts` tallies the batch itself, without reading it back). `after_id` comes
    from `last_response_id`, read after `lock_workspace`: only this transaction adds rows of this
    workspace after it. tests/bot/services/test_cx_import.py checks that both give the counts of a rebuild.
    """
    target: Any = getattr(CxDaily, "__table__")  # noqa: B009 (SQLModel types hide __table__)
    dialect = session.connection().dialect.name
    columns = ["workspace_id", "team_key", "day", "metric", *DAILY_COUNTS]
    # Literals, not bound parameters: PostgreSQL must see the same expression in SELECT and GROUP BY.
    by_team = func.coalesce(col(CxResponse.team_id), literal_column(str(NO_TEAM)))
    workspace: Any = col(CxResponse.workspace_id)
    if after_id is not None and dialect == "sqlite":
        # "+" keeps SQLite from reading the whole workspace through the row-key index: the new rows are
        # the id range's (EXPLAIN QUERY PLAN: SEARCH cx_response USING INTEGER PRIMARY KEY (rowid>?)).
        workspace = literal_column("+cx_response.workspace_id")
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
        ).where(workspace == workspace_id)
        if after_id is not None:
            counted = counted.where(col(CxResponse.id) > after_id)
        if upto_id is not None:
            counted = counted.where(col(CxResponse.id) <= upto_id)
        counted = counted.group_by(col(CxResponse.workspace_id), *groups, col(CxResponse.day), col(CxResponse.metric))
        statement: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)
        statement = statement.from_select(columns, counted)
        statement = statement.on_conflict_do_update(
            index_elements=["workspace_id", "team_key", "day", "metric"],
            set_={name: getattr(target.c, name) + getattr(statement.excluded, name) for name in DAILY_COUNTS},
        )
        session.execute(statement)


def rebuild_daily(session: Session, workspace_id: str) -> None:
    """Recount a workspace's per-day counts from its response rows (after relinking, or a direct load)."""
    session.execute(delete(CxDaily).where(col(CxDaily.workspace_id) == workspace_id))
    count_daily(session, workspace_id)
