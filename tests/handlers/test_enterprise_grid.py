"""Enterprise Grid, end to end over HTTP: an org-wide install (one token for the org, single-token mode) with
two workspaces, A and B, and a team channel made in A and shared with B.

Payloads are Grid's org-wide shapes (tests/slack/sender.py): `team: null`, `is_enterprise_install: true`, the
person's own workspace in `user.team_id`, `view.app_installed_team_id` = the org's E… id, W… user ids.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from handlers.common import workspace_id_of
from tests.conftest import BOTH_BACKENDS
from tests.grid_helpers import (
    A_PEOPLE,
    ADMIN_A,
    ADMIN_B,
    B_ONLY,
    B_PEOPLE,
    CONNECT_TEAM,
    MANAGER,
    ORG,
    ORG_ADMIN,
    OUTSIDER,
    SHARED,
    A,
    B,
    Org,
    make_org,
    set_up_shared_team,
)
from tests.harness import Harness
from tests.pulse_helpers import click, wait_pulse_dms


@pytest.fixture
def org(harness: Harness) -> Org:
    return make_org(harness)


def _run_round(org: Org, answers: dict[str, int]) -> dict[str, tuple[str, str, list[dict[str, object]]]]:
    harness = org.harness
    org.reply(org.a, "/pulse", "now", MANAGER)
    invited = [*A_PEOPLE, *B_PEOPLE]
    dms = wait_pulse_dms(harness, len(invited))
    assert sorted(dms) == sorted(invited)  # both workspaces; not the manager, the guest or the other org
    for user, value in answers.items():
        sender = org.a if user in A_PEOPLE else org.b
        for question in ("autonomy", "competence", "belonging"):
            click(harness, user, dms[user], question, value, sender=sender)
    harness.fake.wait_for("chat.postEphemeral", count=3 * len(answers))
    assert "closed" in org.reply(org.a, "/pulse", "close", MANAGER)
    return dms


def test_org_wide_payloads_name_the_org_as_the_installation(org: Org) -> None:
    """What every handler's `workspace_id_of` sees, for each of Grid's org-wide payload kinds."""
    b = org.b
    payloads = [
        b.command_payload("/pulse", "help", user_id="WB1"),
        b.block_action_payload(user_id="WB1", action_id="x", value="1"),
        b.block_action_payload(user_id="WB1", action_id="x", container={"type": "view", "view_id": "VHOME"}),
        b.view_submission_payload(user_id="WB1", callback_id="x", values={}),
        b.view_closed_payload(user_id="WB1", callback_id="x"),
        b.event_envelope({"type": "app_home_opened", "user": "WB1", "tab": "home", "channel": "DWB1"}),
    ]
    assert [workspace_id_of(p) for p in payloads] == [ORG] * len(payloads)
    # A person of another org reaching the install through a Slack Connect channel: the view names our org,
    # a slash command only their own workspace (never ours).
    assert workspace_id_of(org.connect.view_submission_payload(user_id=OUTSIDER, callback_id="x", values={})) == ORG
    assert workspace_id_of(org.connect.command_payload("/pulse", "help", user_id=OUTSIDER)) == CONNECT_TEAM


@BOTH_BACKENDS
def test_a_shared_channel_pulses_both_workspaces_into_one_team_result(org: Org) -> None:
    harness = org.harness
    set_up_shared_team(org)
    from storage.models import Team, Workspace

    with harness.db.session_scope() as session:
        [team] = session.exec(select(Team)).all()
        workspace = session.get(Workspace, ORG)
        assert (team.workspace_id, team.slack_team_id) == (ORG, A)  # the org's row; the channel is A's
        assert workspace is not None and workspace.enterprise_id == ORG

    # Three of A and two of B answer: only together do they reach k = 5.
    answers = {"WA1": 5, "WA2": 4, "WA3": 4, "WB1": 3, "WB2": 4}
    _run_round(org, answers)
    digest = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == SHARED)
    text = json.dumps(digest[0].params["blocks"])
    assert "4.00" in text and "n=5" in text  # autonomy mean of 5,4,4,3,4, one result for the team
    assert not any(user in text for user in answers)
    assert OUTSIDER not in {c.params.get("channel") for c in harness.fake.calls_to("chat.postMessage")}

    # A manager of workspace A sees the team's report (B's answers inside it, never apart).
    report = org.reply(org.a, "/cxreport", "#support 8", MANAGER)
    assert "Quality side" in report and "n=5" in report, report
    # The org admin sees the whole org; A's workspace admin not (it spans B too).
    assert "Whole workspace" in org.reply(org.a, "/cxreport", "all", ORG_ADMIN)
    assert "Only the org's admins" in org.reply(org.a, "/cxreport", "all", ADMIN_A)

    # The Slack Connect person: no report, neither from their own org's payload nor by naming ours.
    assert "Quality side" not in org.reply(org.connect, "/cxreport", "#support", OUTSIDER)
    refused = org.reply(org.forged, "/cxreport", "#support", OUTSIDER)
    assert "Quality side" not in refused and "Only" in refused, refused
    # The B member whose answer is in it is a team member: status, not the report.
    assert "Only" in org.reply(org.b, "/cxreport", "#support", "WB1")


def test_workspace_admins_run_their_own_workspaces_teams_only(org: Org) -> None:
    """The role matrix's org dimension over HTTP (the table itself: tests/bot/domain/test_policy.py)."""
    set_up_shared_team(org)
    # B's admin acting on A's team: refused; on a channel of B: their own.
    assert "Only" in org.reply(org.b, "/pulse", "schedule every week tue 10:00", ADMIN_B)
    assert "Only" in org.reply(org.b, "/pulse", "rename Support A", ADMIN_B)
    assert "Pulssi team" in org.reply(org.b, "/pulse", "setup", ADMIN_B, channel=B_ONLY)
    # A's admin acting in B: refused, whichever workspace they type in.
    assert "Only workspace admins" in org.reply(org.b, "/pulse", "setup", ADMIN_A, channel=B_ONLY)
    assert "Only" in org.reply(org.a, "/pulse", "schedule every week wed 10:00", ADMIN_A, channel=B_ONLY)
    assert "Only" not in org.reply(org.a, "/pulse", "schedule every week wed 10:00", ADMIN_A)  # A's own team
    # What spans the org is the org admins' alone.
    assert "only the org's admins" in org.reply(org.a, "/pulse", "export", ADMIN_A)
    assert "only the org's admins" in org.reply(org.a, "/pulse", "cxfeed", ADMIN_A)
    assert "CX feed" in org.reply(org.a, "/pulse", "cxfeed", ORG_ADMIN)
    # A member of A in the channel shared with B: a team member (status), nothing more.
    status = org.reply(org.a, "/pulse", "status", "WA1")
    assert "support" in status and "Only" not in status, status
    assert "Only" in org.reply(org.b, "/pulse", "status", "WB1", channel=B_ONLY)  # B's team: not theirs
    assert "Only" in org.reply(org.a, "/pulse", "now", "WA1")
    # The Slack Connect person has no role, and their own org holds no team of ours.
    assert "support" not in org.reply(org.connect, "/pulse", "status", OUTSIDER).lower()


def test_win_picker_asks_slack_for_the_persons_own_workspace(org: Org) -> None:
    """users.conversations with an org-wide token needs the workspace (`team_id`); without it a person in no
    team would be offered nothing. A newcomer of B, in B's team channel but in no team yet, gets B's team."""
    set_up_shared_team(org)
    assert "Pulssi team" in org.reply(org.b, "/pulse", "setup", ADMIN_B, channel=B_ONLY)
    fake = org.harness.fake
    fake.add_grid_user("WB9", B)
    fake.join_channel(B_ONLY, "WB9")  # after setup: in no team, in billing's channel
    fake.clear_calls()
    org.b.command("/win", "", user_id="WB9", channel_id=B_ONLY)
    view = fake.wait_for("views.open")[0].params["view"]
    picker = next(b for b in view["blocks"] if b.get("block_id") == "team")
    assert [o["text"]["text"] for o in picker["element"]["options"]] == ["billing"]
    [asked] = fake.calls_to("users.conversations")
    assert asked.params.get("team_id") == B
