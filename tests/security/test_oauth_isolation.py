"""Two workspaces installed with OAuth in one database (#21): a person of one never sees the other's data,
through any command, Home, the /win team picker or a button naming the other's team id, and everything the
app sends for them goes with their own workspace's token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlmodel import select

from storage.models import Team
from tests.bot.test_oauth_workspaces import ADMINS, CHANNELS, FIRST, SECOND, both_installed
from tests.harness import FrozenClock, Harness
from tests.oauth_helpers import running_oauth_app, sender_for
from tests.slack.fake_slack import FakeSlack

OUTSIDER = "UBNOTEAM"  # the second workspace's, in no team


@pytest.fixture
def two(fake_slack: FakeSlack, database_url: str, clock: FrozenClock) -> Iterator[Harness]:
    fake_slack.add_workspace(SECOND, "Second")
    with running_oauth_app(fake_slack, database_url, clock) as running:
        both_installed(running)
        fake_slack.add_user(OUTSIDER, team_id=SECOND)
        fake_slack.add_channel("CBRANDOM", "random", [OUTSIDER, "UBOT"], team_id=SECOND)
        # Joined the second's team channel after its members were read (so in no team yet: the picker), and,
        # as if Slack mixed them up, listed in the first's team channel too.
        fake_slack.join_channel(CHANNELS[SECOND], OUTSIDER)
        fake_slack.join_channel(CHANNELS[FIRST], OUTSIDER)
        fake_slack.clear_calls()
        yield running


def first_team(harness: Harness) -> Team:
    with harness.db.session_scope() as session:
        team = session.exec(select(Team).where(Team.workspace_id == FIRST)).one()
        session.expunge(team)
        return team


def settle(harness: Harness, seconds: float = 0.6) -> None:
    """Slow work runs after ack(); give it time to reach the fake."""
    time.sleep(seconds)


def assert_nothing_of_the_first(harness: Harness, first: Team) -> None:
    for call in harness.fake.calls:
        if call.method in ("oauth.v2.access", "oauth.v2.authorize"):
            continue
        said = json.dumps(call.params)
        assert harness.fake.team_of_call(call) in (SECOND, None), (call.method, said)
        if call.method == "response_url" and "No team matches" in said:
            continue  # the person's own words echoed back: "No team matches <what you typed>"
        for secret in (first.name, first.channel_name, CHANNELS[FIRST]):
            assert secret not in said, (call.method, secret, said)


def test_commands_home_picker_and_buttons_never_show_the_other_workspace(two: Harness) -> None:
    first = first_team(two)
    assert first.name and first.channel_id == CHANNELS[FIRST]
    second = sender_for(two, SECOND)
    admin = ADMINS[SECOND]
    fake = two.fake
    answered = 0

    def command(name: str, text: str, channel: str) -> None:
        nonlocal answered
        assert second.command(name, text, user_id=admin, channel_id=channel).status == 200
        answered += 1
        fake.wait_for("response_url", count=answered)

    # Commands naming the first workspace's team, from the second's admin (in their own channel and in the
    # first's channel id, as a forged or stale link would).
    command("/cxreport", f"<#{CHANNELS[FIRST]}|{first.channel_name}>", CHANNELS[SECOND])
    command("/cxreport", first.name, CHANNELS[SECOND])
    command("/cxreport", "all", CHANNELS[SECOND])
    command("/pulse", "status", CHANNELS[FIRST])
    # Home.
    second.event({"type": "app_home_opened", "user": admin, "tab": "home", "channel": "D" + admin})
    fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == admin)
    # /win from someone in no team: the picker offers the second workspace's teams only.
    assert second.command("/win", "", user_id=OUTSIDER, channel_id="CBRANDOM").status == 200
    opened = fake.wait_for("views.open", predicate=lambda c: "static_select" in json.dumps(c.params))
    options = [
        o["value"]
        for block in opened[-1].params["view"]["blocks"]
        if (block.get("element") or {}).get("type") == "static_select"
        for o in block["element"]["options"]
    ]
    with two.db.session_scope() as session:
        seconds = {str(t.id) for t in session.exec(select(Team).where(Team.workspace_id == SECOND))}
    assert options and set(options) <= seconds
    # Buttons carrying the first workspace's team id.
    for action_id in ("home_settings_schedule", "home_settings_managers", "home_settings_winschannel"):
        second.block_action(user_id=admin, action_id=action_id, value=str(first.id))
    second.block_action(user_id=admin, action_id="nudge_snooze", value=str(first.id), response_key="snooze")
    settle(two)
    assert_nothing_of_the_first(two, first)
    # And nothing of the first changed.
    assert first_team(two).model_dump() == first.model_dump()
