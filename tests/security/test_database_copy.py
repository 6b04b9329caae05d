"""Attack: someone with a copy of the database (its files, a backup) tries to tie answers to people.

A whole round runs through the app; then the test reads the database *files* (SQLite's main file, -wal and
-shm; PostgreSQL's table and index files after a checkpoint), the way an attacker with a copy would, and
looks for anything that links a person to an answer: the round key, a respondent hash, a statement someone
was shown, or a user id in any table that holds answers, comments or their aggregates.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.domain import anonymity
from bot.services import rounds
from tests.conftest import BOTH_BACKENDS
from tests.harness import SECRET_KEY, TEAM_ID, Harness
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms

MEMBERS = [f"UMEMBER{i}" for i in range(1, 7)]
ANSWERS = {
    "UMEMBER1": (5, 4, 2),
    "UMEMBER2": (4, 4, 3),
    "UMEMBER3": (3, 2, 4),
    "UMEMBER4": (5, 5, 5),
    "UMEMBER5": (2, 3, 3),
}  # UMEMBER6 doesn't answer
COMMENTS = {"UMEMBER1": "The queue is calmer now", "UMEMBER3": "Too many escalations this week"}
# Tables that hold answers, comments or what is kept of them: no user id may ever be in their files.
ANSWER_TABLES = ("pulse_answer", "pulse_comment", "round_result", "round_value_count", "pulse_round", "delivery")


def _run_round(harness: Harness) -> tuple[int, list[str], bytes]:
    """A round of six through the app, five answering (one changes their mind), two commenting.
    Returns the round id, every respondent hash it used and its key (what an attacker would look for)."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    clicks = 0
    for user, values in ANSWERS.items():
        for question, value in zip(("autonomy", "competence", "belonging"), values, strict=True):
            assert click(harness, user, dms[user], question, value).status == 200
            clicks += 1
    click(harness, "UMEMBER1", dms["UMEMBER1"], "autonomy", 1)
    harness.fake.wait_for("chat.postEphemeral", count=clicks + 1)
    with harness.db.session_scope() as session:
        round_id = int(session.execute(text("select id from pulse_round")).scalar_one())
    for user, comment in COMMENTS.items():
        rounds.save_comment(harness.deps, TEAM_ID, user, round_id, comment)
    key = anonymity.round_key(SECRET_KEY, TEAM_ID, round_id)
    return round_id, [anonymity.respondent_token(key, round_id, user) for user in MEMBERS], key


def _close(harness: Harness) -> None:
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))


def _secrets_of_the_round(tokens: list[str], key: bytes) -> list[bytes]:
    return [t.encode() for t in tokens] + [key, key.hex().encode()]


def _sqlite_files(database_url: str) -> dict[str, bytes]:
    path = Path(str(make_url(database_url).database))
    return {
        suffix or "main": Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    }


def _live_count(database_url: str, needle: bytes) -> int:
    """How often `needle` is in a clean copy holding only the live rows (VACUUM INTO writes nothing dead)."""
    path = Path(str(make_url(database_url).database))
    clean = path.with_name(path.name + ".clean")
    source = sqlite3.connect(path)
    try:
        source.execute("VACUUM INTO ?", (str(clean),))
    finally:
        source.close()
    try:
        return clean.read_bytes().count(needle)
    finally:
        clean.unlink()


def _postgres_files(harness: Harness) -> dict[str, bytes]:
    """Every file of every table and index of the test database, after a checkpoint wrote them all out."""
    datadir = os.environ.get("PULSSI_TEST_PG_DATADIR")
    if not datadir:
        pytest.skip("reading PostgreSQL's files needs PULSSI_TEST_PG_DATADIR (scripts/pg-test-server)")
    files: dict[str, bytes] = {}
    with harness.db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("CHECKPOINT"))
        relations = connection.execute(
            text(
                "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't')"
            )
        ).all()
    for name, relative in relations:
        if relative is None:
            continue
        segment, number = Path(datadir, relative), 0
        while segment.exists():
            files[f"{name}.{number}"] = files.get(f"{name}.{number}", b"") + segment.read_bytes()
            number += 1
            segment = Path(datadir, f"{relative}.{number}")
    return files


def _owner_table(harness: Harness, relation: str) -> str:
    """The table a relation file belongs to (an index or TOAST table counts as its table's)."""
    name = relation.rsplit(".", 1)[0]
    with harness.db.engine.connect() as connection:
        owner = connection.execute(
            text(
                "SELECT COALESCE(t.relname, toast_owner.relname, c.relname) FROM pg_class c"
                " LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid"
                " LEFT JOIN pg_class toast_owner ON toast_owner.reltoastrelid = COALESCE(i.indrelid, c.oid)"
                " WHERE c.relname = :name"
            ),
            {"name": name},
        ).scalar()
    return str(owner or name)


@BOTH_BACKENDS
def test_a_copy_of_the_database_after_close_names_nobody(harness: Harness, database_url: str) -> None:
    round_id, tokens, key = _run_round(harness)
    _close(harness)
    round_secrets = _secrets_of_the_round(tokens, key)
    if harness.db.dialect == "sqlite":
        files = _sqlite_files(database_url)
        assert files["main"]
        for name, content in files.items():
            for secret in round_secrets:
                assert secret not in content, f"a round key or respondent hash is in the {name} file"
            # Statement keys were only ever stored next to a user id (the delivery rows).
            assert b"pulse.q." not in content, f"who saw which statement is in the {name} file"
        dumped = b"".join(files.values())
        for user in MEMBERS:
            # Every copy of a user id in the files is a live row (membership, person); none is left over
            # from a deleted delivery, in a free page or in the WAL.
            assert dumped.count(user.encode()) == _live_count(database_url, user.encode()), user
    else:
        files = _postgres_files(harness)
        assert files
        for relation, content in files.items():
            for secret in round_secrets:
                assert secret not in content, f"a round key or respondent hash is in {relation}"
            assert b"pulse.q." not in content, f"who saw which statement is in {relation}"
            if _owner_table(harness, relation) in ANSWER_TABLES:
                for user in MEMBERS:
                    assert user.encode() not in content, f"{user} is in {relation}, a table of answers"
    # What is left is per need only: sums and counts per value, and the comments without hash.
    with harness.db.engine.connect() as connection:
        assert connection.execute(text("select count(*) from pulse_answer")).scalar_one() == 0
        assert connection.execute(text("select count(*) from delivery")).scalar_one() == 0
        counts = connection.execute(
            text("select question, value, count from round_value_count where round_id = :id order by 1, 2"),
            {"id": round_id},
        ).all()
        assert ("autonomy", 1, 1) in [tuple(row) for row in counts]
        assert sum(row[2] for row in counts) == 15
        comments = connection.execute(text("select respondent, text from pulse_comment")).all()
        assert sorted(tuple(row) for row in comments) == sorted((None, c) for c in COMMENTS.values())


@BOTH_BACKENDS
def test_an_open_round_s_key_is_nowhere_in_the_database(harness: Harness, database_url: str) -> None:
    """While the round is open, hashes sit next to nothing and the key isn't stored: with the database and the
    member list, an attacker can't recompute who is who (the key needs PULSSI_SECRET_KEY)."""
    _round_id, tokens, key = _run_round(harness)
    with harness.db.engine.connect() as connection:
        stored = {row[0] for row in connection.execute(text("select respondent from pulse_answer"))}
        columns = [
            row[0]
            for row in connection.execute(
                text(
                    "select column_name from information_schema.columns where table_name = 'pulse_round'"
                    if harness.db.dialect == "postgresql"
                    else "select name from pragma_table_info('pulse_round')"
                )
            )
        ]
    assert stored == set(tokens[:5])  # the five who answered, as hashes
    assert not any("key" in column for column in columns)
    files = _sqlite_files(database_url) if harness.db.dialect == "sqlite" else _postgres_files(harness)
    for name, content in files.items():
        assert key not in content and key.hex().encode() not in content, f"the round key is in {name}"
        # No statement is stored next to an answer (only in the person's delivery row, to render their DM).
    with harness.db.engine.connect() as connection:
        answer_columns = connection.execute(text("select * from pulse_answer")).keys()
    assert "statement_key" not in answer_columns
    # Person rows say how many pulses someone got, not where they start in the bank (that needs the secret).
    with harness.db.engine.connect() as connection:
        person_columns = list(connection.execute(text("select * from person")).keys())
    assert "rotation_offset" not in person_columns


def test_comments_are_kept_in_an_order_that_is_not_the_writing_order(harness: Harness) -> None:
    members = [f"UC{i:02d}" for i in range(12)]
    make_team(harness, members)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, len(members))
    with harness.db.session_scope() as session:
        round_id = int(session.execute(text("select id from pulse_round")).scalar_one())
    written = [f"comment number {i:02d}" for i in range(len(members))]
    for user, comment in zip(members, written, strict=True):
        rounds.save_comment(harness.deps, TEAM_ID, user, round_id, comment)
    _close(harness)
    with harness.db.engine.connect() as connection:
        stored = connection.execute(text("select id, text from pulse_comment")).all()  # storage order
        by_id = [row[1] for row in sorted(stored, key=lambda row: row[0])]
    assert sorted(row[1] for row in stored) == written
    # Neither the ids nor the order on disk follow the order people wrote in (1 in 12! by chance).
    assert by_id != written and [row[1] for row in stored] != written
    assert all(row[0] > 2**20 for row in stored)  # random 62-bit ids, not 1, 2, 3…


@BOTH_BACKENDS
def test_a_copy_does_not_tell_who_answered_their_tough_moment_check_in(harness: Harness) -> None:
    """Attack: a copy of the database while named tough-moment check-ins are out. Answering deleted the
    person's request at once, and an unanswered one stayed for a week: every row still there after its
    check-in went out named someone who had not answered. Now both stay until the same forgetting, and the
    answer reaches the day's count only then."""
    from datetime import timedelta

    from bot.services import teams, tough

    manager = "UTMGR"
    make_team(harness, ["U001", "U002", "U003", manager])
    harness.sender.command("/pulse", f"managers <@{manager}>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    team = teams.home_team_of(harness.deps, TEAM_ID, "U001")
    assert team is not None
    answering = tough.request_talk(harness.deps, TEAM_ID, "U001", team, "refund row", [manager])
    tough.request_talk(harness.deps, TEAM_ID, "U002", team, "angry caller", [manager])
    harness.clock.advance(timedelta(days=5))
    tough.tough_tick(harness.deps)  # both check-ins go out
    with harness.db.engine.begin() as connection:  # U002's request made before migration 0017
        connection.execute(text("update tough_request set checkin_sealed = null where user_id = 'U002'"))
    assert tough.answer_checkin(harness.deps, TEAM_ID, answering.id, "U001", supported=False)
    assert tough.forget_requests(harness.deps) == 0  # the next tick: nothing due yet, the old row sealed too

    def rows(table: str) -> list[dict[str, object]]:
        with harness.db.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(f"select * from {table}"))]

    by_person = {row["user_id"]: row for row in rows("tough_request")}
    assert set(by_person) == {"U001", "U002"}, "a request's absence says its person answered"
    unset = {person: sorted(k for k, v in row.items() if v is None) for person, row in by_person.items()}
    assert unset["U001"] == unset["U002"]  # the same columns set: nothing says which one answered
    [day] = rows("tough_daily")
    assert (day["checkin_yes"], day["checkin_no"]) == (0, 0)  # the count would pair with the request

    harness.clock.advance(timedelta(days=7, minutes=1))
    tough.tough_tick(harness.deps)  # a week after the check-ins: both forgotten, the answer counted
    assert rows("tough_request") == []
    [day] = rows("tough_daily")
    assert (day["checkin_yes"], day["checkin_no"]) == (0, 1)
