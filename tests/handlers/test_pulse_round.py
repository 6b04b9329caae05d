"""Pulse rounds end to end through the harness: signed requests in, fake Slack out, real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.services import outbox
from bot.services.pulse_schedule import pulse_tick
from handlers.delivery import after_close
from storage.models import Delivery, PulseAnswer, PulseRound, RoundResult
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, pulse_dm_count, wait_pulse_dms

MEMBERS7 = [f"U00{i}" for i in range(1, 8)]


def wait_confirmations(harness: Harness, count: int) -> None:
    """Each recorded answer is confirmed by an ephemeral note (the DM itself never changes)."""
    harness.fake.wait_for("chat.postEphemeral", count=count)


@BOTH_BACKENDS
def test_full_round_of_seven_with_changed_answers(harness: Harness) -> None:
    make_team(harness, MEMBERS7)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))
    dms = wait_pulse_dms(harness, 7)
    assert sorted(dms) == MEMBERS7  # bots, deleted users and the admin outside the channel get nothing
    answers = {
        "U001": (5, 4, 5),
        "U002": (4, 4, 3),
        "U003": (3, 2, 4),
        "U004": (5, 5, 5),
        "U005": (2, 3, 3),
        "U006": (4, 4, 4),
    }
    clicks = 0
    for user, values in answers.items():
        for question, value in zip(("autonomy", "competence", "belonging"), values, strict=True):
            assert click(harness, user, dms[user], question, value).status == 200
            clicks += 1
    # Two people change their minds: the first answer is replaced, never added.
    click(harness, "U001", dms["U001"], "autonomy", 1)
    click(harness, "U003", dms["U003"], "belonging", 5)
    clicks += 2
    wait_confirmations(harness, clicks)
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "6 of 7" in json.dumps(c.params))
    final = {**answers, "U001": (1, 4, 5), "U003": (3, 2, 5)}
    with harness.db.session_scope() as session:
        result = session.exec(select(RoundResult)).one()
        assert (result.invited, result.answered) == (7, 6)
        for index, need in enumerate(("autonomy", "competence", "belonging")):
            values = [v[index] for v in final.values()]
            assert getattr(result, f"{need}_n") == 6
            assert getattr(result, f"{need}_sum") == sum(values)
            assert getattr(result, f"{need}_sq") == sum(v * v for v in values)


def test_same_click_delivered_twice_counts_once(harness: Harness) -> None:
    make_team(harness, MEMBERS7[:5])
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))
    dms = wait_pulse_dms(harness, 5)
    click(harness, "U001", dms["U001"], "autonomy", 4)
    click(harness, "U001", dms["U001"], "autonomy", 4)
    wait_confirmations(harness, 2)
    with harness.db.session_scope() as session:
        rows = session.exec(select(PulseAnswer)).all()
        assert [(r.question, r.value) for r in rows] == [("autonomy", 4)]
        assert session.exec(select(PulseRound)).one().answered == 1
    # Confirmed to the person alone, in a note Slack doesn't keep; the DM is not edited.
    note = harness.fake.calls_to("chat.postEphemeral")[-1]
    assert note.params["user"] == "U001"
    assert "Recorded for Autonomy: 4" in note.params["text"]
    assert harness.fake.calls_to("chat.update") == []


def test_small_team_result_is_suppressed(harness: Harness) -> None:
    make_team(harness, MEMBERS7[:4])
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))
    dms = wait_pulse_dms(harness, 4)
    for user in MEMBERS7[:4]:
        click(harness, user, dms[user], "autonomy", 4)
    wait_confirmations(harness, 4)
    harness.sender.command("/pulse", "status", user_id=ADMIN, channel_id=CHANNEL)
    status = harness.fake.wait_for("response_url", predicate=lambda c: "Open round" in json.dumps(c.params))[0]
    assert "fewer than 5" in json.dumps(status.params)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    call = harness.fake.wait_for("response_url")[0]
    assert "Fewer than 5 people answered" in json.dumps(call.params)
    assert "4 of 4" not in json.dumps(harness.fake.calls_to("response_url")[0].params)


def test_after_close_no_row_links_an_answer_to_a_user(harness: Harness) -> None:
    make_team(harness, MEMBERS7[:5])
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))
    dms = wait_pulse_dms(harness, 5)
    for user in MEMBERS7[:5]:
        click(harness, user, dms[user], "competence", 3)
    wait_confirmations(harness, 5)
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "5 of 5" in json.dumps(c.params))
    with harness.db.session_scope() as session:
        assert session.exec(select(Delivery)).all() == []
        assert session.exec(select(PulseAnswer)).all() == []  # aggregated, then deleted
        # No table that holds answers or their aggregates mentions any member.
        for table in ("pulse_answer", "pulse_comment", "round_result", "pulse_round", "delivery"):
            dump = json.dumps([list(map(str, row)) for row in session.execute(text(f"select * from {table}"))])
            for user in MEMBERS7[:5]:
                assert user not in dump, f"{user} found in {table}"


def test_non_manager_cannot_start_a_round(harness: Harness) -> None:
    make_team(harness, MEMBERS7[:5])
    harness.sender.command("/pulse", "managers <@U001>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "now", user_id="U002", channel_id=CHANNEL)
    call = harness.fake.wait_for("response_url")[0]
    assert "Only workspace admins and this team's managers" in call.params["text"]
    assert "<@U001>" in call.params["text"]
    # The named manager may.
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "now", user_id="U001", channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))


def test_mute_skips_the_person(harness: Harness) -> None:
    make_team(harness, MEMBERS7[:5])
    harness.sender.command("/pulse", "mute", user_id="U003", channel_id=CHANNEL)
    assert "/pulse unmute" in harness.fake.wait_for("response_url")[0].params["text"]
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Round 1" in json.dumps(c.params))
    dms = wait_pulse_dms(harness, 4)
    assert "U003" not in dms
    assert len(dms) == 4


@pytest.mark.parametrize(
    ("day", "helsinki_utc", "new_york_utc"),
    [
        # US clocks change on 2026-03-08: New York is UTC-4 from then, Helsinki still UTC+2.
        (
            datetime(2026, 3, 9, tzinfo=UTC),
            datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
            datetime(2026, 3, 9, 13, 0, tzinfo=UTC),
        ),
        # EU clocks change on 2026-03-29: Helsinki is UTC+3 from then.
        (
            datetime(2026, 3, 30, tzinfo=UTC),
            datetime(2026, 3, 30, 6, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 13, 0, tzinfo=UTC),
        ),
        # The week before the US change: New York still UTC-5.
        (
            datetime(2026, 3, 2, tzinfo=UTC),
            datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        ),
    ],
)
def test_dm_at_nine_local_across_dst(
    harness: Harness, day: datetime, helsinki_utc: datetime, new_york_utc: datetime
) -> None:
    from datetime import timedelta

    harness.clock.set(day - timedelta(days=7))
    make_team(harness, ["UHEL", "UNY"], tz={"UHEL": "Europe/Helsinki", "UNY": "America/New_York"})
    harness.sender.command("/pulse", "schedule every week mon 09:00", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.clock.set(day - timedelta(hours=12))
    pulse_tick(harness.deps, after_close)
    # Any round before `day` was for the previous Monday; close it so only this week's matters.
    harness.fake.clear_calls()
    for moment, expected in [
        (helsinki_utc - timedelta(minutes=1), set()),
        (helsinki_utc, {"UHEL"}),
        (new_york_utc - timedelta(minutes=1), {"UHEL"}),
        (new_york_utc, {"UHEL", "UNY"}),
    ]:
        harness.clock.set(moment)
        pulse_tick(harness.deps, after_close)
        assert set(pulse_dm_count(harness)) == expected, moment
    assert pulse_dm_count(harness) == {"UHEL": 1, "UNY": 1}


def test_round_missed_while_down_goes_out_once(harness: Harness) -> None:
    from datetime import timedelta

    monday = datetime(2026, 3, 9, tzinfo=UTC)
    harness.clock.set(monday - timedelta(days=3))
    make_team(harness, MEMBERS7[:5])
    harness.sender.command("/pulse", "schedule every week mon 09:00", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.fake.clear_calls()
    # The bot was down all Monday; it comes back on Tuesday afternoon, inside the round's window.
    harness.clock.set(monday + timedelta(days=1, hours=13))
    pulse_tick(harness.deps, after_close)
    pulse_tick(harness.deps, after_close)
    harness.clock.advance(timedelta(minutes=5))
    pulse_tick(harness.deps, after_close)
    assert sorted(pulse_dm_count(harness).values()) == [1] * 5
    with harness.db.session_scope() as session:
        assert len(session.exec(select(PulseRound)).all()) == 1


def test_outbox_sends_each_dm_once_when_ticks_overlap(harness: Harness) -> None:
    make_team(harness, MEMBERS7)
    from bot.services import rounds

    with harness.db.session_scope() as session:
        team_id = session.execute(text("select id from team")).scalar_one()
    rounds.start_round(harness.deps, "T0001", team_id, manual=True)
    import threading

    threads = [threading.Thread(target=outbox.send_due_pulses, args=(harness.deps,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(pulse_dm_count(harness).values()) == [1] * 7
