"""App Home for an employee, a manager and an admin; onboarding welcome; export; settings modals."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from sqlmodel import select

from bot.services import rounds
from storage.models import Team
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005", "U006"]


def open_home(harness: Harness, user: str) -> str:
    harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
    assert user in harness.fake.home_views, harness.fake.violations
    return json.dumps(harness.fake.home_views[user])


def run_round(harness: Harness, answers: dict[str, int], invited: int = len(MEMBERS)) -> None:
    harness.fake.clear_calls()
    before = len(harness.fake.messages)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("chat.postMessage", count=invited)
    assert len(harness.fake.messages) > before
    dms = wait_pulse_dms(harness, invited)
    for user, value in answers.items():
        click(harness, user, dms[user], "autonomy", value)
    harness.fake.wait_for("chat.postEphemeral", count=len(answers))


def test_home_for_employee_manager_and_admin(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U006>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    run_round(harness, {"U001": 5, "U002": 2}, invited=5)
    # The team's manager is not pulsed as its member: they could subtract their own answer from the report.
    assert "U006" not in wait_pulse_dms(harness, 5)
    employee = open_home(harness, "U001")
    # U001 sees their open round, answerable; but Home shows no answer, nor whether they answered: the
    # Home of someone who answered is exactly that of someone who didn't.
    assert "pulse_answer_5" in employee and "Autonomy 5" not in employee
    assert "For managers and admins" not in employee
    open_home(harness, "U003")
    assert harness.fake.home_views["U003"]["blocks"] == harness.fake.home_views["U001"]["blocks"]
    manager = open_home(harness, "U006")
    assert "For managers and admins" in manager
    # 2 of 5 answered so far: below k the live count is not shown, not even to the manager.
    assert "fewer than 5 of 5" in manager
    assert "2 of 5" not in manager
    admin = open_home(harness, ADMIN)
    assert "home_settings_cxfeed" in admin


def test_home_shows_team_numbers_only_from_k(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    run_round(harness, {"U001": 5, "U002": 4, "U003": 3, "U004": 4})  # 4 < k = 5
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    home = open_home(harness, "U005")
    assert "not enough answers yet (n < 5)" in home
    assert "4.0" not in home
    harness.fake.clear_calls()
    run_round(harness, dict.fromkeys(MEMBERS[:5], 4))
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    home = open_home(harness, "U006")
    assert "*Autonomy* 4.0" in home


def test_mute_button_toggles_and_refreshes(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    open_home(harness, "U001")
    harness.sender.block_action(
        user_id="U001", action_id="home_toggle_mute", value="mute", container={"type": "view", "view_id": "V1"}
    )
    harness.fake.wait_for("views.publish", count=2)
    assert rounds.is_muted(harness.deps, "T0001", "U001")
    assert "home_toggle_mute" in json.dumps(harness.fake.home_views["U001"])
    assert "Resume pulses" in json.dumps(harness.fake.home_views["U001"])


def test_welcome_when_the_bot_joins_a_channel(harness: Harness) -> None:
    harness.fake.add_user("UINV", locale="fi-FI")
    harness.fake.add_channel("C0NEW", "new", ["UINV", "UBOT"])
    harness.sender.event({"type": "member_joined_channel", "user": "UBOT", "channel": "C0NEW", "inviter": "UINV"})
    welcome = harness.fake.wait_for("chat.postMessage")[0]
    assert welcome.params["channel"] == "C0NEW"
    assert "/pulse setup" in welcome.params["text"] and "Hei" in welcome.params["text"]
    # Someone else joining gets no welcome post.
    harness.sender.event({"type": "member_joined_channel", "user": "UINV", "channel": "C0NEW"})
    harness.fake.wait_for("chat.postMessage")
    assert len(harness.fake.calls_to("chat.postMessage")) == 1


def wait_upload(harness: Harness, filename: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [f for f in harness.fake.uploaded_files if f.filename == filename]
        if found:
            return found[-1]
        time.sleep(0.02)
    raise AssertionError(f"no upload named {filename}")


def test_export_has_aggregates_and_no_per_person_rows(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    run_round(harness, dict.fromkeys(MEMBERS[:5], 4))
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    run_round(harness, {"U001": 1, "U002": 2})  # a second round under k: left out
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    harness.sender.command("/pulse", "export", user_id="U001", channel_id=CHANNEL)
    assert (
        "admins and owners"
        in harness.fake.wait_for("response_url", predicate=lambda c: "admins" in json.dumps(c.params))[0].params["text"]
    )
    harness.sender.command("/pulse", "export", user_id=ADMIN, channel_id=CHANNEL)
    upload = wait_upload(harness, "pulssi-export.csv")
    rows = list(csv.DictReader(io.StringIO(upload.content.decode())))
    rounds_rows = [r for r in rows if r["section"] == "round"]
    assert {r["round"] for r in rounds_rows} == {"1"}
    assert {(r["metric"], r["value"], r["n"]) for r in rounds_rows} == {("autonomy", "4.0", "5")}
    for user in MEMBERS:
        assert user not in upload.content.decode()


def test_settings_modal_for_managers_from_home(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    with harness.db.session_scope() as session:
        team_id = session.exec(select(Team)).one().id
    harness.sender.block_action(
        user_id=ADMIN,
        action_id="home_settings_managers",
        value=str(team_id),
        container={"type": "view", "view_id": "V1"},
    )
    modal = harness.fake.wait_for("views.open")[0].params["view"]
    harness.sender.view_submission(
        user_id=ADMIN,
        callback_id="home_managers_modal",
        private_metadata=modal["private_metadata"],
        values={"managers": {"value": {"type": "multi_users_select", "selected_users": ["U002"]}}},
    )
    harness.fake.wait_for("views.publish")
    harness.sender.command("/pulse", "status", user_id="U001", channel_id=CHANNEL)
    assert "<@U002>" in json.dumps(harness.fake.wait_for("response_url")[0].params)
    # An employee can't open the settings: they are told why, not left with a button that does nothing.
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id="U003",
        action_id="home_settings_schedule",
        value=str(team_id),
        container={"type": "view", "view_id": "V1"},
    )
    notice = json.dumps(harness.fake.wait_for("views.open")[0].params["view"])
    assert "Only workspace admins and this team's managers" in notice and "pulse_schedule_modal" not in notice


def test_admin_sets_up_a_team_from_home(harness: Harness) -> None:
    harness.fake.add_user(ADMIN, is_admin=True)
    for user in MEMBERS:
        harness.fake.add_user(user)
    harness.fake.add_channel("C0HOME", "home-team", [*MEMBERS, "UBOT"])
    admin_home = open_home(harness, ADMIN)
    assert "home_settings_setup" in admin_home
    assert "home_settings_setup" not in open_home(harness, "U001")
    harness.sender.block_action(
        user_id=ADMIN, action_id="home_settings_setup", container={"type": "view", "view_id": "V1"}
    )
    view = harness.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "home_setup_modal"
    values = {"channel": {"value": {"type": "conversations_select", "selected_conversation": "C0NOPE"}}}
    refused = harness.sender.view_submission(user_id=ADMIN, callback_id="home_setup_modal", values=values)
    assert "Invite it first" in refused.json()["errors"]["channel"]
    values = {"channel": {"value": {"type": "conversations_select", "selected_conversation": "C0HOME"}}}
    assert not harness.sender.view_submission(user_id=ADMIN, callback_id="home_setup_modal", values=values).body
    done = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == ADMIN)
    assert "home-team is a Pulssi team with 6 members" in done[0].params["text"]
    with harness.db.session_scope() as session:
        assert session.exec(select(Team).where(Team.channel_id == "C0HOME")).one().name == "home-team"


def test_home_shows_managers_no_count_for_closed_rounds_below_k(harness: Harness) -> None:
    """Home showed managers "3 of 4" and "0 of 4" for closed rounds below k: who answered, by elimination."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U006>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    for answers in ({"U001": 4, "U002": 3, "U003": 5}, {}):
        if answers:
            run_round(harness, answers, invited=5)
        else:
            harness.fake.clear_calls()
            harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
            harness.fake.wait_for("chat.postMessage", count=5)
        harness.fake.clear_calls()
        harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
        harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    manager = open_home(harness, "U006")
    assert "Round 1: fewer than 5 of 5 answered" in manager and "Round 2: fewer than 5 of 5 answered" in manager
    assert "3 of 5" not in manager and "0 of 5" not in manager
