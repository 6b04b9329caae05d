"""An Enterprise Grid org installed org-wide through the OAuth flow (#21), next to a standalone workspace in the
same database: one installation, one token and one workspace row (the org's E… id) for every workspace of the
org; a team channel shared by two of its workspaces pulses both; revoking the org stops the org alone."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.services.jobs import housekeeping
from bot.services.pulse_schedule import pulse_tick
from handlers.delivery import after_close
from storage.models import ProcessedEvent, Team, Workspace
from tests.bot.test_oauth_workspaces import (
    ADMINS,
    CHANNELS,
    FIRST,
    MONDAY,
    PEOPLE,
    pulse_posts,
    refusals,
    set_up,
    uninstall,
)
from tests.conftest import BOTH_BACKENDS
from tests.grid_helpers import (
    A_PEOPLE,
    ADMIN_A,
    ADMIN_B,
    B_PEOPLE,
    MANAGER,
    ORG,
    ORG_ADMIN,
    SHARED,
    A,
    B,
    add_org_people,
)
from tests.harness import SIGNING_SECRET, FrozenClock, Harness
from tests.oauth_helpers import install, running_oauth_app, wait_uninstalled, workspace_row
from tests.pulse_helpers import wait_pulse_dms
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import APP_ID, SlackRequestSender

ORG_PEOPLE = [*A_PEOPLE, *B_PEOPLE]
SHARED_NAME = "grid-support"


def org_sender(harness: Harness, team_id: str) -> SlackRequestSender:
    """Requests from a person in `team_id`, one of the org's workspaces, as an org-wide install gets them."""
    return SlackRequestSender(
        harness.url, SIGNING_SECRET, harness.fake, team_id=team_id, enterprise_id=ORG, org_install=True
    )


def make_grid_org(fake: FakeSlack, *, admins_in_the_channel: bool = False) -> None:
    """The org, its two workspaces A and B, their people and admins, the team channel made in A and shared
    with B (the installed bot in it)."""
    fake.add_org(ORG, "Example Org", {A: "Workspace A", B: "Workspace B"})
    add_org_people(fake)
    members = [*ORG_PEOPLE, MANAGER, "UBOT", *([ADMIN_A, ADMIN_B] if admins_in_the_channel else [])]
    fake.add_channel(SHARED, SHARED_NAME, members, host_team_id=A, shared_team_ids=[A, B])


def reply(
    harness: Harness, sender: SlackRequestSender, text: str, user: str, channel: str = SHARED, command: str = "/pulse"
) -> str:
    fake = harness.fake
    answered, uploaded = len(fake.calls_to("response_url")), len(fake.calls_to("files.completeUploadExternal"))
    named = SHARED_NAME if channel == SHARED else channel.lower()
    assert sender.command(command, text, user_id=user, channel_id=channel, channel_name=named).status == 200
    said = json.dumps(fake.wait_for("response_url", count=answered + 1)[-1].params)
    if command == "/cxreport" and "Quality side" in said:  # its chart follows: let it land before the next
        fake.wait_for("files.completeUploadExternal", count=uploaded + 1, timeout=30)
    return said


def set_up_org_team(harness: Harness) -> None:
    a = org_sender(harness, A)
    assert "Pulssi team" in reply(harness, a, "setup", ORG_ADMIN)
    reply(harness, a, "schedule every week mon 09:00", ORG_ADMIN)
    # A workspace admin of the org runs their workspace's team: names its manager (who is then not pulsed).
    assert f"<@{MANAGER}>" in reply(harness, a, f"managers <@{MANAGER}>", ADMIN_A)


def installed_both(harness: Harness, **grid: bool) -> dict[str, str]:
    """The standalone workspace and the org, each installed through /slack/install; the tokens Slack gave out."""
    harness.clock.set(MONDAY - timedelta(days=3))
    make_grid_org(harness.fake, **grid)
    tokens = {FIRST: install(harness, FIRST, ADMINS[FIRST]), ORG: install(harness, ORG, ORG_ADMIN)}
    set_up(harness, FIRST)
    set_up_org_team(harness)
    harness.fake.clear_calls()
    return tokens


def only_one_uninstalled(harness: Harness, *, gone: str, kept: str, kept_token: str) -> None:
    """`gone`'s installation has no token left; `kept`'s still has its own, and its workspace row is neither
    uninstalled nor stopped."""
    store = harness.deps.installations.store  # type: ignore[union-attr]
    assert store.latest_for_team(gone) is None
    installation = store.latest_for_team(kept)
    assert installation is not None and installation.bot_token == kept_token
    row = workspace_row(harness, kept)
    assert row is not None and row.uninstalled_at is None and row.sending_stopped_at is None


@pytest.fixture
def grid(fake_slack: FakeSlack, database_url: str, clock: FrozenClock) -> Iterator[Harness]:
    with running_oauth_app(fake_slack, database_url, clock) as running:
        yield running


def uninstall_org(harness: Harness, event_type: str) -> None:
    """Slack revokes the org's tokens and tells the app, as its Grid events come (slack-payloads
    app_uninstalled.grid.json, tokens_revoked.grid_bot.json): no `authorizations`, the envelope's `team_id` a
    workspace of the org and `enterprise_id` the org."""
    harness.fake.revoke_workspace(ORG)
    _revoked_event(harness, event_type, A)
    wait_uninstalled(harness, ORG)


@BOTH_BACKENDS
@pytest.mark.parametrize("event_type", ["app_uninstalled", "tokens_revoked"])
def test_an_org_wide_oauth_install_pulses_a_shared_channel_from_two_workspaces(grid: Harness, event_type: str) -> None:
    tokens = installed_both(grid)
    assert tokens[ORG].startswith(f"xoxb-{ORG}-")  # the org's own token (the fake names its holder in it)
    org = workspace_row(grid, ORG)
    assert org is not None and org.enterprise_id == ORG and org.uninstalled_at is None
    with grid.db.session_scope() as session:
        team = session.exec(select(Team).where(Team.channel_id == SHARED)).one()
        assert (team.workspace_id, team.slack_team_id) == (ORG, A)

    grid.clock.set(MONDAY + timedelta(hours=7))  # 09:00 in Helsinki: both installations' rounds in one tick
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(ORG_PEOPLE) + len(PEOPLE[FIRST]))
    posts = pulse_posts(grid)
    assert sorted(str(c.params["channel"]) for c in posts) == sorted(ORG_PEOPLE + PEOPLE[FIRST])
    for call in posts:
        person = str(call.params["channel"])
        expected = tokens[ORG] if person in ORG_PEOPLE else tokens[FIRST]
        assert call.headers["authorization"] == f"Bearer {expected}", person
    # Nothing the tick did for either installation went out with the other's token.
    for call in grid.fake.calls:
        named = json.dumps(call.params)
        if any(p in named for p in ORG_PEOPLE) or SHARED in named:
            assert grid.fake.team_of_call(call) == ORG, (call.method, named)
        if any(p in named for p in PEOPLE[FIRST]) or CHANNELS[FIRST] in named:
            assert grid.fake.team_of_call(call) == FIRST, (call.method, named)
    assert refusals(grid) == []

    # The org's admin revokes it: the org stops and its tokens go; the standalone workspace is untouched.
    uninstall_org(grid, event_type)
    row = workspace_row(grid, ORG)
    assert row is not None and row.sending_stopped_reason == event_type
    only_one_uninstalled(grid, gone=ORG, kept=FIRST, kept_token=tokens[FIRST])

    grid.fake.clear_calls()
    grid.clock.set(MONDAY + timedelta(days=7, hours=7))  # the next Monday's rounds
    pulse_tick(grid.deps, after_close)  # closes last week's rounds (the org's too, sending nothing)
    pulse_tick(grid.deps, after_close)
    wait_pulse_dms(grid, len(PEOPLE[FIRST]))
    time.sleep(0.3)
    assert sorted(str(c.params["channel"]) for c in pulse_posts(grid)) == PEOPLE[FIRST]
    assert [c.method for c in grid.fake.calls if grid.fake.team_of_call(c) == ORG] == []  # nothing tried with it
    assert "token_revoked" not in refusals(grid)


@BOTH_BACKENDS
def test_an_org_wide_install_rotates_its_token_in_jobs_and_listeners_and_a_reinstall_restores_it(
    fake_slack: FakeSlack, database_url: str, clock: FrozenClock
) -> None:
    # Every token is within Pulssi's refresh time (2 hours) from the start, and outlives a fan-out on a loaded
    # machine (2 s did not: the refreshed token ran out halfway through the DMs).
    fake_slack.token_rotation_seconds = 60
    with running_oauth_app(fake_slack, database_url, clock) as grid:
        tokens = installed_both(grid)
        installed = grid.deps.installations.store.latest_for_team(ORG)  # type: ignore[union-attr]
        assert installed is not None and installed.is_enterprise_install and installed.team_id is None
        assert installed.bot_refresh_token and installed.bot_token_expires_at is not None
        fake_slack.expire_tokens()  # the install's tokens have expired
        grid.clock.set(MONDAY + timedelta(hours=7))
        pulse_tick(grid.deps, after_close)  # the job refreshes the org's token before its first call
        wait_pulse_dms(grid, len(ORG_PEOPLE) + len(PEOPLE[FIRST]))
        for call in pulse_posts(grid):
            used = call.headers["authorization"][len("Bearer ") :]
            assert used not in tokens.values()
            owner = fake_slack.issued[used].team_id
            assert owner == (ORG if str(call.params["channel"]) in ORG_PEOPLE else FIRST)
        assert "token_expired" not in refusals(grid)

        # A listener in workspace B: Bolt authorizes it with the org's installation, refreshed first.
        fake_slack.expire_tokens()
        fake_slack.clear_calls()
        person = B_PEOPLE[0]
        org_sender(grid, B).event({"type": "app_home_opened", "user": person, "tab": "home", "channel": "D" + person})
        published = fake_slack.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == person)
        assert (published[0].answer or {}).get("ok") is True
        assert fake_slack.team_of_call(published[0]) == ORG
        assert fake_slack.calls_to("oauth.v2.access") and "token_expired" not in refusals(grid)

        # Uninstalled, then installed again within 30 days: the org's team, schedule and sending are back.
        uninstall_org(grid, "app_uninstalled")
        new_token = install(grid, ORG, ORG_ADMIN)
        restored = workspace_row(grid, ORG)
        assert restored is not None and restored.uninstalled_at is None and restored.sending_stopped_at is None
        with grid.db.session_scope() as session:
            assert [t.channel_id for t in session.exec(select(Team).where(Team.workspace_id == ORG))] == [SHARED]
        fake_slack.clear_calls()
        grid.clock.set(MONDAY + timedelta(days=7, hours=7))
        pulse_tick(grid.deps, after_close)  # closes last week's rounds
        pulse_tick(grid.deps, after_close)
        wait_pulse_dms(grid, len(ORG_PEOPLE) + len(PEOPLE[FIRST]))
        org_posts = [c for c in pulse_posts(grid) if str(c.params["channel"]) in ORG_PEOPLE]
        assert sorted(str(c.params["channel"]) for c in org_posts) == sorted(ORG_PEOPLE)
        for call in org_posts:
            used = call.headers["authorization"][len("Bearer ") :]
            assert fake_slack.issued[used].team_id == ORG and used != tokens[ORG]
        assert new_token != tokens[ORG]


@BOTH_BACKENDS
def test_a_retried_event_of_an_org_wide_install_is_kept_under_the_org_and_handled_once(grid: Harness) -> None:
    installed_both(grid)
    person = B_PEOPLE[0]
    event = {"type": "app_home_opened", "user": person, "tab": "home", "channel": "D" + person}
    b = org_sender(grid, B)
    assert b.event(event, event_id="EvORGRETRY1").status == 200
    grid.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == person)
    assert b.event(event, event_id="EvORGRETRY1", retry_num=1).status == 200  # Slack's retry
    time.sleep(0.4)
    assert len([c for c in grid.fake.calls_to("views.publish") if c.params.get("user_id") == person]) == 1
    with grid.db.session_scope() as session:
        marks = [
            e.workspace_id
            for e in session.exec(select(ProcessedEvent).where(ProcessedEvent.key == "event:EvORGRETRY1"))
        ]
    assert marks == [ORG]  # the installation's key (authorizations[0]), not the workspace it happened in (B)


def home_buttons(harness: Harness, sender: SlackRequestSender, user: str) -> set[str]:
    fake = harness.fake
    before = len([c for c in fake.calls_to("views.publish") if c.params.get("user_id") == user])
    sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    published = fake.wait_for("views.publish", count=before + 1, predicate=lambda c: c.params.get("user_id") == user)
    view = published[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return {
        str(element.get("action_id"))
        for block in view["blocks"]
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }


@BOTH_BACKENDS
def test_home_shows_an_org_install_s_workspace_admins_what_the_role_rules_let_them_do(grid: Harness) -> None:
    installed_both(grid, admins_in_the_channel=True)  # both workspaces' admins are members of A's shared team
    team_buttons = {"home_settings_schedule", "home_settings_managers", "home_settings_winschannel"}
    a, b = org_sender(grid, A), org_sender(grid, B)
    # A's admin runs A's team (its schedule, managers, wins channel) and may set up teams; the CX feed spans
    # the whole org: the org's admins only.
    admin_a = home_buttons(grid, a, ADMIN_A)
    assert team_buttons | {"home_open_report", "home_settings_setup"} <= admin_a
    assert "home_settings_cxfeed" not in admin_a
    # B's admin is in the same team, which is A's: no team buttons, but teams of B may be set up.
    admin_b = home_buttons(grid, b, ADMIN_B)
    assert "home_settings_setup" in admin_b and not admin_b & team_buttons
    assert "home_settings_cxfeed" not in admin_b
    assert {"home_settings_cxfeed", "home_settings_setup"} <= home_buttons(grid, a, ORG_ADMIN)  # in no team
    assert not home_buttons(grid, b, B_PEOPLE[0]) & {"home_settings_setup", "home_settings_cxfeed", *team_buttons}

    # The buttons do what Home promised: A's admin opens the team's schedule; B's admin, clicking it anyway
    # (a stale Home, a forged value), is told no and sees nothing of it.
    with grid.db.session_scope() as session:
        team_id = session.exec(select(Team).where(Team.channel_id == SHARED)).one().id
    fake = grid.fake

    def opened(sender: SlackRequestSender, user: str) -> dict[str, object]:
        fake.clear_calls()
        sender.block_action(user_id=user, action_id="home_settings_schedule", value=str(team_id))
        view = fake.wait_for("views.open")[-1].params["view"]
        return json.loads(view) if isinstance(view, str) else view  # type: ignore[no-any-return]

    def inputs(view: dict[str, object]) -> list[object]:
        return [b for b in view["blocks"] if b.get("type") == "input"]  # type: ignore[attr-defined, union-attr]

    assert inputs(opened(a, ADMIN_A))
    refused = opened(b, ADMIN_B)
    assert not inputs(refused) and SHARED_NAME not in json.dumps(refused)


def test_an_org_install_s_rows_are_its_own(grid: Harness) -> None:
    """The org's installation is registered under the same key single-token mode's org-wide requests use."""
    installed_both(grid)
    with grid.db.session_scope() as session:
        keys = sorted(w.id for w in session.exec(select(Workspace)))
    assert keys == sorted([FIRST, ORG])  # no row for A or B: the org's workspaces are the org's installation


@BOTH_BACKENDS
def test_a_standalone_workspace_s_uninstall_leaves_the_org_wide_install_alone(grid: Harness) -> None:
    tokens = installed_both(grid)
    uninstall(grid, FIRST)  # the standalone workspace's event: its team_id, no enterprise
    wait_uninstalled(grid, FIRST)
    only_one_uninstalled(grid, gone=FIRST, kept=ORG, kept_token=tokens[ORG])


def test_an_uninstalled_org_s_data_and_installation_rows_are_purged_after_30_days_alone(grid: Harness) -> None:
    installed_both(grid)
    uninstall_org(grid, "app_uninstalled")
    grid.clock.advance(timedelta(days=31))
    housekeeping(grid.deps)
    assert workspace_row(grid, ORG) is None and workspace_row(grid, FIRST) is not None
    with grid.db.session_scope() as session:
        assert list(session.exec(select(Team).where(Team.workspace_id == ORG))) == []
    with grid.db.engine.connect() as connection:
        left = connection.execute(text("select enterprise_id, team_id from slack_installations")).all()
        bots = connection.execute(text("select enterprise_id, team_id from slack_bots")).all()
    assert [tuple(r) for r in left] == [(None, FIRST)] and [tuple(r) for r in bots] == [(None, FIRST)]


def _revoked_event(harness: Harness, event_type: str, team_id: str) -> None:
    """A Grid uninstall event as Slack sends it (no `authorizations`): the envelope names a workspace of the org
    and the org, whichever of the two installations was revoked."""
    event: dict[str, object] = {"type": event_type, "event_ts": "1614847360.124850"}
    if event_type == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": ["UBOT"]}
    envelope = {
        "token": "fixed-value",
        "team_id": team_id,
        "enterprise_id": ORG,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{event_type}{time.monotonic_ns()}",
        "event_time": 1614847360,
    }
    sender = org_sender(harness, team_id)
    assert sender.post_raw(json.dumps(envelope).encode(), content_type="application/json").status == 200


@BOTH_BACKENDS
@pytest.mark.parametrize("first", ["tokens_revoked", "app_uninstalled"])
def test_a_grid_workspace_s_own_uninstall_leaves_its_org_wide_install_alone(grid: Harness, first: str) -> None:
    """Workspace A of the org is installed on its own as well as through the org-wide install. A's uninstall
    sends two events naming A and the org, in either order (Slack does not promise one): the second must not
    be taken for the org's, whose token Slack still accepts (it was: A had no live token left, so the org's
    installation was uninstalled, its DMs stopped and its data purged 30 days on)."""
    tokens = installed_both(grid)
    install(grid, A, ADMIN_A)
    grid.fake.revoke_workspace(A)
    for event_type in (first, "app_uninstalled" if first == "tokens_revoked" else "tokens_revoked"):
        _revoked_event(grid, event_type, A)
        wait_uninstalled(grid, A)
    time.sleep(0.3)  # the second event's handling, had it reached the org
    only_one_uninstalled(grid, gone=A, kept=ORG, kept_token=tokens[ORG])


@BOTH_BACKENDS
def test_an_org_wide_uninstall_naming_a_workspace_installed_on_its_own_uninstalls_the_org(grid: Harness) -> None:
    """The reverse: the org's installation is revoked while workspace A's own one lives on; the event names A
    and the org. The installation Slack now refuses is the org's: A's stays (it was A's that was uninstalled,
    and the org's revoked token stayed, kept for a sending that only failed)."""
    installed_both(grid)
    a_token = install(grid, A, ADMIN_A)
    grid.fake.revoke_workspace(ORG)
    _revoked_event(grid, "app_uninstalled", A)
    wait_uninstalled(grid, ORG)
    only_one_uninstalled(grid, gone=ORG, kept=A, kept_token=a_token)
