"""The engine's connections: reads outside a transaction, writes in one session scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from storage import repositories as repo
from storage.db import Database
from tests.conftest import BOTH_BACKENDS


def _in_transaction(dbapi_connection: Any) -> bool:
    info = getattr(dbapi_connection, "info", None)
    if info is not None and hasattr(info, "transaction_status"):  # psycopg 3
        from psycopg import pq

        return bool(info.transaction_status != pq.TransactionStatus.IDLE)
    return bool(dbapi_connection.in_transaction)  # sqlite3


@BOTH_BACKENDS
def test_reading_sees_committed_rows_and_leaves_no_transaction_open(database_url: str) -> None:
    db = Database(database_url)
    try:
        with db.session_scope() as session:
            repo.ensure_workspace(session, "T0001", datetime(2026, 3, 30, tzinfo=UTC))
        with db.reading() as connection:
            assert connection.execute(text("SELECT id FROM workspace")).scalars().all() == ["T0001"]
            # No BEGIN was sent for the read, so nothing is held open (and no ROLLBACK is needed on return).
            assert not _in_transaction(connection.connection.dbapi_connection)
    finally:
        db.dispose()
