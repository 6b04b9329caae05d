"""Who gets what: every team command × role (employee, manager here, manager elsewhere, admin, other workspace)."""

from __future__ import annotations

import json

import pytest

from tests.harness import SIGNING_SECRET, Harness
from tests.pulse_helpers import ADMIN, CHANNEL, make_team
from tests.slack.sender import SlackRequestSender

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
OTHER_CHANNEL = "C0OTHER"
ROLES = {
    "employee": "U002",
    "manager_here": "U001",
    "manager_elsewhere": "U010",
    "admin": ADMIN,
    "other_workspace": "UFOREIGN",
}
REFUSED = ("Only workspace admins",)
NOT_A_TEAM = "isn't a Pulssi team yet"

# command text -> roles allowed ("other_workspace" never sees this workspace's team)
MATRIX: dict[str, set[str]] = {
    "rename Support FI": {"admin"},
    "managers <@U003>": {"admin", "manager_here"},
    "move <@U004> <#C0OTHER|other>": {"admin"},
    "schedule every week tue 10:00": {"admin", "manager_here"},
    "now": {"admin", "manager_here"},
    "close": {"admin", "manager_here"},
    "winschannel <#C0WINS|wins>": {"admin", "manager_here"},
    "export": {"admin"},
    "status": {"employee", "manager_here", "manager_elsewhere", "admin"},
}


@pytest.fixture
def world(harness: Harness) -> Harness:
    make_team(harness, MEMBERS)
    harness.fake.add_user("U010")
    harness.fake.add_user("UFOREIGN", team_id="T0002", is_admin=True)
    harness.fake.add_channel(OTHER_CHANNEL, "other", ["U010"])
    harness.fake.add_channel("C0WINS", "wins", [])
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=OTHER_CHANNEL, channel_name="other")
    harness.sender.command("/pulse", "managers <@U010>", user_id=ADMIN, channel_id=OTHER_CHANNEL)
    harness.sender.command("/pulse", "managers <@U001>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", count=3)
    harness.fake.clear_calls()
    return harness


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("command", sorted(MATRIX))
def test_command_by_role(world: Harness, command: str, role: str) -> None:
    user = ROLES[role]
    sender = world.sender
    if role == "other_workspace":
        sender = SlackRequestSender(world.url, SIGNING_SECRET, world.fake, team_id="T0002")
    if command == "close":  # something to close
        world.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
        world.fake.wait_for("response_url")
        world.fake.clear_calls()
    response = sender.command("/pulse", command, user_id=user, channel_id=CHANNEL)
    assert response.status == 200
    reply = json.dumps(world.fake.wait_for("response_url")[0].params)
    if role == "other_workspace" and command == "export":
        # An admin of the other workspace exports their own (empty) workspace: nothing of this one.
        world.fake.wait_for("files.completeUploadExternal")
        assert world.fake.uploaded_files[-1].content.decode().strip().count("\n") == 0
    elif role == "other_workspace":
        assert NOT_A_TEAM in reply or "admins and owners" in reply
    elif role in MATRIX[command]:
        assert not any(r in reply for r in REFUSED), reply
        assert NOT_A_TEAM not in reply
    else:
        assert any(r in reply for r in REFUSED), reply


def test_setup_by_role(world: Harness) -> None:
    world.fake.add_channel("C0NEW", "new", ["U002"])
    for role, user in ROLES.items():
        world.fake.clear_calls()
        sender = world.sender
        if role == "other_workspace":
            sender = SlackRequestSender(world.url, SIGNING_SECRET, world.fake, team_id="T0002")
        sender.command("/pulse", "setup", user_id=user, channel_id="C0NEW", channel_name="new")
        reply = json.dumps(world.fake.wait_for("response_url")[0].params)
        if role in ("admin", "other_workspace"):  # an admin of either workspace sets up in their own workspace
            assert "Pulssi team" in reply or "already the team" in reply
        else:
            assert "Only workspace admins and owners" in reply


# /cxreport and /pulse cxfeed: (command, text) -> roles that get the thing itself
REPORT_MATRIX: dict[tuple[str, str], set[str]] = {
    ("/cxreport", "#support"): {"admin", "manager_here"},
    ("/cxreport", "all"): {"admin"},
    ("/pulse", "cxfeed"): {"admin"},
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("request_", sorted(REPORT_MATRIX))
def test_reports_and_feed_by_role(world: Harness, request_: tuple[str, str], role: str) -> None:
    command, text = request_
    user = ROLES[role]
    sender = world.sender
    if role == "other_workspace":
        sender = SlackRequestSender(world.url, SIGNING_SECRET, world.fake, team_id="T0002")
    sender.command(command, text, user_id=user, channel_id=CHANNEL)
    reply = json.dumps(world.fake.wait_for("response_url", timeout=15)[0].params)
    if role == "other_workspace":
        # Never this workspace's data: their own (empty) workspace, or no such team there.
        assert "support" not in reply.lower() or "No team matches" in reply
        assert "Quality side" not in reply or "Whole workspace" in reply
    elif role in REPORT_MATRIX[request_]:
        assert "Only" not in reply, reply
        assert ("Quality side" in reply) if command == "/cxreport" else ("CX feed" in reply)
    else:
        assert "Only" in reply and "Quality side" not in reply, reply


def test_only_the_author_edits_or_deletes_a_win(world: Harness) -> None:
    story = {"story": {"value": {"type": "plain_text_input", "value": "We fixed the customer's invoice today."}}}
    world.sender.view_submission(user_id="U003", callback_id="win_modal", values=story)  # U003 has no role above
    world.fake.wait_for("chat.postEphemeral")
    from sqlmodel import select

    from storage.models import Win

    with world.db.session_scope() as session:
        win_id = session.exec(select(Win.id)).one()
    for role, user in ROLES.items():
        world.fake.clear_calls()
        sender = world.sender
        if role == "other_workspace":
            sender = SlackRequestSender(world.url, SIGNING_SECRET, world.fake, team_id="T0002")
        for what in ("edit", "delete"):
            sender.block_action(
                user_id=user, action_id="win_overflow", action_type="overflow", selected_option_value=f"{what}:{win_id}"
            )
        views = [json.dumps(c.params["view"]) for c in world.fake.wait_for("views.open", count=2)]
        expected = "no longer exists" if role == "other_workspace" else "Only the person who shared"
        assert all(expected in view for view in views), (role, views)
    world.fake.clear_calls()
    world.sender.block_action(
        user_id="U003", action_id="win_overflow", action_type="overflow", selected_option_value=f"edit:{win_id}"
    )
    assert "win_edit_modal" in json.dumps(world.fake.wait_for("views.open")[0].params)
