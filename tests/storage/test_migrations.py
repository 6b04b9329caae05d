"""The schema is made only by Alembic: the migration head must equal the models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
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
DEPLOYMENT_TABLES = frozenset({"schedule_lease", "slack_oauth_states"})
# slack_sdk's installation tables name the workspace as Slack does: team_id (with enterprise_id).
SLACK_KEYED_TABLES = frozenset({"slack_installations", "slack_bots"})


@BOTH_BACKENDS
def test_every_table_carries_the_workspace_id(database_url: str) -> None:
    for table in SQLModel.metadata.sorted_tables:
        if table.name in DEPLOYMENT_TABLES:
            continue
        column = "workspace_id"
        if table.name == "workspace":
            column = "id"
        elif table.name in SLACK_KEYED_TABLES:
            column = "team_id"
        assert column in table.columns, f"{table.name} has no {column}"


@contextmanager
def _downgraded(database_url: str, revision: str) -> Iterator[tuple[Database, Callable[..., None]]]:
    """The test database at an older revision, to fill with old-shaped rows; call the second item to upgrade
    (to head, or to the revision it is given)."""
    config = alembic_config(database_url)
    command.downgrade(config, revision)
    db = Database(database_url)
    try:
        yield db, lambda target="head": command.upgrade(config, target)
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
        upgrade("0004")  # later revisions close every open round (0009)
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


@BOTH_BACKENDS
def test_answers_become_aggregates_migration(database_url: str) -> None:
    """0009: closed rounds' answers become value counts and eNPS sums and are deleted; an open round is closed
    the same way; comments get random ids and lose their hashes; keys, offsets and statements are dropped."""
    with _downgraded(database_url, "0005") as (db, upgrade):
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO workspace (id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
            connection.execute(
                text(
                    "INSERT INTO team (id, workspace_id, channel_id, channel_name, name, name_is_custom, every_weeks,"
                    " weekday, at_time, timezone, rounds_started, created_at) VALUES (1, 'T1', 'C1', 'support',"
                    " 'support', false, 1, 0, '09:00', 'Europe/Helsinki', 2, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO person (workspace_id, user_id, muted, pulses_sent, rotation_offset, onboarded)"
                    " VALUES ('T1', 'U1', false, 3, 417, true)"
                )
            )
            for round_id, status, key in ((1, "closed", None), (2, "open", b"k" * 32)):
                connection.execute(
                    text(
                        "INSERT INTO pulse_round (id, workspace_id, team_id, number, scheduled_for, opened_at,"
                        " closes_at, status, asks_enps, started_manually, round_key, invited, answered,"
                        " reminders_done, digest_posted) VALUES (:id, 'T1', 1, :id, '2026-11-23',"
                        " '2026-11-23 07:00:00', '2026-11-26 15:00:00', :status, true, false, :key, 6, 3, false,"
                        " false)"
                    ),
                    {"id": round_id, "status": status, "key": key},
                )
            connection.execute(
                text(
                    "INSERT INTO round_result (round_id, workspace_id, team_id, opened_on, invited, answered,"
                    " autonomy_n, autonomy_sum, autonomy_sq, competence_n, competence_sum, competence_sq,"
                    " belonging_n, belonging_sum, belonging_sq, enps_promoters, enps_passives, enps_detractors)"
                    " VALUES (1, 'T1', 1, '2026-11-23', 6, 3, 3, 11, 45, 0, 0, 0, 0, 0, 0, 1, 1, 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO delivery (workspace_id, round_id, user_id, send_at, question_keys, attempts)"
                    " VALUES ('T1', 2, 'U1', '2026-11-23 07:00:00', 'pulse.q.autonomy.1,b,c', 1)"
                )
            )
            answers = [(1, None, "autonomy", 4), (1, None, "autonomy", 5), (1, None, "autonomy", 2)]
            answers += [(1, None, "enps", 10), (1, None, "enps", 7), (1, None, "enps", 3)]
            answers += [(2, "h1", "competence", 4), (2, "h2", "competence", 4)]
            for round_id, who, question, value in answers:
                connection.execute(
                    text(
                        "INSERT INTO pulse_answer (workspace_id, round_id, respondent, question, statement_key, value)"
                        " VALUES ('T1', :round, :who, :question, 'pulse.q.autonomy.1', :value)"
                    ),
                    {"round": round_id, "who": who, "question": question, "value": value},
                )
            for round_id, who, body in ((1, None, "first"), (1, None, "second"), (2, "h1", "third")):
                connection.execute(
                    text(
                        "INSERT INTO pulse_comment (workspace_id, round_id, respondent, text)"
                        " VALUES ('T1', :round, :who, :body)"
                    ),
                    {"round": round_id, "who": who, "body": body},
                )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM pulse_answer")).scalar() == 0
            assert connection.execute(text("SELECT COUNT(*) FROM delivery")).scalar() == 0
            assert connection.execute(text("SELECT status FROM pulse_round ORDER BY id")).scalars().all() == [
                "closed",
                "closed",
            ]
            counts = connection.execute(
                text(
                    "SELECT round_id, question, value, count FROM round_value_count ORDER BY round_id, question, value"
                )
            ).all()
            assert [tuple(row) for row in counts] == [
                (1, "autonomy", 2, 1),
                (1, "autonomy", 4, 1),
                (1, "autonomy", 5, 1),
                (1, "enps", 3, 1),
                (1, "enps", 7, 1),
                (1, "enps", 10, 1),
                (2, "competence", 4, 2),
            ]
            results = connection.execute(
                text(
                    "SELECT round_id, answered, competence_n, competence_sum, enps_n, enps_sum, enps_sq, comments_n"
                    " FROM round_result ORDER BY round_id"
                )
            ).all()
            assert [tuple(row) for row in results] == [
                (1, 3, 0, 0.0, 3, 20.0, 158.0, 2),
                (2, 2, 2, 8.0, 0, 0.0, 0.0, 1),
            ]
            comments = connection.execute(text("SELECT id, round_id, respondent, text FROM pulse_comment")).all()
            assert sorted((r, w, t) for _i, r, w, t in comments) == [
                (1, None, "first"),
                (1, None, "second"),
                (2, None, "third"),
            ]
            assert all(comment_id > 1000 for comment_id, *_rest in comments)  # random, not 1, 2, 3
        inspector = inspect(db.engine)
        assert "round_key" not in {c["name"] for c in inspector.get_columns("pulse_round")}
        assert "rotation_offset" not in {c["name"] for c in inspector.get_columns("person")}
        assert "statement_key" not in {c["name"] for c in inspector.get_columns("pulse_answer")}


def test_upgrading_leaves_no_dropped_round_key_or_answer_in_the_sqlite_files(database_url: str) -> None:
    """0009 drops round keys and deletes closed rounds' answers; `migrate` leaves none of them in the files."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from storage.migrate import upgrade_to_head

    key = b"\x8f" * 32
    with _downgraded(database_url, "0005") as (db, _upgrade), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO workspace (id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
        connection.execute(
            text(
                "INSERT INTO team (id, workspace_id, channel_id, channel_name, name, name_is_custom, every_weeks,"
                " weekday, at_time, timezone, rounds_started, created_at) VALUES (1, 'T1', 'C1', 'support',"
                " 'support', false, 1, 0, '09:00', 'Europe/Helsinki', 1, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO pulse_round (id, workspace_id, team_id, number, scheduled_for, opened_at,"
                " closes_at, status, asks_enps, started_manually, round_key, invited, answered,"
                " reminders_done, digest_posted) VALUES (1, 'T1', 1, 1, '2026-11-23', '2026-11-23 07:00:00',"
                " '2026-11-26 15:00:00', 'open', false, false, :key, 6, 1, false, false)"
            ),
            {"key": key},
        )
        connection.execute(
            text(
                "INSERT INTO pulse_answer (workspace_id, round_id, respondent, question, statement_key, value)"
                " VALUES ('T1', 1, 'respondent-hash-0123456789', 'autonomy', 'pulse.q.autonomy.4', 4)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO delivery (workspace_id, round_id, user_id, send_at, question_keys, attempts)"
                " VALUES ('T1', 1, 'USOMEONE', '2026-11-23 07:00:00', 'pulse.q.autonomy.4,b,c', 1)"
            )
        )
    upgrade_to_head(database_url)
    path = Path(str(make_url(database_url).database))
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            content = Path(f"{path}{suffix}").read_bytes()
            assert key not in content and b"respondent-hash-0123456789" not in content, suffix
            assert b"pulse.q.autonomy.4" not in content and b"USOMEONE" not in content, suffix
