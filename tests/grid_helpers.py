"""An Enterprise Grid org at the fake Slack, installed org-wide (single-token mode): two workspaces A and B,
a team channel made in A and shared with B, a channel of B alone, admins of each, an org admin, a guest and a
person of another org (Slack Connect); senders that speak Grid's org-wide payload shapes for each side."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.harness import SIGNING_SECRET, Harness
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender

ORG, OTHER_ORG = "E0PULSSI", "E0OTHER"
A, B, CONNECT_TEAM = "T0A", "T0B", "T0X"
SHARED = "C0SHARED"  # made in A, shared with B
B_ONLY = "C0BONLY"  # a channel of B alone
A_PEOPLE = ["WA1", "WA2", "WA3"]
B_PEOPLE = ["WB1", "WB2", "WB3"]
MANAGER = "WMGR"  # of workspace A
ORG_ADMIN, ADMIN_A, ADMIN_B = "WORGADMIN", "WADMINA", "WADMINB"
GUEST_B = "WGUESTB"
OUTSIDER = "WEXT"  # another org's person in the shared channel (Slack Connect)


@dataclass
class Org:
    harness: Harness
    a: SlackRequestSender  # people acting in workspace A
    b: SlackRequestSender
    connect: SlackRequestSender  # the Slack Connect person, as their own org sends them
    forged: SlackRequestSender  # the same person in a request that names our org (as an org-wide payload would)

    def reply(self, sender: SlackRequestSender, command: str, text: str, user: str, channel: str = SHARED) -> str:
        fake = self.harness.fake
        fake.clear_calls()
        response = sender.command(command, text, user_id=user, channel_id=channel, channel_name=channel.lower())
        assert response.status == 200
        text = json.dumps(fake.wait_for("response_url", timeout=30)[0].params)
        if command == "/cxreport" and "Quality side" in text:  # its chart follows: let it land before the next
            fake.wait_for("files.completeUploadExternal", timeout=30)
        return text


def add_org_people(fake: FakeSlack) -> None:
    """The org's people at the fake (after make_org or add_org): A's and B's, A's manager, the org admin and
    each workspace's admin."""
    for user in A_PEOPLE:
        fake.add_grid_user(user, A)
    for user in B_PEOPLE:
        fake.add_grid_user(user, B)
    fake.add_grid_user(MANAGER, A)
    fake.add_grid_user(ORG_ADMIN, A, is_org_admin=True)
    fake.add_grid_user(ADMIN_A, A, is_admin=True)
    fake.add_grid_user(ADMIN_B, B, is_admin=True)


def make_org(harness: Harness) -> Org:
    fake = harness.fake
    fake.make_org(ORG)
    add_org_people(fake)
    fake.add_guest(GUEST_B, team_id=B, teams=[B], enterprise_id=ORG)
    fake.add_external_user(OUTSIDER, team_id=CONNECT_TEAM, enterprise_id=OTHER_ORG, is_admin=True)
    channel = [*A_PEOPLE, *B_PEOPLE, MANAGER, GUEST_B, OUTSIDER, "UBOT"]
    fake.add_channel(SHARED, "support", channel, host_team_id=A, shared_team_ids=[A, B])
    fake.add_channel(B_ONLY, "billing", [*B_PEOPLE, ADMIN_B, "UBOT"], host_team_id=B)

    def sender(team: str, **grid: object) -> SlackRequestSender:
        return SlackRequestSender(harness.url, SIGNING_SECRET, fake, team_id=team, **grid)  # type: ignore[arg-type]

    return Org(
        harness,
        a=sender(A, enterprise_id=ORG, org_install=True),
        b=sender(B, enterprise_id=ORG, org_install=True),
        connect=sender(CONNECT_TEAM, enterprise_id=OTHER_ORG, installed_id=ORG),
        forged=sender(A, enterprise_id=ORG, org_install=True),
    )


def set_up_shared_team(org: Org) -> None:
    """The org admin sets up the shared channel; A's admin names A's manager (and tries the outsider)."""
    reply = org.reply(org.a, "/pulse", "setup", ORG_ADMIN)
    assert "Pulssi team" in reply, reply
    reply = org.reply(org.a, "/pulse", f"managers <@{MANAGER}> <@{OUTSIDER}>", ADMIN_A)  # A's admin, A's team
    assert f"<@{MANAGER}>" in reply and OUTSIDER not in reply, reply  # never a manager from another org
