"""Differencing the tough-moment summary learns nothing about a day below k.

The counts are kept per team and day, and a report sums the days of its window. Gated only on the window's
total, two windows one day apart (both at k) told that day's count, and its check-in answers: "the one note
on Tuesday said it didn't feel supported". A day counts only when its own count of a measure reached k.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.anonymity import Suppressed
from bot.domain.tough import CHECKIN_ANSWER_DAYS, CHECKIN_SETTLED_DAYS
from bot.services.tough import _add_counts, tough_summary
from storage import repositories as repo
from storage.db import Database
from storage.models import Team
from tests.conftest import BOTH_BACKENDS

WS = "T0001"
K = 5
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
FIRST = date(2026, 3, 2)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def _team(db: Database) -> int:
    with db.session_scope() as session:
        repo.ensure_workspace(session, WS, NOW)
        team = Team(workspace_id=WS, channel_id="CT", channel_name="t", name="t", created_at=NOW)
        session.add(team)
        session.flush()
        assert team.id is not None
        return team.id


@BOTH_BACKENDS
def test_two_windows_a_day_apart_tell_nothing_of_a_day_below_k(db: Database) -> None:
    team = _team(db)
    with db.session_scope() as session:
        # Five days with one note each, all checked in "yes"; then a day with one note whose check-in said "no".
        for offset in range(5):
            _add_counts(session, WS, team, FIRST + timedelta(days=offset), moments=1, checkin_yes=1)
        _add_counts(session, WS, team, FIRST + timedelta(days=5), moments=1, checkin_no=1)
    last = FIRST + timedelta(days=5)
    for scope in (team, None):
        without = tough_summary(db, WS, scope, FIRST, last - timedelta(days=1), k=K)
        with_day = tough_summary(db, WS, scope, FIRST, last, k=K)
        assert without == with_day
        # No day here reached k on its own: nothing is shown at all.
        assert isinstance(with_day.moments, Suppressed)


@BOTH_BACKENDS
def test_days_at_k_still_sum(db: Database) -> None:
    team = _team(db)
    with db.session_scope() as session:
        _add_counts(session, WS, team, FIRST, moments=K, checkin_yes=K - 1, checkin_no=1)
        _add_counts(session, WS, team, FIRST + timedelta(days=1), moments=K + 1)
        _add_counts(session, WS, team, FIRST + timedelta(days=2), moments=1, checkin_no=1)
    # Check-in answers show once their day is settled (CHECKIN_SETTLED_DAYS before the report's end).
    summary = tough_summary(db, WS, team, FIRST, FIRST + timedelta(days=CHECKIN_SETTLED_DAYS + 2), k=K)
    assert summary.moments == 2 * K + 1
    assert summary.checkin_yes_share == 80.0


@BOTH_BACKENDS
def test_a_report_read_before_and_after_one_answer_is_the_same(db: Database) -> None:
    """A manager chosen for a talk knows who had the moment and roughly when the check-in went out: watching
    the same report before and after that person's answer must show nothing move, even on a day at k."""
    team = _team(db)
    day = FIRST
    with db.session_scope() as session:
        _add_counts(session, WS, team, day, moments=K + 1, talks=K + 1, checkin_yes=K)
    end = day + timedelta(days=CHECKIN_ANSWER_DAYS)  # the last day an answer is taken, read on that day
    before = tough_summary(db, WS, team, FIRST, end, k=K)
    with db.session_scope() as session:
        _add_counts(session, WS, team, day, checkin_no=1)  # the person answers "no"
    after = tough_summary(db, WS, team, FIRST, end, k=K)
    assert before == after
    # Once no answer can come any more, the day's answers are shown, all together.
    settled = tough_summary(db, WS, team, FIRST, day + timedelta(days=CHECKIN_SETTLED_DAYS + 1), k=K)
    assert settled.checkin_yes_share == round(100 * K / (K + 1), 1)


def test_answers_are_taken_only_until_before_the_day_settles() -> None:
    assert CHECKIN_ANSWER_DAYS < CHECKIN_SETTLED_DAYS
