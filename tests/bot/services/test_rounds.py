"""Rounds: two starters racing for the same team open one round (a database constraint decides); each
respondent is counted once, however many answers they click."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import event, text

from bot.services import rounds
from bot.user_directory import UserDirectory
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.pulse_helpers import make_team


def _team_of(harness: Harness, members: list[str]) -> int:
    """Set up the test channel's team with these members; its id."""
    make_team(harness, members)
    with harness.db.session_scope() as session:
        return int(session.execute(text("select id from team")).scalar_one())


@BOTH_BACKENDS
def test_two_schedulers_racing_open_one_round(harness: Harness) -> None:
    members = [f"U{i:03d}" for i in range(6)]
    team_id = _team_of(harness, members)
    # A starter plans the DMs (users.info for each member's time zone, slow here) between its "no open round
    # yet" check and its insert.
    deps = replace(harness.deps, users=UserDirectory(harness.deps.client, ttl_seconds=0))
    harness.fake.set_latency(0.2)
    # The second starts while the first is planning (6 x 0.2 s): it finds no open round, and reaches its
    # insert after the first has committed, so the round number alone would not stop it.
    started: list[object] = []

    def start(delay: float) -> None:
        time.sleep(delay)
        started.append(rounds.start_round(deps, "T0001", team_id, manual=False))

    threads = [threading.Thread(target=start, args=(delay,)) for delay in (0.0, 0.6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(started) == 2
    assert sum(result is not None for result in started) == 1
    with harness.db.session_scope() as session:
        assert session.execute(text("select count(*) from pulse_round")).scalar_one() == 1
        assert session.execute(text("select count(*) from delivery")).scalar_one() == len(members)


@BOTH_BACKENDS
def test_open_round_counts_each_respondent_once_whatever_they_click(harness: Harness) -> None:
    team_id = _team_of(harness, [f"U{i:03d}" for i in range(5)])
    started = rounds.start_round(harness.deps, "T0001", team_id, manual=True)
    assert started is not None
    round_id = started.round_id

    def answered() -> int:
        with harness.db.session_scope() as session:
            return int(session.execute(text("select answered from pulse_round")).scalar_one())

    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.lower())

    # (who, question, value, respondents counted after the click, whether the click recounts them)
    clicks = [
        ("U000", "autonomy", 4, 1, True),  # a first answer counts the person
        ("U000", "autonomy", 4, 1, False),  # the same click again
        ("U000", "autonomy", 2, 1, False),  # a changed mind
        ("U000", "competence", 5, 1, False),  # another question
        ("U001", "belonging", 3, 2, True),  # a second person
        ("U001", "autonomy", 1, 2, False),
        ("U002", "competence", 4, 3, True),
    ]
    engine = harness.db.engine
    for user, question, value, expected, recounts in clicks:
        statements.clear()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            rounds.record_answer(harness.deps, "T0001", user, round_id, question, value)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        # Only a new respondent can change the count; other clicks skip the count and the round's update.
        assert any("count(distinct" in s for s in statements) is recounts, (user, question, value)
        assert any(s.startswith("update pulse_round") for s in statements) is recounts, (user, question, value)
        if harness.db.dialect == "postgresql":  # first answers count one at a time, under the round's lock
            assert any("for no key update" in s for s in statements) is recounts, (user, question, value)
        assert answered() == expected, (user, question, value)


@BOTH_BACKENDS
def test_many_first_answers_at_once_are_all_counted(harness: Harness) -> None:
    members = [f"U{i:03d}" for i in range(8)]
    started = rounds.start_round(harness.deps, "T0001", _team_of(harness, members), manual=True)
    assert started is not None
    barrier = threading.Barrier(len(members))
    failures: list[BaseException] = []

    def first_answer(user: str) -> None:
        barrier.wait()  # every member's first answer at the same moment
        try:
            rounds.record_answer(harness.deps, "T0001", user, started.round_id, "autonomy", 4)
        except BaseException as error:  # a deadlock must fail the test, not just its thread
            failures.append(error)

    threads = [threading.Thread(target=first_answer, args=(user,)) for user in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    with harness.db.session_scope() as session:
        assert session.execute(text("select answered from pulse_round")).scalar_one() == len(members)
        assert session.execute(text("select count(*) from pulse_answer")).scalar_one() == len(members)


@BOTH_BACKENDS
@pytest.mark.parametrize("kind", ["answer", "did_this_help"])
def test_an_answer_racing_the_close_is_refused_not_left_behind(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Attack on "after close no answer or hash is left": a click read the round as open, then the round closed
    (answers aggregated and deleted, the files scrubbed) before the click wrote. Its answer must be refused, not
    written after the close under its keyed hash, where nothing would ever delete it (and `answered` moved)."""
    from bot.services import team_actions

    team_id = _team_of(harness, [f"U{i:03d}" for i in range(5)])
    action = team_actions.commit_action(
        harness.deps,
        "T0001",
        team_id,
        "UADMIN",
        need="autonomy",
        text="Plan",
        owner_id="U001",
        due_on=harness.clock().date(),
    )
    team_actions.mark_done(harness.deps, "T0001", action.id, "U001")
    started = rounds.start_round(harness.deps, "T0001", team_id, manual=True)
    assert started is not None
    round_id = started.round_id
    closed: list[object] = []

    def close_now() -> None:
        thread = threading.Thread(target=lambda: closed.append(rounds.close_round(harness.deps, "T0001", round_id)))
        thread.start()
        thread.join(60)

    if kind == "answer":
        original_answers = rounds._answers_of

        def answers_after_the_close(*args: object) -> object:
            close_now()
            return original_answers(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(rounds, "_answers_of", answers_after_the_close)
        with pytest.raises(rounds.RoundClosed):
            rounds.record_answer(harness.deps, "T0001", "U001", round_id, "autonomy", 4)
    else:
        original_help = rounds.save_help_answer

        def help_after_the_close(*args: object) -> bool:
            close_now()
            return original_help(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(rounds, "save_help_answer", help_after_the_close)
        with pytest.raises(rounds.RoundClosed):
            rounds.record_help_answer(harness.deps, "T0001", "U001", round_id, action.id, "yes")
    assert closed and closed[0] is not None
    with harness.db.session_scope() as session:
        assert session.execute(text("select count(*) from pulse_answer")).scalar_one() == 0
        assert session.execute(text("select count(*) from action_help_answer")).scalar_one() == 0
        assert session.execute(text("select answered from pulse_round")).scalar_one() == 0
