"""The schema is made only by Alembic: the migration head must equal the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database
from storage.migrate import current_revision, head_revision
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


@BOTH_BACKENDS
def test_every_table_carries_the_workspace_id(database_url: str) -> None:
    for table in SQLModel.metadata.sorted_tables:
        column = "id" if table.name == "workspace" else "workspace_id"
        assert column in table.columns, f"{table.name} has no {column}"


@BOTH_BACKENDS
def test_cx_daily_migration_counts_existing_answers(database_url: str) -> None:
    """0003 backfills the per-day counts from the answers already stored, per team and for the workspace."""
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config

    config = alembic_config(database_url)
    command.downgrade(config, "0002")
    db = Database(database_url)
    try:
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
        command.upgrade(config, "head")
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
    finally:
        db.dispose()
