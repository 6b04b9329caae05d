"""Slack refusing pulse DMs, end to end: the running app, signed requests in, the fake Slack answering errors.

A person Slack won't DM is given up at once and counted; transient failures back off per row up to a cap;
a refused bot token stops sending until Slack accepts it again; a retry after a 5xx never posts twice.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, text
from sqlmodel import col, select

from bot.domain import slack_errors
from bot.services import outbox, rounds
from bot.timeutil import to_db
from storage import repositories as repo
from storage.models import Delivery, PulseRound, Workspace
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team, pulse_dm_count

MEMBERS = [f"U{i:03d}" for i in range(12)]
BLOCKED = "U005"


def _posts_to(harness: Harness, user: str) -> int:
    return len([c for c in harness.fake.calls_to("chat.postMessage") if c.params.get("channel") == user])


def _calls_naming(harness: Harness, user: str) -> list[str]:
    return [
        c.method
        for c in harness.fake.calls
        if user in (c.params.get("channel"), c.params.get("users"), c.params.get("user"), "D" + user)
    ]


def _open_home(harness: Harness, user: str) -> str:
    harness.fake.clear_calls()
    harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
    return json.dumps(harness.fake.home_views[user])


def _team_id(harness: Harness) -> int:
    with harness.db.session_scope() as session:
        return int(session.execute(text("select id from team")).scalar_one())


def _wait_until(condition: Callable[[], bool], timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _delivery(harness: Harness, user: str) -> Delivery:
    with harness.db.session_scope() as session:
        row = session.exec(select(Delivery).where(Delivery.user_id == user)).one()
        session.expunge(row)
        return row


@BOTH_BACKENDS
@pytest.mark.parametrize("error", ["user_not_found", "user_disabled", "cannot_dm_bot", "messages_tab_disabled"])
def test_an_undeliverable_member_neither_blocks_nor_slows_the_round(harness: Harness, error: str) -> None:
    make_team(harness, MEMBERS)
    harness.fake.inject_error(error, user=BLOCKED)  # every call about this person, whatever the method
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))
    others = [m for m in MEMBERS if m != BLOCKED]
    harness.fake.wait_for("chat.postMessage", count=2 * len(others) + 1)  # onboarding note + pulse
    assert pulse_dm_count(harness) == dict.fromkeys(others, 1)
    # One try for the blocked person, none of the history checks or retries that used to loop.
    _wait_until(lambda: _delivery(harness, BLOCKED).undeliverable_at is not None)
    assert _calls_naming(harness, BLOCKED) == ["chat.postMessage"]

    # Later ticks never try again, and don't touch the others either.
    for _ in range(3):
        harness.clock.advance(timedelta(hours=2))
        assert outbox.send_due_pulses(harness.deps) == 0
    assert _posts_to(harness, BLOCKED) == 1
    assert pulse_dm_count(harness) == dict.fromkeys(others, 1)

    # Admins see a count, never a name; the person is counted once.
    with harness.db.session_scope() as session:
        pulse_round = session.exec(select(PulseRound)).one()
        assert (pulse_round.undeliverable, pulse_round.invited) == (1, len(MEMBERS))
    home = _open_home(harness, ADMIN)
    assert f"1 of {len(MEMBERS)} invited couldn't get the pulse DM" in home
    assert BLOCKED not in home
    assert "couldn't get the pulse DM" not in _open_home(harness, "U001")  # members don't see it


def test_account_inactive_for_a_person_ends_their_dm_when_the_token_is_fine(harness: Harness) -> None:
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    harness.fake.inject_error("account_inactive", method="chat.postMessage", user="U002")
    assert outbox.send_due_pulses(harness.deps) == 5
    assert len(harness.fake.calls_to("auth.test")) == 1  # asked once whether it is the token
    assert _delivery(harness, "U002").undeliverable_at is not None
    with harness.db.session_scope() as session:
        assert session.get(Workspace, "T0001").sending_stopped_at is None  # type: ignore[union-attr]


def test_a_transient_error_backs_off_per_row_and_gives_up_at_the_cap(harness: Harness) -> None:
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    harness.fake.inject_error("internal_error", method="chat.postMessage", user="U003")
    # One tick: the others are sent, the failing row is tried once and the tick ends (it used to spin).
    assert outbox.send_due_pulses(harness.deps) == 5
    assert _posts_to(harness, "U003") == 1
    assert outbox.send_due_pulses(harness.deps) == 0  # backing off: not due yet
    assert _posts_to(harness, "U003") == 1
    for attempt in range(2, slack_errors.MAX_ATTEMPTS + 1):
        harness.clock.advance(timedelta(seconds=slack_errors.backoff_seconds(attempt - 1) - 1))
        outbox.send_due_pulses(harness.deps)
        assert _posts_to(harness, "U003") == attempt - 1, "retried before its backoff ended"
        harness.clock.advance(timedelta(seconds=1))
        outbox.send_due_pulses(harness.deps)
        assert _posts_to(harness, "U003") == attempt
    row = _delivery(harness, "U003")
    assert row.undeliverable_at is not None and row.last_error == "internal_error"
    harness.clock.advance(timedelta(days=1))
    outbox.send_due_pulses(harness.deps)
    assert _posts_to(harness, "U003") == slack_errors.MAX_ATTEMPTS  # capped: never again


def test_a_transient_error_that_clears_delivers_once(harness: Harness) -> None:
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    harness.fake.inject_error("service_unavailable", method="chat.postMessage", user="U003", times=2)
    outbox.send_due_pulses(harness.deps)
    for _ in range(3):
        harness.clock.advance(timedelta(minutes=5))
        outbox.send_due_pulses(harness.deps)
    assert pulse_dm_count(harness) == dict.fromkeys(MEMBERS[:6], 1)
    assert _delivery(harness, "U003").undeliverable_at is None


@BOTH_BACKENDS
def test_a_retry_after_a_5xx_never_posts_the_same_dm_twice(harness: Harness) -> None:
    make_team(harness, MEMBERS[:4])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    # The onboarding note goes first; the pulse itself is the second post to U002. Slack posts it, then 503s.
    harness.fake.fail_after_doing_it("chat.postMessage", user="U002", times=2)
    outbox.send_due_pulses(harness.deps)
    harness.clock.advance(timedelta(minutes=2))
    outbox.send_due_pulses(harness.deps)
    harness.clock.advance(timedelta(minutes=5))
    outbox.send_due_pulses(harness.deps)
    assert pulse_dm_count(harness) == dict.fromkeys(MEMBERS[:4], 1)
    assert _delivery(harness, "U002").sent_at is not None
    notes = [m for (channel, _ts), m in harness.fake.messages.items() if channel == "DU002" and not m.get("metadata")]
    assert len(notes) == 1, "the onboarding note was posted twice"


@BOTH_BACKENDS
@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_refused_bot_token_stops_sending_and_home_shows_why(harness: Harness, error: str) -> None:
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    # The token is refused for posting and for auth.test; Home (views.publish) still gets through here.
    harness.fake.inject_error(error, method="chat.postMessage")
    harness.fake.inject_error(error, method="auth.test")
    assert outbox.send_due_pulses(harness.deps) == 0
    assert len(harness.fake.calls_to("chat.postMessage")) == 1, "kept sending with a refused token"
    with harness.db.session_scope() as session:
        workspace = session.get(Workspace, "T0001")
        assert workspace is not None and workspace.sending_stopped_reason == error
        blamed = session.exec(select(Delivery).where(col(Delivery.undeliverable_at).is_not(None))).all()
        assert blamed == []  # the token's fault is no person's: nobody is marked undeliverable
    harness.clock.advance(timedelta(minutes=10))
    assert outbox.send_due_pulses(harness.deps) == 0
    assert len(harness.fake.calls_to("chat.postMessage")) == 1  # still stopped; only auth.test asked

    home = _open_home(harness, ADMIN)
    assert "stopped sending" in home and error in home
    assert "stopped sending" not in _open_home(harness, "U001")

    harness.fake.clear_injected_errors()  # a new token was installed
    assert outbox.send_due_pulses(harness.deps) == 6
    assert pulse_dm_count(harness) == dict.fromkeys(MEMBERS[:6], 1)
    assert "stopped sending" not in _open_home(harness, ADMIN)


def test_reminders_stop_at_a_refused_token_and_wait_for_it(harness: Harness) -> None:
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    assert outbox.send_due_pulses(harness.deps) == 6
    with harness.db.session_scope() as session:
        for row in session.exec(select(Delivery)):
            row.reminder_at = harness.clock()  # every reminder due now
            session.add(row)
    harness.fake.clear_calls()
    harness.fake.inject_error("token_revoked", method="chat.postMessage")
    harness.fake.inject_error("token_revoked", method="auth.test")
    assert outbox.send_due_reminders(harness.deps) == 0
    assert len(harness.fake.calls_to("chat.postMessage")) == 1  # the first failure stops the pass
    assert outbox.send_due_reminders(harness.deps) == 0
    assert len(harness.fake.calls_to("chat.postMessage")) == 1  # stopped: the rest wait
    harness.fake.clear_injected_errors()
    outbox.send_due_pulses(harness.deps)  # the tick finds the token accepted again
    assert outbox.send_due_reminders(harness.deps) == 5  # the one that failed is not retried (a nudge)


def test_a_row_backed_off_by_another_sender_after_this_one_selected_it_is_not_claimed(harness: Harness) -> None:
    """Two senders select the same due row; the first tries it, fails and backs it off (claim released). The
    second's claim, which runs after, must see that the row is no longer due: it used to win and post again."""
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    now = harness.deps.now()
    stale_before = to_db(now - timedelta(seconds=harness.deps.settings.outbox_claim_timeout_seconds))
    row_id = _delivery(harness, "U003").id
    assert row_id is not None
    with harness.db.session_scope() as session:  # the first sender wins the row...
        assert repo.claim_delivery(session, row_id, "first", to_db(now), stale_before)
    with harness.db.session_scope() as session:  # ...fails and backs it off, releasing the claim
        session.execute(
            text("UPDATE delivery SET claimed_at = NULL, send_at = :later WHERE id = :id"),
            {"later": to_db(now + timedelta(minutes=2)), "id": row_id},
        )
    with harness.db.session_scope() as session:  # the second sender selected it before all that
        assert not repo.claim_delivery(session, row_id, "second", to_db(now), stale_before)
    with harness.db.session_scope() as session:
        session.execute(
            text("UPDATE delivery SET send_at = :now, undeliverable_at = :now WHERE id = :id"),
            {"now": to_db(now), "id": row_id},
        )
    with harness.db.session_scope() as session:  # given up meanwhile: not claimed either
        assert not repo.claim_delivery(session, row_id, "third", to_db(now), stale_before)


@BOTH_BACKENDS
def test_a_batch_claim_wins_only_the_rows_still_due_and_unclaimed(harness: Harness) -> None:
    """The outbox claims a batch in one statement: each row is decided on its own, as a claim per row was.
    Of five selected rows, one another sender holds, one was backed off and one given up meanwhile: the batch
    wins the other two, and a second claim of the same batch wins nothing."""
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    now = harness.deps.now()
    stale_before = to_db(now - timedelta(seconds=harness.deps.settings.outbox_claim_timeout_seconds))
    held, backed_off, given_up, free_1, free_2 = (_delivery(harness, u).id or 0 for u in MEMBERS[:5])
    with harness.db.session_scope() as session:
        assert repo.claim_deliveries(session, [held], "other", to_db(now), stale_before) == [held]
        session.execute(
            text("UPDATE delivery SET send_at = :later WHERE id = :id"),
            {"later": to_db(now + timedelta(minutes=2)), "id": backed_off},
        )
        session.execute(
            text("UPDATE delivery SET undeliverable_at = :now WHERE id = :id"), {"now": to_db(now), "id": given_up}
        )
    batch = [held, backed_off, given_up, free_1, free_2]
    with harness.db.session_scope() as session:
        assert sorted(repo.claim_deliveries(session, batch, "this", to_db(now), stale_before)) == sorted(
            [free_1, free_2]
        )
    with harness.db.session_scope() as session:
        assert repo.claim_deliveries(session, batch, "third", to_db(now), stale_before) == []
        claimed = dict(session.execute(text("SELECT id, claimed_by FROM delivery")).all())
        attempts = dict(session.execute(text("SELECT id, attempts FROM delivery")).all())
    assert (claimed[held], claimed[free_1], claimed[free_2]) == ("other", "this", "this")
    assert claimed[backed_off] is None and claimed[given_up] is None
    assert (attempts[held], attempts[free_1], attempts[backed_off], attempts[given_up]) == (1, 1, 0, 0)


def test_a_batch_claim_works_on_a_sqlite_without_update_returning(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.35 has no UPDATE … RETURNING (SQLAlchemy's dialect says so, and refuses to compile one);
    the project's upserts need 3.24. On such a SQLite the batch claim decides each row on its own, as before,
    with the same winners: the outbox must not stop sending there."""
    for flag in ("insert_returning", "update_returning", "delete_returning"):  # as SQLAlchemy sets them there
        monkeypatch.setattr(harness.db.engine.dialect, flag, False)

    def old_parser(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "RETURNING" in statement.upper():
            raise sqlite3.OperationalError('near "RETURNING": syntax error')  # SQLite 3.34's answer

    event.listen(harness.db.engine, "before_cursor_execute", old_parser)
    make_team(harness, MEMBERS[:4])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    now = harness.deps.now()
    stale_before = to_db(now - timedelta(seconds=harness.deps.settings.outbox_claim_timeout_seconds))
    held, backed_off, free_1, free_2 = (_delivery(harness, u).id or 0 for u in MEMBERS[:4])
    with harness.db.session_scope() as session:
        assert repo.claim_deliveries(session, [held], "other", to_db(now), stale_before) == [held]
        session.execute(
            text("UPDATE delivery SET send_at = :later WHERE id = :id"),
            {"later": to_db(now + timedelta(minutes=2)), "id": backed_off},
        )
    batch = [held, backed_off, free_1, free_2]
    with harness.db.session_scope() as session:
        assert sorted(repo.claim_deliveries(session, batch, "this", to_db(now), stale_before)) == [free_1, free_2]
    with harness.db.session_scope() as session:
        assert repo.claim_deliveries(session, batch, "third", to_db(now), stale_before) == []


@BOTH_BACKENDS
def test_a_sender_whose_claim_was_taken_over_leaves_the_new_claim_alone_when_its_dm_fails(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sender A's DM hangs past the claim timeout, so sender B takes the row over (and is sending it). A's call
    then fails: that failure is not A's to record any more. It released B's claim and moved the row's send_at,
    so a third sender claimed the row after the backoff while B was still in its own attempt (waiting out a
    429, say): two senders on one DM, the history check blind to a DM not posted yet."""
    monkeypatch.setattr(harness.deps, "settings", replace(harness.deps.settings, outbox_claim_timeout_seconds=600))
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    row_id = _delivery(harness, MEMBERS[0]).id or 0
    timeout = timedelta(seconds=600)
    now = harness.deps.now()
    with harness.db.session_scope() as session:
        assert repo.claim_deliveries(session, [row_id], "A", to_db(now), to_db(now - timeout)) == [row_id]

    def stalled(**_kwargs: object) -> None:
        harness.clock.advance(timeout + timedelta(seconds=1))  # A's call outlasts its claim
        taken = harness.deps.now()
        with harness.db.session_scope() as session:
            assert repo.claim_deliveries(session, [row_id], "B", to_db(taken), to_db(taken - timeout)) == [row_id]
        raise TimeoutError("the read timed out")  # then A's call fails, as a transient failure

    monkeypatch.setattr(harness.deps.client, "chat_postMessage", stalled)
    assert not outbox._send_one(harness.deps, row_id, "A")
    row = _delivery(harness, MEMBERS[0])
    assert row.claimed_by == "B" and row.claimed_at is not None and row.last_error is None and row.attempts == 2
    harness.clock.advance(timedelta(seconds=slack_errors.backoff_seconds(2) + 1))  # B's claim still fresh
    later = harness.deps.now()
    with harness.db.session_scope() as session:
        assert repo.claim_deliveries(session, [row_id], "C", to_db(later), to_db(later - timeout)) == []


@BOTH_BACKENDS
def test_a_delivery_row_changes_only_while_still_this_sender_s_unsent_unabandoned_claim(harness: Harness) -> None:
    """The one condition both a failure's backoff and a withdrawal write under (repo.update_if_still_claimed):
    a row another sender took over, one sent, one given up, or one deleted by a close is left as it is."""
    make_team(harness, MEMBERS[:6])
    rounds.start_round(harness.deps, "T0001", _team_id(harness), manual=True)
    now = to_db(harness.deps.now())
    stale_before = to_db(harness.deps.now() - timedelta(minutes=5))
    ours, taken_over, sent, given_up, deleted = (_delivery(harness, u).id or 0 for u in MEMBERS[:5])
    with harness.db.session_scope() as session:
        assert sorted(repo.claim_deliveries(session, [ours, sent, given_up, deleted], "this", now, stale_before)) == (
            sorted([ours, sent, given_up, deleted])
        )
        assert repo.claim_deliveries(session, [taken_over], "other", now, stale_before) == [taken_over]
        session.execute(text("UPDATE delivery SET sent_at = :now WHERE id = :id"), {"now": now, "id": sent})
        session.execute(
            text("UPDATE delivery SET undeliverable_at = :now WHERE id = :id"), {"now": now, "id": given_up}
        )
        session.execute(text("DELETE FROM delivery WHERE id = :id"), {"id": deleted})
    cases = [(ours, True), (taken_over, False), (sent, False), (given_up, False), (deleted, False)]
    for row_id, changes in cases:
        with harness.db.session_scope() as session:
            assert repo.update_if_still_claimed(session, row_id, "this", {"last_error": "x"}) is changes, row_id
    with harness.db.session_scope() as session:
        errors = dict(session.execute(text("SELECT id, last_error FROM delivery")).all())
    assert deleted not in errors and errors[ours] == "x"
    assert [errors[i] for i in (taken_over, sent, given_up)] == [None, None, None]
