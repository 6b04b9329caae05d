"""The schema is made only by Alembic: the migration head must equal the models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database
from storage.migrate import alembic_config, current_revision, head_revision
from tests.conftest import BOTH_BACKENDS


@BOTH_BACKENDS
def test_models_match_migration_head(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert current_revision(db.engine) == head_revision()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == [], f"models and migrations differ; run alembic revision --autogenerate: {differences}"
    finally:
        db.dispose()


# Rows about the deployment, not about any workspace's people: the schedule lease names a process.
DEPLOYMENT_TABLES = frozenset({"schedule_lease"})


@BOTH_BACKENDS
def test_every_table_carries_the_workspace_id(database_url: str) -> None:
    for table in SQLModel.metadata.sorted_tables:
        if table.name in DEPLOYMENT_TABLES:
            continue
        column = "id" if table.name == "workspace" else "workspace_id"
        assert column in table.columns, f"{table.name} has no {column}"


@contextmanager
def _downgraded(database_url: str, revision: str) -> Iterator[tuple[Database, Callable[[], None]]]:
    """The test database at an older revision, to fill with old-shaped rows; call the second item to upgrade."""
    config = alembic_config(database_url)
    command.downgrade(config, revision)
    db = Database(database_url)
    try:
        yield db, lambda: command.upgrade(config, "head")
    finally:
        db.dispose()


@BOTH_BACKENDS
def test_cx_daily_migration_counts_existing_answers(database_url: str) -> None:
    """0003 backfills the per-day counts from the answers already stored, per team and for the workspace."""
    with _downgraded(database_url, "0002") as (db, upgrade):
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO workspace (id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
            for key, score, day in [("a", 10, "2026-01-05"), ("b", 3, "2026-01-05"), ("c", 8, "2026-01-06")]:
                connection.execute(
                    text(
                        "INSERT INTO cx_response (workspace_id, row_key, day, metric, score) "
                        "VALUES ('T1', :key, :day, 'nps', :score)"
                    ),
                    {"key": key, "score": score, "day": day},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT team_key, CAST(day AS VARCHAR(10)), n, promoters, passives, detractors FROM cx_daily "
                    "ORDER BY team_key, day"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (-1, "2026-01-05", 2, 1, 0, 1),
            (-1, "2026-01-06", 1, 0, 1, 0),
            (0, "2026-01-05", 2, 1, 0, 1),
            (0, "2026-01-06", 1, 0, 1, 0),
        ]


@BOTH_BACKENDS
def test_one_open_round_migration_closes_duplicates_privately(database_url: str) -> None:
    """0004: a team left with two open rounds keeps the oldest; the newer is closed the way the service closes."""
    with _downgraded(database_url, "0003") as (db, upgrade):
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO workspace (id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
            connection.execute(
                text(
                    "INSERT INTO team (id, workspace_id, channel_id, channel_name, name, name_is_custom, every_weeks,"
                    " weekday, at_time, timezone, rounds_started, created_at) VALUES (1, 'T1', 'C1', 'support',"
                    " 'support', false, 1, 0, '09:00', 'Europe/Helsinki', 2, CURRENT_TIMESTAMP)"
                )
            )
            for round_id in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO pulse_round (id, workspace_id, team_id, number, scheduled_for, opened_at,"
                        " closes_at, status, asks_enps, started_manually, round_key, invited, answered,"
                        " reminders_done, digest_posted) VALUES (:id, 'T1', 1, :id, '2026-11-23',"
                        " '2026-11-23 07:00:00', '2026-11-26 15:00:00', 'open', false, false, :key, 6, 0, false, false)"
                    ),
                    {"id": round_id, "key": b"k" * 32},
                )
                connection.execute(
                    text(
                        "INSERT INTO delivery (workspace_id, round_id, user_id, send_at, question_keys, attempts)"
                        " VALUES ('T1', :id, 'U1', '2026-11-23 07:00:00', 'a,b,c', 1)"
                    ),
                    {"id": round_id},
                )
            for person, value in enumerate([4, 5, 2]):
                connection.execute(
                    text(
                        "INSERT INTO pulse_answer (workspace_id, round_id, respondent, question, value)"
                        " VALUES ('T1', 2, :who, 'autonomy', :value)"
                    ),
                    {"who": f"h{person}", "value": value},
                )
        upgrade()
        with db.engine.connect() as connection:
            rounds = connection.execute(
                text("SELECT id, status, round_key IS NULL, answered FROM pulse_round ORDER BY id")
            ).all()
            assert [tuple(r) for r in rounds] == [(1, "open", False, 0), (2, "closed", True, 3)]
            result = connection.execute(
                text("SELECT answered, autonomy_n, autonomy_sum, autonomy_sq FROM round_result WHERE round_id = 2")
            ).one()
            assert tuple(result) == (3, 3, 11.0, 45.0)
            named = connection.execute(text("SELECT COUNT(*) FROM pulse_answer WHERE respondent IS NOT NULL"))
            assert named.scalar() == 0
            assert connection.execute(text("SELECT round_id FROM delivery")).scalars().all() == [1]
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO pulse_round (workspace_id, team_id, number, scheduled_for, opened_at, closes_at,"
                    " status, asks_enps, started_manually, invited, answered, reminders_done, digest_posted)"
                    " VALUES ('T1', 1, 3, '2026-11-24', '2026-11-24 07:00:00', '2026-11-27 15:00:00', 'open',"
                    " false, false, 6, 0, false, false)"
                )
            )
