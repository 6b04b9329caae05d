"""Engine and session scope. Nothing is created at import time: callers build a Database from settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

logger = logging.getLogger(__name__)

SQLITE_POOL_SIZE = 48


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # Pooled connections: opening one (and its PRAGMAs) costs more than a transaction. The pool
            # keeps as many as a process has threads that touch the database (gunicorn's 16 plus Bolt's
            # 32 listener threads), so a burst doesn't open and close overflow connections per request.
            # Waits for SQLite's single writer are handled by busy_timeout.
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_SIZE,
            # No bound values in SQLAlchemy's log lines or error messages: they hold hashes, answers, user ids.
            hide_parameters=True,
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL stays consistent after a crash; only the last commits may be lost on power loss.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted rows (answers, respondent hashes, who was invited) are overwritten with zeros, not left
            # in free pages for anyone with a copy of the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True, **kwargs)


def first_line(error: BaseException) -> str:
    """The first line of a database error's message, for a one-line log (drivers add hints and SQL below it)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else type(cause).__name__


class Database:
    """Owns the engine; `session_scope()` is one transaction (services call it once per use case)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for read-only queries, outside any transaction.

        On PostgreSQL it runs in autocommit: no BEGIN and ROLLBACK round trips around a few small queries
        (a third of a one-team report's time), and each statement still reads one consistent snapshot.
        pysqlite already runs SELECTs outside a transaction.
        """
        with self.engine.connect() as connection:
            if self.engine.dialect.name == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def scrub(self, tables: Sequence[str]) -> bool:
        """Remove what deletes left behind in the database files; True when it is all gone.

        SQLite (secure_delete already zeroes deleted content in the pages): a TRUNCATE checkpoint moves the
        WAL's pages, which still hold the deleted rows, into the database and empties the -wal file. A
        reader holding an old snapshot blocks that, so it is retried for a while.
        PostgreSQL: VACUUM FULL rewrites the tables and their indexes, so dead tuples (and the free space a
        plain VACUUM leaves with old bytes in it) are gone from the table files. WAL segments still hold
        them until they are recycled (see the README's threat model). Table names are our own constants.
        """
        if self.dialect == "sqlite":
            for attempt in range(5):
                with self.engine.connect() as connection:
                    busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy:
                    return True
                time.sleep(0.02 * (attempt + 1))
            logger.warning("the SQLite WAL could not be checkpointed: a reader kept it busy")
            return False
        if self.dialect == "postgresql":
            complete = True
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT")
                # VACUUM FULL needs the table alone for a moment: don't queue answers behind a long transaction.
                connection.execute(text("SET lock_timeout = '5s'"))
                for table in tables:
                    try:
                        connection.execute(text(f'VACUUM (FULL, ANALYZE) "{table}"'))
                    except OperationalError:
                        logger.warning("VACUUM FULL of %s timed out waiting for a lock; a plain VACUUM instead", table)
                        connection.execute(text(f'VACUUM (ANALYZE) "{table}"'))
                        complete = False
                connection.execute(text("RESET lock_timeout"))
            return complete
        return False

    def dispose(self) -> None:
        self.engine.dispose()
