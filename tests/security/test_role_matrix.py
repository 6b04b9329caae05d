"""Who gets what: every command, Home action and modal × role (employee, manager of this team, manager of
another team, admin, member of no team, user of another workspace). The policy is bot/domain/policy.py."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.harness import SIGNING_SECRET, Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team
from tests.slack.sender import SlackRequestSender

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
OTHER_CHANNEL = "C0OTHER"
ROLES = {
    "employee": "U002",
    "manager_here": "U001",
    "manager_elsewhere": "U010",
    "admin": ADMIN,
    "no_team": "U020",
    "other_workspace": "UFOREIGN",
}
REFUSED = ("Only workspace admins", "Only the members of")
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
    "status": {"employee", "manager_here", "admin"},  # the team's members, its managers and admins
}


@pytest.fixture
def world(harness: Harness) -> Harness:
    make_team(harness, MEMBERS)
    harness.fake.add_user("U010")
    harness.fake.add_user("U020")  # in this workspace, in no team's channel
    harness.fake.add_user("UFOREIGN", team_id="T0002", is_admin=True)
    harness.fake.add_channel(OTHER_CHANNEL, "other", ["U010", "UBOT"])
    harness.fake.add_channel("C0WINS", "wins", ["UBOT"])
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=OTHER_CHANNEL, channel_name="other")
    # Commands run after their ack, side by side: the team must exist before its managers are named.
    harness.fake.wait_for("response_url")
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
    world.fake.add_channel("C0NEW", "new", ["U002", "UBOT"])
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
    reply = json.dumps(world.fake.wait_for("response_url")[0].params)
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


def _sender(world: Harness, role: str) -> SlackRequestSender:
    if role == "other_workspace":
        return SlackRequestSender(world.url, SIGNING_SECRET, world.fake, team_id="T0002")
    return world.sender


def _support_id(world: Harness) -> int:
    from sqlmodel import select

    from storage.models import Team

    with world.db.session_scope() as session:
        team_id = session.exec(select(Team.id).where(Team.channel_id == CHANNEL)).one()
    assert team_id is not None
    return team_id


# Home buttons: action -> (the modal it opens, roles that get it). Others get a notice saying why not.
HOME_ACTIONS: dict[str, tuple[str, set[str]]] = {
    "home_settings_schedule": ("pulse_schedule_modal", {"admin", "manager_here"}),
    "home_settings_managers": ("home_managers_modal", {"admin", "manager_here"}),
    "home_settings_winschannel": ("home_winschannel_modal", {"admin", "manager_here"}),
    "home_settings_setup": ("home_setup_modal", {"admin", "other_workspace"}),  # each admin in their own workspace
    "home_settings_cxfeed": ("home_cxfeed_modal", {"admin", "other_workspace"}),
}


@pytest.mark.parametrize("action_id", sorted(HOME_ACTIONS))
def test_home_buttons_by_role(world: Harness, action_id: str) -> None:
    callback_id, allowed = HOME_ACTIONS[action_id]
    team_id = _support_id(world)
    for role, user in ROLES.items():
        world.fake.clear_calls()
        _sender(world, role).block_action(
            user_id=user, action_id=action_id, value=str(team_id), container={"type": "view", "view_id": "VHOME"}
        )
        view = world.fake.wait_for("views.open")[0].params["view"]
        if role in allowed:
            assert view.get("callback_id") == callback_id, (role, view)
        else:  # never a silent nothing: a notice says who may
            text = json.dumps(view)
            assert view.get("callback_id") is None, (role, view)
            assert "Only" in text or NOT_A_TEAM in text, (role, text)


def _modal_values(callback_id: str) -> dict[str, object]:
    def select(value: str) -> dict[str, object]:
        return {"value": {"type": "static_select", "selected_option": {"value": value}}}

    return {
        "home_managers_modal": {
            "managers": {"value": {"type": "multi_users_select", "selected_users": ["U001", "U003"]}}
        },
        "home_winschannel_modal": {
            "channel": {"value": {"type": "conversations_select", "selected_conversation": "C0WINS"}}
        },
        "pulse_schedule_modal": {
            "cadence": select("1"),
            "weekday": select("3"),
            "time": {"value": {"type": "plain_text_input", "value": "11:30"}},
        },
        "home_setup_modal": {"channel": {"value": {"type": "conversations_select", "selected_conversation": "C0NEW"}}},
        # a source the feed refuses: an allowed role gets past the role check to the source check
        "home_cxfeed_modal": {"source": {"value": {"type": "plain_text_input", "value": "../../../../etc/passwd"}}},
    }[callback_id]


def _team_state(world: Harness, team_id: int) -> tuple[object, ...]:
    from storage import repositories as repo

    with world.db.session_scope() as session:
        team = repo.team_by_id(session, "T0001", team_id)
        assert team is not None
        managers = tuple(repo.manager_ids(session, "T0001", team_id))
        return managers, team.wins_channel_id, team.every_weeks, team.weekday, team.at_time


def _wait_for_change(
    world: Harness, team_id: int, before: tuple[object, ...], carried_out: tuple[object, ...] | None
) -> tuple[object, ...]:
    """The team after an allowed submission: changed from `before` (the first one), or as the first one left it.
    A fixed pause here failed under load: the change landed after the next role's "before" was read."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        state = _team_state(world, team_id)
        if (state != before) if carried_out is None else (state == carried_out):
            return state
        assert time.monotonic() < deadline, f"the submission never changed the team: {state}"
        time.sleep(0.05)


# Modals: callback -> roles whose submission is carried out. A refusal comes back in the modal itself
# (response_action "errors"), and nothing of this workspace's team changes.
MODALS: dict[str, set[str]] = {
    "home_managers_modal": {"admin", "manager_here"},
    "home_winschannel_modal": {"admin", "manager_here"},
    "pulse_schedule_modal": {"admin", "manager_here"},
    "home_setup_modal": {"admin", "other_workspace"},
    "home_cxfeed_modal": {"admin", "other_workspace"},
}


@pytest.mark.parametrize("callback_id", sorted(MODALS))
def test_home_modals_by_role(world: Harness, callback_id: str) -> None:
    world.fake.add_channel("C0NEW", "new", ["U005", "UBOT"])
    team_id = _support_id(world)
    team_modal = callback_id in ("home_managers_modal", "home_winschannel_modal", "pulse_schedule_modal")
    carried_out: tuple[object, ...] | None = None  # the team once an allowed role's submission has landed
    for role, user in ROLES.items():
        before = _team_state(world, team_id)
        # The modal was opened from Home, which looked the person up: their Slack record is cached. (Without it
        # the role check runs after ack() and the refusal comes by DM: tests/handlers/test_ack_first.py.)
        world.deps.users.get(user)
        response = _sender(world, role).view_submission(
            user_id=user,
            callback_id=callback_id,
            values=_modal_values(callback_id),
            private_metadata=str(team_id) if team_modal else "",
        )
        assert response.status == 200
        body = response.json() if response.text.strip() else {}
        refusal = json.dumps(body.get("errors") or {})
        if role in MODALS[callback_id]:
            assert "Only" not in refusal, (role, body)
            if callback_id == "home_cxfeed_modal":
                assert body.get("response_action") == "errors"  # the source's own error, past the role check
            else:
                assert body == {}, (role, body)
                if team_modal:
                    # The change is made after the ack: it must have landed before the next role's "before". The
                    # first allowed role changes the team; a later one sets the same values again.
                    carried_out = _wait_for_change(world, team_id, before, carried_out)
                else:
                    time.sleep(0.5)  # the new team is made after the ack: let it land before the next role
        else:
            assert body.get("response_action") == "errors", (role, body)
            assert "Only" in refusal or "isn't a Pulssi team" in refusal, (role, refusal)
            if team_modal:
                assert _team_state(world, team_id) == before, role


def test_win_goes_only_into_teams_the_author_may_share_into(world: Harness) -> None:
    """Sharing a win into the support team's channel, by forging the picker's value: only its own people can."""
    from sqlmodel import select

    from storage.models import Win

    team_id = _support_id(world)
    story = {
        "story": {"value": {"type": "plain_text_input", "value": "We fixed the customer's invoice today."}},
        "team": {"value": {"type": "static_select", "selected_option": {"value": str(team_id)}}},
    }

    def wins() -> list[int | None]:
        with world.db.session_scope() as session:
            return list(session.exec(select(Win.team_id).order_by(Win.id)).all())  # type: ignore[arg-type]

    landed: set[str] = set()
    for role, user in ROLES.items():
        before = len(wins())
        response = _sender(world, role).view_submission(
            user_id=user, callback_id="win_modal", values=story, view_id=f"VWIN-{role}"
        )
        assert response.status == 200
        if response.text.strip():
            assert "your own teams" in response.text, (role, response.text)
            continue  # refused in the modal
        deadline = time.monotonic() + WAIT_SECONDS  # the win is stored after the ack (every role past the modal)
        while len(wins()) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        if wins()[before:] == [team_id]:
            landed.add(role)
    # A manager of another team shares into their own team, whatever the forged value says.
    assert landed == {"employee", "manager_here"}


def test_person_in_no_team_is_offered_only_teams_whose_channel_they_are_in(world: Harness) -> None:
    """The /win picker used to list every team, private channels included."""
    world.fake.add_user("U030")
    world.fake.join_channel(OTHER_CHANNEL, "U030")  # joined after setup: in no team, in the other team's channel
    for user, expected in (("U030", ["other"]), ("U020", None)):
        world.fake.clear_calls()
        world.sender.command("/win", "", user_id=user, channel_id=OTHER_CHANNEL)
        view = world.fake.wait_for("views.open")[0].params["view"]
        picker = next((b for b in view["blocks"] if b.get("block_id") == "team"), None)
        if expected is None:
            assert picker is None and "channel" in json.dumps(view)
        else:
            assert picker is not None
            assert [o["text"]["text"] for o in picker["element"]["options"]] == expected


def test_home_shows_participation_only_to_the_teams_managers(world: Harness) -> None:
    world.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    world.fake.wait_for("response_url")
    for role, user in ROLES.items():
        world.fake.clear_calls()
        _sender(world, role).event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
        home = json.dumps(world.fake.wait_for("views.publish")[0].params["view"])
        assert ("Participation per round" in home) == (role == "manager_here"), role


def test_status_is_for_the_teams_people(world: Harness) -> None:
    """No role check before: anyone could read a team's status from its channel."""
    for role, user in ROLES.items():
        world.fake.clear_calls()
        _sender(world, role).command("/pulse", "status", user_id=user, channel_id=CHANNEL)
        reply = json.dumps(world.fake.wait_for("response_url")[0].params)
        shows = "support" in reply and "Only" not in reply and NOT_A_TEAM not in reply
        assert shows == (role in ("employee", "manager_here", "admin")), (role, reply)


def test_home_report_button_by_role(world: Harness) -> None:
    """The Home report button: a team's managers get their team, admins the workspace, others a refusal."""
    expected = {
        "employee": "Only",
        "manager_here": "support: people and customers",
        "manager_elsewhere": "other: people and customers",
        "admin": "Whole workspace",
        "no_team": "Only",
        "other_workspace": "Whole workspace",  # their own workspace, which holds nothing of this one
    }
    for role, user in ROLES.items():
        world.fake.clear_calls()
        _sender(world, role).block_action(
            user_id=user, action_id="home_open_report", container={"type": "view", "view_id": "VHOME"}
        )
        posted = world.fake.wait_for("chat.postMessage")[0].params
        assert expected[role] in str(posted.get("text")), (role, posted.get("text"))
        if role != "manager_here":
            assert "support: people and customers" not in json.dumps(posted), role


def test_pulse_answer_buttons_by_role(world: Harness) -> None:
    """A round's answer buttons work for the invited alone; the team's manager is not invited (not pulsed)."""
    from sqlmodel import select

    from tests.pulse_helpers import click, wait_pulse_dms

    world.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(world, len(MEMBERS) - 1)
    assert sorted(dms) == sorted(set(MEMBERS) - {ROLES["manager_here"]})
    employee_dm = dms[ROLES["employee"]]
    for role, user in ROLES.items():
        world.fake.clear_calls()
        channel, ts, blocks = employee_dm
        if role == "other_workspace":
            continue  # a forged click from another workspace is covered by the workspace filter of every lookup
        # Everyone replays the employee's own button (a forged click): only the employee's counts.
        click(world, user, (channel, ts, blocks), "autonomy", 4)

        def refused(call: Any, user: str = user) -> bool:
            return call.params.get("user") == user and "isn't yours" in str(call.params.get("text"))

        if role == "employee":
            time.sleep(1.0)  # however the answer is confirmed, it is not refused
            assert not [c for c in world.fake.calls_to("chat.postEphemeral") if refused(c)]
        else:
            world.fake.wait_for("chat.postEphemeral", predicate=refused)
    from storage import repositories as repo
    from storage.models import PulseRound

    with world.db.session_scope() as session:
        pulse_round = session.exec(select(PulseRound).where(PulseRound.status == "open")).one()
        assert repo.respondent_count(session, "T0001", pulse_round.id or 0) == 1  # the employee alone


@pytest.mark.parametrize("text", ["mute", "unmute", "delete-my-data", "help"])
def test_commands_about_oneself_work_for_every_role(world: Harness, text: str) -> None:
    for role, user in ROLES.items():
        world.fake.clear_calls()
        _sender(world, role).command("/pulse", text, user_id=user, channel_id=CHANNEL)
        reply = json.dumps(world.fake.wait_for("response_url")[0].params)
        assert not any(r in reply for r in REFUSED), (role, reply)


# -- Enterprise Grid, org-wide install: the same commands × the org's roles (tests/grid_helpers.py). The team is
# the channel made in workspace A and shared with B; `policy.may`'s table of it: tests/bot/domain/test_policy.py.
ORG_ROLES = {
    "org_admin": ("WORGADMIN", "a"),
    "admin_of_A": ("WADMINA", "a"),  # a workspace admin of the team's own workspace
    "admin_of_B_acting_in_A": ("WADMINB", "b"),  # a workspace admin of the other workspace
    "manager_of_A": ("WMGR", "a"),
    "member_of_B_in_shared": ("WB1", "b"),  # a member of B in A's channel shared with B
    "slack_connect": ("WEXT", "forged"),  # another org's person, in a request that names our org
}
ORG_MATRIX: dict[str, set[str]] = {
    "rename Support A": {"org_admin", "admin_of_A"},
    "managers <@WMGR>": {"org_admin", "admin_of_A", "manager_of_A"},
    "move <@WB2> <#C0SHARED|support>": {"org_admin", "admin_of_A"},
    "schedule every week tue 10:00": {"org_admin", "admin_of_A", "manager_of_A"},
    "now": {"org_admin", "admin_of_A", "manager_of_A"},
    "winschannel <#C0SHARED|support>": {"org_admin", "admin_of_A", "manager_of_A"},
    "export": {"org_admin"},  # spans the org: never a workspace admin's
    "status": {"org_admin", "admin_of_A", "manager_of_A", "member_of_B_in_shared"},
}


ORG_REFUSED = (*REFUSED, "only the org's admins")  # what spans the org says whose it is


@pytest.fixture
def org_world(harness: Harness) -> Any:
    from tests.grid_helpers import make_org, set_up_shared_team

    org = make_org(harness)
    set_up_shared_team(org)
    harness.fake.clear_calls()
    return org


@pytest.mark.parametrize("command", sorted(ORG_MATRIX))
def test_org_command_by_role(org_world: Any, command: str) -> None:
    for role, (user, side) in ORG_ROLES.items():
        reply = org_world.reply(getattr(org_world, side), "/pulse", command, user)
        if command == "export" and role in ORG_MATRIX[command]:
            org_world.harness.fake.wait_for("files.completeUploadExternal")
        if role in ORG_MATRIX[command]:
            assert not any(r in reply for r in ORG_REFUSED) and NOT_A_TEAM not in reply, (role, reply)
        else:
            assert any(r in reply for r in ORG_REFUSED), (role, reply)


@pytest.mark.parametrize(
    ("text", "allowed"), [("#support", {"org_admin", "admin_of_A", "manager_of_A"}), ("all", {"org_admin"})]
)
def test_org_cxreport_by_role(org_world: Any, text: str, allowed: set[str]) -> None:
    for role, (user, side) in ORG_ROLES.items():
        reply = org_world.reply(getattr(org_world, side), "/cxreport", text, user)
        assert ("Quality side" in reply) is (role in allowed), (role, reply)
        if role not in allowed:
            assert "Only" in reply, (role, reply)
