"""Attack: a copy of the database files taken after someone ran `/pulse delete-my-data`.

The rows that named them are deleted, but a deleted row's bytes stay in SQLite's WAL (and in PostgreSQL's
dead tuples) until something rewrites them: their named tough-moment request, with what happened in their
own words, could still be read from the files. Deleting their data scrubs the tables it deleted from.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.blocks.tough import SEALED_PREFIX
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


def test_an_answered_request_leaves_nothing_in_the_files_once_forgotten(harness: Harness, database_url: str) -> None:
    """A named request stays (answered or not, so its presence tells nothing) until a week after its check-in;
    then it is deleted in the commit that adds its sealed yes/no to the day's count, and scrubbed: the old page
    images in the WAL would pair the person (and their words) with that one change of the count."""
    make_team(harness, [PERSON, "U002", "U003", MANAGER])
    harness.sender.command("/pulse", f"managers <@{MANAGER}>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    team = teams.home_team_of(harness.deps, TEAM_ID, PERSON)
    assert team is not None
    request = tough.request_talk(harness.deps, TEAM_ID, PERSON, team, WHAT, [MANAGER])
    harness.clock.advance(timedelta(days=5))
    tough.tough_tick(harness.deps)
    assert tough.answer_checkin(harness.deps, TEAM_ID, request.id, PERSON, supported=False)
    harness.clock.advance(tough.FORGET_AFTER + timedelta(minutes=1))

    assert tough.forget_requests(harness.deps) == 1

    assert WHAT.encode() not in _files(database_url)


def test_an_answered_note_check_in_leaves_no_history_of_the_count(harness: Harness, database_url: str) -> None:
    """Slack keeps when each check-in DM was replaced (the answer time); the WAL's page images of the day's
    counts, one per answer, would give each answer's yes/no in that order. Answering scrubs them."""
    make_team(harness, [PERSON, "U002", "U003", MANAGER])
    team = teams.home_team_of(harness.deps, TEAM_ID, PERSON)
    assert team is not None
    tough.note_moment(harness.deps, TEAM_ID, team)
    tough.schedule_note_checkin(harness.deps, TEAM_ID, PERSON, team)
    harness.clock.advance(timedelta(days=7))
    assert tough.send_sealed_checkins(harness.deps) == 1
    sent = json.dumps(harness.fake.calls_to("chat.postMessage")[-1].params["blocks"])
    token = re.search(rf'"{SEALED_PREFIX}([^"]+)"', sent)
    assert token is not None

    assert tough.answer_sealed_checkin(harness.deps, TEAM_ID, PERSON, token.group(1), supported=False)

    wal = Path(f"{make_url(database_url).database}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_note_check_in_answer_counts_once_even_after_housekeeping(harness: Harness) -> None:
    """The check-in DM keeps its buttons (an edit would tell Slack's export who answered), so a click a week
    later reaches the server again: its claim must outlive the days answers are taken, or it counts twice."""
    from bot.services import jobs
    from storage.models import ToughDaily

    make_team(harness, [PERSON, "U002", "U003", MANAGER])
    team = teams.home_team_of(harness.deps, TEAM_ID, PERSON)
    assert team is not None
    tough.note_moment(harness.deps, TEAM_ID, team)
    tough.schedule_note_checkin(harness.deps, TEAM_ID, PERSON, team)
    harness.clock.advance(timedelta(days=3))
    assert tough.send_sealed_checkins(harness.deps) == 1
    sent = json.dumps(harness.fake.calls_to("chat.postMessage")[-1].params["blocks"])
    token = re.search(rf'"{SEALED_PREFIX}([^"]+)"', sent)
    assert token is not None
    assert tough.answer_sealed_checkin(harness.deps, TEAM_ID, PERSON, token.group(1), supported=True)

    harness.clock.advance(timedelta(days=7, hours=1))  # still within the answer days, past the claims' week
    jobs.housekeeping(harness.deps)
    assert not tough.answer_sealed_checkin(harness.deps, TEAM_ID, PERSON, token.group(1), supported=True)

    with harness.db.session_scope() as session:
        [day] = session.exec(select(ToughDaily)).all()
        assert (day.checkin_yes, day.checkin_no) == (1, 0)
