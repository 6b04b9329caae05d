"""Reminders, comments, schedules, status and delete-my-data through the harness."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, cast, func, text
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.services.pulse_schedule import pulse_tick
from handlers.delivery import after_close
from storage.models import (
    Delivery,
    PulseComment,
    PulseRound,
    ReplyMessage,
    ReplyRoute,
    Team,
    TeamAction,
    ToughRequest,
    ToughRequestManager,
    Win,
    WinColleague,
    Workspace,
)
from tests.conftest import BOTH_BACKENDS
from tests.harness import TEAM_ID, Harness
from tests.pulse_helpers import (
    ADMIN,
    CHANNEL,
    click,
    click_comment_button,
    make_team,
    pulse_messages,
    wait_pulse_dms,
)

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]


def reminder_calls(harness: Harness) -> list[str]:
    return [
        str(c.params["channel"])
        for c in harness.fake.calls_to("chat.postMessage")
        if "reminder" in str(c.params.get("text", "")).lower()
    ]


def test_one_reminder_halfway_to_everyone_invited_whatever_they_did(harness: Harness) -> None:
    """Slack keeps reminders: sent only to those who hadn't answered, they would tell who had."""
    monday = datetime(2026, 3, 9, tzinfo=UTC)
    harness.clock.set(monday - timedelta(days=3))
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "schedule every week mon 09:00", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.clock.set(monday + timedelta(hours=7))  # 09:00 in Helsinki
    pulse_tick(harness.deps, after_close)
    dms = wait_pulse_dms(harness, 5)
    click(harness, "U001", dms["U001"], "autonomy", 4)
    click(harness, "U002", dms["U002"], "belonging", 2)
    harness.fake.wait_for("chat.postEphemeral", count=2)
    # Monday evening: not yet halfway in working hours.
    harness.clock.set(monday + timedelta(hours=18))
    pulse_tick(harness.deps, after_close)
    assert reminder_calls(harness) == []
    # Tuesday 13:00 Helsinki (11:00Z) is 12 working hours into a 24-working-hour window.
    harness.clock.set(monday + timedelta(days=1, hours=11))
    pulse_tick(harness.deps, after_close)
    assert sorted(reminder_calls(harness)) == MEMBERS
    reminders = {c.params["text"] for c in harness.fake.calls_to("chat.postMessage") if "reminder" in c.params["text"]}
    assert len(reminders) == 1  # the same note for everyone
    harness.clock.advance(timedelta(hours=2))
    pulse_tick(harness.deps, after_close)
    assert len(reminder_calls(harness)) == 5  # one reminder, never two
    with harness.db.session_scope() as session:
        handled = [d.reminder_handled_at for d in session.exec(select(Delivery))]
        # Every row carries the same mark, reminded or not: the table does not show who answered.
        assert len(handled) == 5 and all(h is not None for h in handled)


def test_round_closes_after_its_window(harness: Harness) -> None:
    monday = datetime(2026, 3, 9, tzinfo=UTC)
    harness.clock.set(monday - timedelta(days=3))
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "schedule every 2 weeks mon 09:00", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.clock.set(monday + timedelta(hours=7))
    pulse_tick(harness.deps, after_close)
    harness.clock.set(monday + timedelta(days=3, hours=7, minutes=1))  # Thursday 09:01 Helsinki
    pulse_tick(harness.deps, after_close)
    with harness.db.session_scope() as session:
        assert session.execute(text("select status from pulse_round")).scalar_one() == "closed"


def test_comment_modal_saves_and_confirms_privately(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, 5)
    click_comment_button(harness, "U001", dms["U001"])
    opened = harness.fake.wait_for("views.open")[0].params["view"]
    assert opened["callback_id"] == "pulse_comment_modal"
    too_long = harness.sender.view_submission(
        user_id="U001",
        callback_id="pulse_comment_modal",
        private_metadata=opened["private_metadata"],
        values={"comment": {"text": {"type": "plain_text_input", "value": "x" * 3001}}},
    )
    assert too_long.json()["response_action"] == "errors"
    response = harness.sender.view_submission(
        user_id="U001",
        callback_id="pulse_comment_modal",
        private_metadata=opened["private_metadata"],
        values={"comment": {"text": {"type": "plain_text_input", "value": "More time for hard cases, please."}}},
    )
    assert response.status == 200
    note = harness.fake.wait_for("chat.postEphemeral")[0]
    assert note.params["user"] == "U001" and "comment is saved" in note.params["text"]
    assert harness.fake.calls_to("chat.update") == []  # the DM doesn't show who commented
    with harness.db.session_scope() as session:
        comment = session.exec(select(PulseComment)).one()
        assert comment.text == "More time for hard cases, please."
        assert "U001" not in json.dumps(comment.model_dump(), default=str)


def test_click_after_close_is_refused_politely(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, 5)
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    click(harness, "U003", dms["U003"], "autonomy", 5)
    ephemeral = harness.fake.wait_for("chat.postEphemeral")[0]
    assert "already closed" in ephemeral.params["text"]


def test_schedule_text_errors_and_modal_inline_error(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "schedule monthly", user_id=ADMIN, channel_id=CHANNEL)
    error = harness.fake.wait_for("response_url")[0].params["text"]
    assert "week" in error.lower()
    harness.sender.command("/pulse", "schedule", user_id=ADMIN, channel_id=CHANNEL)
    modal = harness.fake.wait_for("views.open")[0].params["view"]
    assert modal["callback_id"] == "pulse_schedule_modal"
    values = {
        "cadence": {"value": {"type": "static_select", "selected_option": {"value": "1"}}},
        "weekday": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
        "time": {"value": {"type": "plain_text_input", "value": "25:99"}},
    }
    bad = harness.sender.view_submission(
        user_id=ADMIN, callback_id="pulse_schedule_modal", values=values, private_metadata=modal["private_metadata"]
    )
    assert bad.json() == {
        "response_action": "errors",
        "errors": {"time": "Use a time like 09:00 (hours 00–23, minutes 00–59)."},
    }
    values["time"]["value"]["value"] = "10:30"
    good = harness.sender.view_submission(
        user_id=ADMIN, callback_id="pulse_schedule_modal", values=values, private_metadata=modal["private_metadata"]
    )
    assert good.status == 200 and not good.body
    harness.fake.wait_for("chat.postEphemeral")
    with harness.db.session_scope() as session:
        team = session.exec(select(Team)).one()
        assert (team.every_weeks, team.weekday, team.at_time) == (1, 2, "10:30")


def test_status_shows_schedule_and_managers(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U001> <@U002>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.sender.command("/pulse", "status", user_id="U003", channel_id=CHANNEL)
    text_ = json.dumps(harness.fake.wait_for("response_url", count=2)[1].params)
    assert "every 2 weeks" in text_.lower() and "<@U001>, <@U002>" in text_
    assert "Open round:* none" in text_


# slack_sdk's installation row names who installed the app: it is the workspace's install (its tokens), not the
# person's data, and it goes with the workspace.
NOT_A_PERSONS_ROW = frozenset({"slack_installations"})


def person_keyed_tables() -> set[str]:
    """Every table keyed by a person's Slack user id, read from the models: a new one is checked here unasked."""
    tables = SQLModel.metadata.tables.items()
    return {name for name, table in tables if "user_id" in table.columns} - NOT_A_PERSONS_ROW


def add_rows_naming(harness: Harness, person: str) -> None:
    """A row of the person in each person-keyed table the Slack steps of the test didn't fill, and the rows that
    name them in another column: the team and the CX feed they set up, an action they own and committed to, a
    conversation reply they wrote as a manager, a request they acknowledged."""
    now = harness.clock()
    with harness.db.session_scope() as session:
        team = session.exec(select(Team)).one()
        team_id = team.id
        assert team_id is not None
        team.created_by = person
        workspace = session.exec(select(Workspace).where(Workspace.id == TEAM_ID)).one()
        workspace.cx_feed_set_by = person
        session.add_all([team, workspace])
        pulse_round = PulseRound(
            workspace_id=TEAM_ID,
            team_id=team_id,
            number=1,
            scheduled_for=now.date(),
            opened_at=now,
            closes_at=now + timedelta(days=1),
        )
        own_win = Win(workspace_id=TEAM_ID, team_id=team_id, author_id=person, text="mine", created_at=now)
        others_win = Win(workspace_id=TEAM_ID, team_id=team_id, author_id="U002", text="thanks", created_at=now)
        own_request, others_request = (
            ToughRequest(
                workspace_id=TEAM_ID,
                team_id=team_id,
                user_id=user,
                what="hard call",
                day=now.date(),
                created_at=now,
                reminder_due_at=now,
                checkin_due_at=now,
            )
            for user in (person, "U002")
        )
        others_request.acknowledged_by = person
        action = TeamAction(
            workspace_id=TEAM_ID,
            team_id=team_id,
            need="autonomy",
            text="Fewer meetings",
            owner_id=person,
            due_on=now.date(),
            created_by=person,
            created_at=now,
        )
        route = ReplyRoute(id="route1", workspace_id=TEAM_ID, team_id=team_id, expires_on=now.date())
        session.add_all([pulse_round, own_win, others_win, own_request, others_request, action, route])
        session.flush()
        assert pulse_round.id and own_win.id and others_win.id and others_request.id
        session.add_all(
            [
                ReplyMessage(
                    id="reply1",
                    workspace_id=TEAM_ID,
                    route_id="route1",
                    sender="manager",
                    manager_id=person,
                    text="Thanks, tell me more",
                    deliver_at=now,
                ),
                Delivery(
                    workspace_id=TEAM_ID, round_id=pulse_round.id, user_id=person, send_at=now, question_keys="a1"
                ),
                WinColleague(workspace_id=TEAM_ID, win_id=others_win.id, user_id=person),
                ToughRequestManager(workspace_id=TEAM_ID, request_id=others_request.id, user_id=person),
            ]
        )


def rows_naming(harness: Harness, person: str) -> dict[str, int]:
    """Per table and text column, how many rows hold the person's id (every table of the models)."""
    found = {}
    with harness.db.session_scope() as session:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                text_type = column.type if isinstance(column.type, String) else getattr(column.type, "impl", None)
                if isinstance(text_type, String):  # cast: compared as stored, a sealed column's ciphertext stays shut
                    statement = sa_select(func.count()).select_from(table).where(cast(column, String) == person)
                    count = session.execute(statement).scalar_one()
                    if count:
                        found[f"{table.name}.{column.name}"] = count
    return found


@BOTH_BACKENDS
def test_delete_my_data_removes_everything_naming_the_person(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U001>", user_id=ADMIN, channel_id=CHANNEL)
    harness.sender.command("/pulse", "mute", user_id="U001", channel_id=CHANNEL)
    harness.fake.wait_for("response_url", count=2)
    with harness.db.session_scope() as session:
        team_id = session.exec(select(Team.id)).one()
    harness.sender.block_action(user_id="U001", action_id="nudge_snooze", value=str(team_id))
    harness.fake.wait_for("response_url", count=3)
    add_rows_naming(harness, "U001")
    before = rows_naming(harness, "U001")
    assert {f"{name}.user_id" for name in person_keyed_tables()} <= before.keys()  # each table has a row to delete

    harness.sender.command("/pulse", "delete-my-data", user_id="U001", channel_id=CHANNEL)
    confirm = harness.fake.wait_for("response_url", count=4)[3]
    assert "delete_my_data_with_wins" in json.dumps(confirm.params["blocks"])
    harness.sender.block_action(user_id="U001", action_id="delete_my_data_with_wins", value="all")
    done = harness.fake.wait_for("response_url", count=5)[4].params["text"]
    assert "1 team membership" in done and "1 manager role" in done
    assert rows_naming(harness, "U001") == {}
    assert rows_naming(harness, "U002")  # the others' rows stay
    with harness.db.session_scope() as session:  # the team's action stays, without its owner
        assert [(a.text, a.owner_id) for a in session.exec(select(TeamAction))] == [("Fewer meetings", "")]
    harness.sender.command("/pulse", "action list", user_id=ADMIN, channel_id=CHANNEL)
    listed = json.dumps(harness.fake.wait_for("response_url", count=6)[5].params)
    assert "Fewer meetings" in listed and "no owner" in listed and "<@>" not in listed


def test_refusal_names_who_can_for_setup(harness: Harness) -> None:
    harness.fake.add_user("U009")
    harness.fake.add_channel("C0X", "x", ["U009"])
    harness.sender.command("/pulse", "setup", user_id="U009", channel_id="C0X")
    assert "admins and owners" in harness.fake.wait_for("response_url")[0].params["text"]


def test_finnish_user_gets_the_pulse_in_finnish(harness: Harness) -> None:
    harness.fake.add_user(ADMIN, is_admin=True)
    for user in MEMBERS:
        harness.fake.add_user(user, locale="fi-FI")
    harness.fake.add_channel(CHANNEL, "tuki", [*MEMBERS, "UBOT"])
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, 5)
    assert "Pulssikysely" in json.dumps(dms["U001"][2], ensure_ascii=False)
    assert pulse_messages(harness)


def _round_count(harness: Harness) -> int:
    with harness.db.session_scope() as session:
        return int(session.execute(text("select count(*) from pulse_round")).scalar_one())


def _status_next(harness: Harness) -> str:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "status", user_id=ADMIN, channel_id=CHANNEL)
    reply = harness.fake.wait_for("response_url")[0]
    text = reply.params["blocks"][0]["text"]["text"]
    line = next(line for line in str(text).splitlines() if line.startswith("*Next round:*"))
    return line.removeprefix("*Next round:*").strip()


def test_a_manual_round_counts_as_the_periods_round_and_status_shows_the_real_next(harness: Harness) -> None:
    monday = datetime(2026, 3, 9, tzinfo=UTC)
    harness.clock.set(monday - timedelta(days=3))
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "schedule every week mon 09:00", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    assert _status_next(harness) == "2026-03-09"
    # Monday 07:00 in Helsinki: a manager starts a round by hand, and closes it before 09:00.
    harness.clock.set(monday + timedelta(hours=5))
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, 5)
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in str(c.params.get("text", "")).lower())
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)  # the digest
    assert _status_next(harness) == "2026-03-16"
    # 09:00 and the rest of the day: no second, scheduled pulse this week.
    for hours in (7, 8, 12):
        harness.clock.set(monday + timedelta(hours=hours))
        pulse_tick(harness.deps, after_close)
    assert _round_count(harness) == 1
    # Next Monday's scheduled round goes out as usual.
    harness.clock.set(monday + timedelta(days=7, hours=7))
    pulse_tick(harness.deps, after_close)
    assert _round_count(harness) == 2
    assert _status_next(harness) == "2026-03-23"


def test_a_team_renamed_with_entities_in_slacks_text_is_stored_as_typed_and_escaped_once(harness: Harness) -> None:
    """Slack sends `/pulse rename R&D <Ops>` as `R&amp;D &lt;Ops&gt;` (the sender does too): the name is
    stored as typed and escaped once in mrkdwn, never `R&amp;amp;D` or a stored `R&amp;D`."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "rename R&D <Ops>", user_id=ADMIN, channel_id=CHANNEL)
    renamed = harness.fake.wait_for("response_url")[-1].params["text"]
    assert renamed == "The team is now called *R&amp;D &lt;Ops&gt;* in reports and in the CX feed."
    with harness.db.session_scope() as session:
        [team] = session.exec(select(Team)).all()
        assert team.name == "R&D <Ops>"

    harness.sender.command("/pulse", "managers <@U001>", user_id=ADMIN, channel_id=CHANNEL)  # names the team
    managers = harness.fake.wait_for("response_url", count=2)[-1].params["text"]
    assert "R&amp;D &lt;Ops&gt;" in managers and "&amp;amp;" not in managers and "<Ops>" not in managers
