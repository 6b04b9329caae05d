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
