"""An org-wide Grid install taken out of some of the org's workspaces (`team_access_revoked`) and granted them
again (`team_access_granted`), through the real signed HTTP path (#21): the workspace's people are not pulsed,
DM'd or counted, a team whose channel is there pauses with nothing deleted, the org's admins see one notice on
Home; granting resumes it all. Forged team ids never touch another installation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.i18n import translate
from bot.services import outbox, team_access, teams
from bot.services.pulse_schedule import close_due_rounds, pulse_tick, start_scheduled_rounds
from handlers.delivery import after_close
from storage.models import Delivery, Membership, PulseRound, RevokedWorkspace, Team
from tests.bot.test_oauth_org_wide import ORG_PEOPLE, installed_both, org_sender
from tests.bot.test_oauth_workspaces import FIRST, MONDAY, PEOPLE, pulse_posts
from tests.conftest import BOTH_BACKENDS
from tests.grid_helpers import (
    A_PEOPLE,
    B_PEOPLE,
    MANAGER,
    ORG,
    ORG_ADMIN,
    OUTSIDER,
    SHARED,
    A,
    B,
    make_org,
    set_up_shared_team,
)
from tests.harness import SIGNING_SECRET, FrozenClock, Harness
from tests.oauth_helpers import running_oauth_app, sender_for
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import wait_pulse_dms
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender

OTHER_ORG_TEAM = "T0OTHERORG"
ORG_ADMIN_B = "WORGADMINB"  # an org admin whose workspace is B


@pytest.fixture
def grid(fake_slack: FakeSlack, database_url: str, clock: FrozenClock) -> Iterator[Harness]:
    with running_oauth_app(fake_slack, database_url, clock) as running:
        yield running


def revoked_rows(harness: Harness, org: str = ORG) -> list[str]:
    with harness.db.session_scope() as session:
        return sorted(session.exec(select(RevokedWorkspace.slack_team_id).where(RevokedWorkspace.workspace_id == org)))


def wait_rows(harness: Harness, expected: list[str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while revoked_rows(harness) != expected:
        assert time.monotonic() < deadline, revoked_rows(harness)
        time.sleep(0.02)


def pulsed(harness: Harness) -> list[str]:
    return sorted(str(c.params["channel"]) for c in pulse_posts(harness))


def home_text(harness: Harness, user: str) -> str:
    fake = harness.fake
    before = len([c for c in fake.calls_to("views.publish") if c.params.get("user_id") == user])
    org_sender(harness, A).event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    published = fake.wait_for("views.publish", count=before + 1, predicate=lambda c: c.params.get("user_id") == user)
    view = published[-1].params["view"]
    return json.dumps(view if isinstance(view, dict) else json.loads(str(view)))


def shared_team(harness: Harness) -> Team:
    with harness.db.session_scope() as session:
        team = session.exec(select(Team).where(Team.channel_id == SHARED)).one()
        session.expunge(team)
        return team


@BOTH_BACKENDS
def test_a_workspace_taken_out_of_the_org_install_is_not_pulsed_until_granted_again(grid: Harness) -> None:
    installed_both(grid)
    org = org_sender(grid, A)
    grid.clock.set(MONDAY + timedelta(hours=7))  # 09:00 in Helsinki: the round opens, every DM queued
    assert start_scheduled_rounds(grid.deps) == 2

    # The org admin takes Pulssi out of workspace B while the DMs wait; Slack retries the event once.
    assert org.team_access("team_access_revoked", [B], event_id="EvREVOKEB").status == 200
    wait_rows(grid, [B])
    assert org.team_access("team_access_revoked", [B], event_id="EvREVOKEB", retry_num=1).status == 200
    assert org.team_access("team_access_revoked", [B]).status == 200  # delivered twice under two ids: no change
    time.sleep(0.3)
    assert revoked_rows(grid) == [B]

    outbox.send_due_pulses(grid.deps)
    wait_pulse_dms(grid, len(A_PEOPLE) + len(PEOPLE[FIRST]))
    time.sleep(0.3)
    assert pulsed(grid) == sorted(A_PEOPLE + PEOPLE[FIRST])  # B's people got nothing, with the org's token or not
    team = shared_team(grid)
    with grid.db.session_scope() as session:
        rounds = session.exec(select(PulseRound).where(PulseRound.team_id == team.id)).all()
        assert [r.invited for r in rounds] == [len(A_PEOPLE)]  # B's people are not counted as invitees
        withdrawn = session.exec(select(Delivery).where(Delivery.last_error == team_access.REVOKED)).all()
        assert sorted(d.user_id for d in withdrawn) == sorted(B_PEOPLE)

    # Home tells the org's admin once (one notice, however many events came); a person of A sees nothing of it.
    notice = "took Pulssi out of some of its workspaces"
    assert home_text(grid, ORG_ADMIN).count(notice) == 1
    assert notice not in home_text(grid, A_PEOPLE[0])

    # Next week's round: B's people are left out at the start; their memberships wait, inactive.
    grid.fake.clear_calls()
    grid.clock.set(MONDAY + timedelta(days=7, hours=7))
    pulse_tick(grid.deps, after_close)
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(A_PEOPLE) + len(PEOPLE[FIRST]))
    time.sleep(0.3)
    assert pulsed(grid) == sorted(A_PEOPLE + PEOPLE[FIRST])
    with grid.db.session_scope() as session:
        kept = session.exec(select(Membership).where(Membership.team_id == team.id)).all()
        assert sorted(m.user_id for m in kept if not m.active) == sorted(B_PEOPLE)
        latest = session.exec(select(PulseRound).where(PulseRound.team_id == team.id, PulseRound.status == "open"))
        assert [r.invited for r in latest] == [len(A_PEOPLE)]

    # The org adds Pulssi to B again: the notice goes and the week after pulses both workspaces.
    assert org.team_access("team_access_granted", [B]).status == 200
    wait_rows(grid, [])
    assert notice not in home_text(grid, ORG_ADMIN)
    grid.fake.clear_calls()
    grid.clock.set(MONDAY + timedelta(days=14, hours=7))
    pulse_tick(grid.deps, after_close)
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(ORG_PEOPLE) + len(PEOPLE[FIRST]))
    assert pulsed(grid) == sorted(ORG_PEOPLE + PEOPLE[FIRST])


@BOTH_BACKENDS
def test_a_team_whose_channel_is_in_a_workspace_taken_out_pauses_and_resumes(grid: Harness) -> None:
    """The shared channel was made in A: with A taken out its team starts no round and posts no digest; the
    team and its members stay; the standalone workspace goes on."""
    installed_both(grid)
    org = org_sender(grid, A)
    grid.clock.set(MONDAY + timedelta(hours=7))
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(ORG_PEOPLE) + len(PEOPLE[FIRST]))

    assert org.team_access("team_access_revoked", [A]).status == 200
    wait_rows(grid, [A])
    grid.fake.clear_calls()
    grid.clock.set(MONDAY + timedelta(days=7, hours=7))
    assert close_due_rounds(grid.deps, after_close) == 2  # both close (aggregates); only FIRST's digest goes out
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(PEOPLE[FIRST]))
    time.sleep(0.3)
    assert pulsed(grid) == PEOPLE[FIRST]
    posted_in = [str(c.params.get("channel")) for c in grid.fake.calls_to("chat.postMessage")]
    assert SHARED not in posted_in  # no digest in the paused team's channel
    team = shared_team(grid)
    with grid.db.session_scope() as session:
        assert (
            session.exec(select(PulseRound).where(PulseRound.team_id == team.id, PulseRound.status == "open")).all()
            == []
        )
        assert session.exec(select(Membership).where(Membership.team_id == team.id)).all()  # nothing deleted
    assert "grid-support" in home_text(grid, ORG_ADMIN)  # the notice names the paused team

    assert org.team_access("team_access_granted", [A]).status == 200
    wait_rows(grid, [])
    grid.fake.clear_calls()
    pulse_tick(grid.deps, after_close)  # still within this week's window: the paused round starts now
    wait_pulse_dms(grid, len(ORG_PEOPLE))
    assert pulsed(grid) == sorted(ORG_PEOPLE)


@BOTH_BACKENDS
def test_forged_team_ids_never_touch_another_installation(grid: Harness) -> None:
    """The org's event naming the standalone workspace and another org's workspace, and a standalone
    workspace's event naming the org's workspaces: no one else's people or teams stop."""
    installed_both(grid)
    org = org_sender(grid, A)
    assert org.team_access("team_access_revoked", [FIRST, OTHER_ORG_TEAM, "not-a-team", "E0OTHER"]).status == 200
    wait_rows(grid, sorted([FIRST, OTHER_ORG_TEAM]))  # kept under the org alone, where they match no one
    # The standalone workspace's install receiving an event naming the org's workspaces (no org install there).
    standalone = sender_for(grid, FIRST)
    standalone.enterprise_id = ORG  # a forged envelope: the org named, but the authorization is FIRST's
    assert (
        standalone.post_raw(
            json.dumps(
                {
                    **standalone.event_envelope({"type": "team_access_revoked", "team_ids": [A, B]}),
                    "enterprise_id": ORG,
                }
            ).encode(),
            content_type="application/json",
        ).status
        == 200
    )
    time.sleep(0.3)
    assert revoked_rows(grid, FIRST) == [] and revoked_rows(grid) == sorted([FIRST, OTHER_ORG_TEAM])

    grid.clock.set(MONDAY + timedelta(hours=7))
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(ORG_PEOPLE) + len(PEOPLE[FIRST]))
    assert pulsed(grid) == sorted(ORG_PEOPLE + PEOPLE[FIRST])


@BOTH_BACKENDS
def test_single_token_org_wide_mode_leaves_a_workspace_taken_out_unpulsed(harness: Harness) -> None:
    """One SLACK_BOT_TOKEN installed org-wide (manifest.yml's org_deploy_enabled): the same events, the same
    rule; `/pulse now` in the shared channel reaches A's people alone while B is out, and both once granted."""
    org = make_org(harness)
    set_up_shared_team(org)
    assert org.a.team_access("team_access_revoked", [B]).status == 200
    wait_rows(harness, [B])
    # Jobs' other DMs (nudges, tough moments, conversation replies) skip B's people as outside the install.
    assert teams.is_outsider(harness.deps, ORG, B_PEOPLE[0]) and not teams.is_outsider(harness.deps, ORG, A_PEOPLE[0])
    assert team_access.person_out(harness.deps, ORG, B_PEOPLE[0])
    org.reply(org.a, "/pulse", "now", MANAGER)
    assert sorted(wait_pulse_dms(harness, len(A_PEOPLE))) == sorted(A_PEOPLE)
    time.sleep(0.3)
    assert sorted(wait_pulse_dms(harness, len(A_PEOPLE))) == sorted(A_PEOPLE)
    assert "closed" in org.reply(org.a, "/pulse", "close", MANAGER)

    assert org.a.team_access("team_access_granted", [B]).status == 200
    wait_rows(harness, [])
    assert not teams.is_outsider(harness.deps, ORG, B_PEOPLE[0])
    harness.fake.clear_calls()
    org.reply(org.a, "/pulse", "now", MANAGER)
    assert sorted(wait_pulse_dms(harness, len(A_PEOPLE + B_PEOPLE))) == sorted(A_PEOPLE + B_PEOPLE)


@BOTH_BACKENDS
def test_pulse_now_in_a_paused_team_starts_nothing_and_says_how_it_resumes(harness: Harness) -> None:
    """The shared channel was made in A; with A taken out its team is paused. An org admin of B runs
    `/pulse now` there: no round, no DM, and an answer in their own language saying the team is paused
    since when and how it resumes. Granting A again lets the same command start the round."""
    org = make_org(harness)
    harness.fake.add_grid_user(ORG_ADMIN_B, B, is_org_admin=True)
    harness.fake.add_channel(
        SHARED, "support", [*A_PEOPLE, *B_PEOPLE, MANAGER, ORG_ADMIN_B, "UBOT"], host_team_id=A, shared_team_ids=[A, B]
    )
    set_up_shared_team(org)
    assert org.b.team_access("team_access_revoked", [A]).status == 200
    wait_rows(harness, [A])
    harness.fake.clear_calls()

    since = "2026-03-02 08:00"  # the clock's now in the person's zone, when the revocation came
    reply = json.loads(org.reply(org.b, "/pulse", "now", ORG_ADMIN_B))
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == translate("en", "pulsecmd.now.paused", team="support", since=since)
    assert "nothing is lost" in reply["text"] and "adds Pulssi back" in reply["text"]
    time.sleep(0.3)
    assert pulse_posts(harness) == []
    with harness.db.session_scope() as session:
        assert session.exec(select(PulseRound)).all() == []

    assert "suomi" in org.reply(org.b, "/pulse", "language fi", ORG_ADMIN_B)
    reply = json.loads(org.reply(org.b, "/pulse", "now", ORG_ADMIN_B))
    assert reply["text"] == translate("fi", "pulsecmd.now.paused", team="support", since=since)
    assert "tauolla" in reply["text"]

    assert org.b.team_access("team_access_granted", [A]).status == 200
    wait_rows(harness, [])
    reply = org.reply(org.b, "/pulse", "now", ORG_ADMIN_B)
    assert "tauolla" not in reply
    with harness.db.session_scope() as session:
        assert len(session.exec(select(PulseRound)).all()) == 1


@BOTH_BACKENDS
@pytest.mark.parametrize("authorized_team", [None, A, B], ids=["org-wide", "docs-shape-A", "docs-shape-B"])
def test_team_access_events_reach_the_org_install_in_either_envelope_shape(
    grid: Harness, authorized_team: str | None
) -> None:
    """Slack's docs show these events authorized as one of the org's workspaces (a `T…` team,
    `is_enterprise_install: false`); the org-wide form names the org alone. Both reach the org's install."""
    installed_both(grid)
    org = org_sender(grid, A)
    assert org.team_access("team_access_revoked", [B], authorized_team=authorized_team).status == 200
    wait_rows(grid, [B])
    assert org.team_access("team_access_granted", [B], authorized_team=authorized_team).status == 200
    wait_rows(grid, [])


@BOTH_BACKENDS
def test_only_team_access_events_of_a_workspace_without_its_own_install_are_taken_as_the_org_s(grid: Harness) -> None:
    """The org's token is not lent further: another event authorized as a workspace of the org that has no
    install of its own (Home opened there) is not served; nor is a team access event whose workspace has its
    own install (the standalone workspace, as if it were the org's)."""
    installed_both(grid)
    as_workspace_a = SlackRequestSender(grid.url, SIGNING_SECRET, grid.fake, team_id=A, enterprise_id=ORG)
    user = A_PEOPLE[0]
    assert as_workspace_a.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user}).status
    time.sleep(0.5)
    assert grid.fake.calls_to("views.publish") == []
    assert org_sender(grid, A).team_access("team_access_revoked", [B], authorized_team=FIRST).status == 200
    time.sleep(0.3)
    assert revoked_rows(grid) == [] and revoked_rows(grid, FIRST) == []
    # The same sender's team access event is the org's, and the org-wide form of Home still works.
    assert as_workspace_a.team_access("team_access_revoked", [B], authorized_team=A).status == 200
    wait_rows(grid, [B])
    assert "took Pulssi out of some of its workspaces" in home_text(grid, ORG_ADMIN)


@BOTH_BACKENDS
def test_single_token_org_wide_mode_takes_the_docs_envelope_as_the_org_s(harness: Harness) -> None:
    org = make_org(harness)
    set_up_shared_team(org)
    assert org.a.team_access("team_access_revoked", [B], authorized_team=A).status == 200
    wait_rows(harness, [B])
    assert org.a.team_access("team_access_granted", [B], authorized_team=B).status == 200
    wait_rows(harness, [])


def test_a_win_thanks_nobody_outside_the_install_by_dm(harness: Harness) -> None:
    """Attack: a member thanks, in a win, people the install must not DM: a person of a workspace the org took
    Pulssi out of, and a person of another org in the shared channel (Slack Connect). The celebration in the
    channel names them as the author wrote it; the thank-you DM (the story, from the bot) goes only to
    colleagues the install reaches."""
    from tests.security.test_markup_injection import win_values

    org = make_org(harness)
    set_up_shared_team(org)
    assert org.a.team_access("team_access_revoked", [B]).status == 200
    wait_rows(harness, [B])
    harness.fake.clear_calls()
    thanked = [A_PEOPLE[1], B_PEOPLE[0], OUTSIDER]
    org.a.view_submission(user_id=A_PEOPLE[0], callback_id="win_modal", values=win_values("We fixed it", "", thanked))
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == SHARED)
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == A_PEOPLE[1])
    harness.fake.wait_for("chat.postEphemeral")  # "thanks for sharing": the listener's last Slack call but Home
    time.sleep(0.3)
    dms = {str(c.params["channel"]) for c in harness.fake.calls_to("chat.postMessage")} - {SHARED}
    assert dms == {A_PEOPLE[1]}
