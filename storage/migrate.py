"""Alembic, driven from code: the schema is made only by migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' must be escaped for ConfigParser interpolation (passwords may contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


# What migrations delete or drop (answers, round keys, statements, rotation offsets) stays in the database
# files until they are rewritten: PostgreSQL keeps a dropped column's values in every tuple.
SCRUBBED_AFTER_UPGRADE = ("pulse_answer", "pulse_comment", "delivery", "pulse_round", "person", "round_result")


def upgrade_to_head(database_url: str) -> None:
    from storage.db import Database

    db = Database(database_url)
    try:
        before = current_revision(db.engine)
        command.upgrade(alembic_config(database_url), "head")
        if current_revision(db.engine) != before:  # not on every start: VACUUM FULL locks the tables
            db.scrub(SCRUBBED_AFTER_UPGRADE)
    finally:
        db.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
