"""Attack: a copy of the database files taken after someone ran `/pulse delete-my-data`.

The rows that named them are deleted, but a deleted row's bytes stay in SQLite's WAL (and in PostgreSQL's
dead tuples) until something rewrites them: their named tough-moment request, with what happened in their
own words, could still be read from the files. Deleting their data scrubs the tables it deleted from.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot.services import privacy, teams, tough
from tests.harness import TEAM_ID, Harness
from tests.pulse_helpers import ADMIN, CHANNEL, make_team

PERSON = "U001"
MANAGER = "UMGR"
WHAT = "Customer Zeta-7391 screamed about the refund"


def _files(database_url: str) -> bytes:
    path = Path(str(make_url(database_url).database))
    return b"".join(Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal") if Path(f"{path}{suffix}").exists())


def test_delete_my_data_leaves_no_tough_request_in_the_files(harness: Harness, database_url: str) -> None:
    make_team(harness, [PERSON, "U002", "U003", MANAGER])
    harness.sender.command("/pulse", f"managers <@{MANAGER}>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    team = teams.home_team_of(harness.deps, TEAM_ID, PERSON)
    assert team is not None
    tough.request_talk(harness.deps, TEAM_ID, PERSON, team, WHAT, [MANAGER])
    assert WHAT.encode() in _files(database_url)

    privacy.delete_my_data(harness.deps, TEAM_ID, PERSON, include_wins=False)

    assert WHAT.encode() not in _files(database_url)


def test_an_answered_check_in_leaves_no_request_beside_its_count(harness: Harness, database_url: str) -> None:
    """Answering deletes the named request in the commit that adds the yes/no to the day's count: the old
    page images in the WAL would pair the person (and their words) with that one change of the count."""
    make_team(harness, [PERSON, "U002", "U003", MANAGER])
    harness.sender.command("/pulse", f"managers <@{MANAGER}>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    team = teams.home_team_of(harness.deps, TEAM_ID, PERSON)
    assert team is not None
    request = tough.request_talk(harness.deps, TEAM_ID, PERSON, team, WHAT, [MANAGER])

    assert tough.answer_checkin(harness.deps, TEAM_ID, request.id, PERSON, supported=False)

    assert WHAT.encode() not in _files(database_url)
