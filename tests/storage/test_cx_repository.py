"""The CX feed's bulk insert: columns the same in every row bound once (SQLite), and the same rows on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from storage import cx_repository
from storage import repositories as repo
from storage.db import Database
from storage.models import CxAggregate, CxResponse, Team
from tests.conftest import BOTH_BACKENDS

WORKSPACE = "T0001"
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
QUOTED = "said \"never again\", then; 'fine' \\ ok"
UNICODE = "Hyvää palvelua 😀 – kiitos\nrivi 2"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        with database.session_scope() as session:
            repo.ensure_workspace(session, WORKSPACE, NOW)
        yield database
    finally:
        database.dispose()


def _team(db: Database) -> int:
    with db.session_scope() as session:
        team = Team(workspace_id=WORKSPACE, channel_id="C1", channel_name="support", name="Support", created_at=NOW)
        session.add(team)
        session.flush()
        assert team.id is not None
        return team.id


def _insert(db: Database, rows: list[tuple[Any, ...]], same: tuple[str, ...]) -> int:
    with db.session_scope() as session:
        day = cx_repository.day_parameter(session)
        rows = [(*row[:2], day(row[2]), *row[3:]) for row in rows]
        return cx_repository.insert_ignoring_duplicates(session, CxResponse, rows, same)


def _stored(db: Database) -> list[tuple[Any, ...]]:
    with db.session_scope() as session:
        found = session.exec(select(CxResponse).order_by(CxResponse.id)).all()  # type: ignore[arg-type]
        return [
            (r.workspace_id, r.row_key, r.day, r.metric, r.score, r.team_id, r.team_label, r.comment, r.scale_max)
            for r in found
        ]


def _row(key: str, score: int, *, label: str = "", comment: str = "", team_id: int = 0) -> tuple[Any, ...]:
    """A RESPONSE_COLUMNS tuple as the import makes it (0 / "" for NULL), a CSAT on a 1–7 scale."""
    return (WORKSPACE, key, date(2026, 2, 2), "csat", score, team_id, label, comment, 7)


@BOTH_BACKENDS
@pytest.mark.parametrize("per_statement", [3, 100])
def test_columns_the_same_in_every_row_are_stored_as_given(
    db: Database, per_statement: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constant columns (a NULL team id, a metric and a scale) bound once, the varying ones per row: the
    stored rows are the rows given, NULL stand-ins back to NULL, quotes and unicode as written; duplicate
    keys inside one statement and keys stored before are skipped and not counted."""
    monkeypatch.setattr(cx_repository, "ROWS_PER_STATEMENT", per_statement)
    assert _insert(db, [_row("id:csat:old", 1)], ("workspace_id", "metric", "scale_max", "team_id")) == 1
    rows = [
        _row("id:csat:a", 7, label="Support", comment=QUOTED),
        _row("id:csat:b", 6, comment=UNICODE),
        _row("id:csat:a", 1, label="Sales"),  # a duplicate inside the statement: the first one is kept
        _row("id:csat:c", 5, label="Sales"),
        _row("id:csat:old", 2),  # stored before
        _row("id:csat:d", 4, label="Support", comment="?1 ?2 NULL '' "),
        _row("id:csat:e", 3),
    ]
    same = ("workspace_id", "metric", "scale_max", "team_id")
    assert _insert(db, rows, same) == 5
    day = date(2026, 2, 2)
    assert _stored(db) == [
        (WORKSPACE, "id:csat:old", day, "csat", 1, None, None, None, 7),
        (WORKSPACE, "id:csat:a", day, "csat", 7, None, "Support", QUOTED, 7),
        (WORKSPACE, "id:csat:b", day, "csat", 6, None, None, UNICODE, 7),
        (WORKSPACE, "id:csat:c", day, "csat", 5, None, "Sales", None, 7),
        (WORKSPACE, "id:csat:d", day, "csat", 4, None, "Support", "?1 ?2 NULL '' ", 7),
        (WORKSPACE, "id:csat:e", day, "csat", 3, None, None, None, 7),
    ]


@BOTH_BACKENDS
def test_a_constant_team_and_an_empty_scale_and_varying_columns_otherwise(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team id the same in every row is stored (bound once); a constant 0 scale is NULL; with nothing
    named the same, every column is bound per row, and both give the rows given."""
    monkeypatch.setattr(cx_repository, "ROWS_PER_STATEMENT", 2)
    team = _team(db)
    nps = [(WORKSPACE, f"id:nps:{i}", date(2026, 2, 1 + i), "nps", i, team, "Support", "", 0) for i in range(5)]
    assert _insert(db, nps, ("workspace_id", "metric", "scale_max", "team_id", "team_label", "comment")) == 5
    mixed = [
        (WORKSPACE, "id:nps:9", date(2026, 2, 9), "nps", 9, team, "Support", "x", 0),
        (WORKSPACE, "id:csat:9", date(2026, 2, 9), "csat", 2, 0, "", "", 5),
        (WORKSPACE, "id:nps:0", date(2026, 2, 9), "nps", 0, 0, "", "", 0),  # stored before
    ]
    assert _insert(db, mixed, ()) == 2
    got = _stored(db)
    assert got[:5] == [
        (WORKSPACE, f"id:nps:{i}", date(2026, 2, 1 + i), "nps", i, team, "Support", None, None) for i in range(5)
    ]
    assert got[5:] == [
        (WORKSPACE, "id:nps:9", date(2026, 2, 9), "nps", 9, team, "Support", "x", None),
        (WORKSPACE, "id:csat:9", date(2026, 2, 9), "csat", 2, None, None, None, 5),
    ]


@BOTH_BACKENDS
def test_aggregates_bind_the_workspace_once_and_keep_their_nulls(db: Database) -> None:
    given: list[tuple[Any, ...]] = [
        (WORKSPACE, "id:nps:m1", date(2026, 1, 31), "nps", 31.5, 120, None, "Helsinki"),
        (WORKSPACE, "id:nps:m2", date(2026, 2, 28), "nps", -4.0, None, None, None),
        (WORKSPACE, "id:nps:m1", date(2026, 1, 31), "nps", 99.0, 1, None, None),  # a duplicate key
    ]
    with db.session_scope() as session:
        day = cx_repository.day_parameter(session)
        rows = [(*row[:2], day(row[2]), *row[3:]) for row in given]
        assert cx_repository.insert_ignoring_duplicates(session, CxAggregate, rows, ("workspace_id",)) == 2
    with db.session_scope() as session:
        found = session.exec(select(CxAggregate).order_by(CxAggregate.row_key)).all()  # type: ignore[arg-type]
        assert [(a.row_key, a.day, a.value, a.count, a.team_id, a.team_label) for a in found] == [
            ("id:nps:m1", date(2026, 1, 31), 31.5, 120, None, "Helsinki"),
            ("id:nps:m2", date(2026, 2, 28), -4.0, None, None, None),
        ]


@BOTH_BACKENDS
def test_only_the_key_varies(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cx_repository, "ROWS_PER_STATEMENT", 2)
    rows = [_row(f"id:csat:{i}", 6, label="Sales", comment="same") for i in (1, 2, 3, 2, 4)]
    assert _insert(db, rows, cx_repository.RESPONSE_COLUMNS) == 4
    day = date(2026, 2, 2)
    assert _stored(db) == [(WORKSPACE, f"id:csat:{i}", day, "csat", 6, None, "Sales", "same", 7) for i in (1, 2, 3, 4)]
