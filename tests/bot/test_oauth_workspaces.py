"""Many workspaces in one database (#21): every Slack call carries the token of the workspace it is for, in
listeners and in jobs; uninstalling or revoking stops only that workspace; a rotating token is refreshed first."""

from __future__ import annotations

import json
import time
from argparse import Namespace
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.cli_extra import run_forget_workspace
from bot.services import installations
from bot.services.jobs import housekeeping
from bot.services.pulse_schedule import pulse_tick
from handlers.delivery import after_close
from storage.models import PulseRound, Team
from tests.conftest import BOTH_BACKENDS
from tests.harness import FrozenClock, Harness
from tests.oauth_helpers import get, install, running_oauth_app, sender_for, wait_uninstalled, workspace_row
from tests.pulse_helpers import wait_pulse_dms
from tests.slack.fake_slack import FakeSlack, RecordedCall

FIRST, SECOND = "T0001", "T0002"
MONDAY = datetime(2026, 3, 9, tzinfo=UTC)
PEOPLE = {FIRST: [f"UA{i:02d}" for i in range(5)], SECOND: [f"UB{i:02d}" for i in range(5)]}
ADMINS = {FIRST: "UADMINA", SECOND: "UADMINB"}
CHANNELS = {FIRST: "CTEAMA", SECOND: "CTEAMB"}


@pytest.fixture
def oauth(fake_slack: FakeSlack, database_url: str, clock: FrozenClock) -> Iterator[Harness]:
    fake_slack.add_workspace(SECOND, "Second")
    with running_oauth_app(fake_slack, database_url, clock) as running:
        yield running


def set_up(harness: Harness, workspace: str) -> None:
    """The workspace's admin, five people and a team channel (in Slack), and its Pulssi team, weekly on Monday."""
    fake = harness.fake
    fake.add_user(ADMINS[workspace], is_admin=True, team_id=workspace)
    for person in PEOPLE[workspace]:
        fake.add_user(person, team_id=workspace)
    fake.add_channel(CHANNELS[workspace], f"team-{workspace}", [*PEOPLE[workspace], "UBOT"], team_id=workspace)
    sender = sender_for(harness, workspace)
    channel, admin = CHANNELS[workspace], ADMINS[workspace]
    answered = len(fake.calls_to("response_url"))
    sender.command("/pulse", "setup", user_id=admin, channel_id=channel, channel_name=f"team-{workspace}")
    fake.wait_for("response_url", count=answered + 1)
    sender.command("/pulse", "schedule every week mon 09:00", user_id=admin, channel_id=channel)
    fake.wait_for("response_url", count=answered + 2)


def both_installed(harness: Harness) -> dict[str, str]:
    harness.clock.set(MONDAY - timedelta(days=3))
    tokens = {workspace: install(harness, workspace, ADMINS[workspace]) for workspace in (FIRST, SECOND)}
    for workspace in (FIRST, SECOND):
        set_up(harness, workspace)
    harness.fake.clear_calls()
    return tokens


def pulse_posts(harness: Harness) -> list[RecordedCall]:
    return [
        c
        for c in harness.fake.calls_to("chat.postMessage")
        if "pulse:" in json.dumps(c.params.get("blocks") or "") and (c.answer or {}).get("ok")
    ]


def refusals(harness: Harness) -> list[str]:
    return [str((c.answer or {}).get("error")) for c in harness.fake.calls if c.answer and not c.answer.get("ok")]


def team_of(harness: Harness, person: str) -> str:
    return FIRST if person in PEOPLE[FIRST] else SECOND


@BOTH_BACKENDS
def test_rounds_in_two_workspaces_at_once_each_dm_with_its_own_token(oauth: Harness) -> None:
    tokens = both_installed(oauth)
    assert tokens[FIRST] != tokens[SECOND]
    oauth.clock.set(MONDAY + timedelta(hours=7))  # 09:00 in Helsinki: both teams' rounds are due in one tick
    pulse_tick(oauth.deps, after_close)
    wait_pulse_dms(oauth, 10)
    posts = pulse_posts(oauth)
    assert sorted(str(c.params["channel"]) for c in posts) == sorted(PEOPLE[FIRST] + PEOPLE[SECOND])
    for call in posts:
        person = str(call.params["channel"])
        assert call.headers["authorization"] == f"Bearer {tokens[team_of(oauth, person)]}", person
    # Nothing the tick did (member lookups, onboarding notes, DMs) went out with the other workspace's token.
    for call in oauth.fake.calls:
        named = json.dumps(call.params)
        for workspace, people in PEOPLE.items():
            if any(p in named for p in people) or CHANNELS[workspace] in named:
                assert oauth.fake.team_of_call(call) == workspace, (call.method, named)
    assert refusals(oauth) == []


def test_a_workspace_without_an_installation_is_skipped_not_sent_with_another_token(oauth: Harness) -> None:
    both_installed(oauth)
    # As if it never finished installing: its rows hold no token (and no Workspace row says it was uninstalled).
    oauth.deps.installations.store.forget_team_tokens(SECOND, bot=True)  # type: ignore[union-attr]
    mondays_round_pulses_only_first(oauth)
    assert all(oauth.fake.team_of_call(c) == FIRST for c in oauth.fake.calls if c.method != "oauth.v2.access")


def mondays_round_pulses_only_first(harness: Harness) -> None:
    """Monday 09:00 in Helsinki: the tick's rounds reach FIRST's people, and nobody of SECOND."""
    harness.clock.set(MONDAY + timedelta(hours=7))
    pulse_tick(harness.deps, after_close)
    wait_pulse_dms(harness, len(PEOPLE[FIRST]))
    time.sleep(0.3)
    assert sorted(str(c.params["channel"]) for c in pulse_posts(harness)) == PEOPLE[FIRST]


def uninstall(harness: Harness, workspace: str, event_type: str = "app_uninstalled") -> None:
    """Slack revokes the tokens and tells the app (both events come without a subscription)."""
    harness.fake.revoke_workspace(workspace)
    event: dict[str, object] = {"type": event_type, "event_ts": "1644719975.363095"}
    if event_type == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": ["UBOT"]}
    assert sender_for(harness, workspace).event(event).status == 200


@BOTH_BACKENDS
@pytest.mark.parametrize("event_type", ["app_uninstalled", "tokens_revoked"])
def test_a_revoked_workspace_stops_alone_and_a_reinstall_restores_it(oauth: Harness, event_type: str) -> None:
    tokens = both_installed(oauth)
    uninstall(oauth, SECOND, event_type)
    row = wait_uninstalled(oauth, SECOND)
    assert row.sending_stopped_at is not None and row.sending_stopped_reason == event_type
    assert oauth.deps.installations.store.latest_for_team(SECOND) is None  # type: ignore[union-attr]
    with oauth.db.engine.connect() as connection:
        sealed = connection.execute(
            text("select bot_token, bot_refresh_token from slack_bots where team_id = :t"), {"t": SECOND}
        ).all()
    assert sealed and all(token is None and refresh is None for token, refresh in sealed)  # its tokens are gone

    mondays_round_pulses_only_first(oauth)
    assert "token_revoked" not in refusals(oauth)  # nothing was even tried with the revoked token
    assert all(oauth.fake.team_of_call(c) != SECOND for c in oauth.fake.calls)
    assert workspace_row(oauth, FIRST).sending_stopped_at is None  # type: ignore[union-attr]

    # Installing again (within 30 days) restores the workspace as it was: its team, its schedule, its sending.
    new_token = install(oauth, SECOND, ADMINS[SECOND])
    assert new_token != tokens[SECOND]
    restored = workspace_row(oauth, SECOND)
    assert restored is not None and restored.uninstalled_at is None and restored.sending_stopped_at is None
    with oauth.db.session_scope() as session:
        assert [t.channel_id for t in session.exec(select(Team).where(Team.workspace_id == SECOND))] == [
            CHANNELS[SECOND]
        ]
    oauth.fake.clear_calls()
    oauth.clock.set(MONDAY + timedelta(days=7, hours=7))  # the next Monday's rounds
    pulse_tick(oauth.deps, after_close)
    wait_pulse_dms(oauth, 10)
    time.sleep(0.3)
    second_posts = [c for c in pulse_posts(oauth) if str(c.params["channel"]) in PEOPLE[SECOND]]
    assert sorted(str(c.params["channel"]) for c in second_posts) == PEOPLE[SECOND]
    assert all(c.headers["authorization"] == f"Bearer {new_token}" for c in second_posts)


def test_uninstalled_data_is_kept_30_days_then_purged(oauth: Harness) -> None:
    both_installed(oauth)
    uninstall(oauth, SECOND)
    wait_uninstalled(oauth, SECOND)
    oauth.clock.advance(timedelta(days=29))
    housekeeping(oauth.deps)
    assert workspace_row(oauth, SECOND) is not None
    oauth.clock.advance(timedelta(days=1, minutes=1))
    housekeeping(oauth.deps)
    assert workspace_row(oauth, SECOND) is None
    with oauth.db.session_scope() as session:
        assert list(session.exec(select(Team).where(Team.workspace_id == SECOND))) == []
        assert len(list(session.exec(select(Team).where(Team.workspace_id == FIRST)))) == 1  # the other stays
    with oauth.db.engine.connect() as connection:
        assert (
            connection.execute(
                text("select count(*) from slack_installations where team_id = :t"), {"t": SECOND}
            ).scalar_one()
            == 0
        )
        assert (
            connection.execute(
                text("select count(*) from slack_installations where team_id = :t"), {"t": FIRST}
            ).scalar_one()
            == 1
        )


def test_an_admin_asked_purge_goes_at_the_next_housekeeping(oauth: Harness) -> None:
    both_installed(oauth)
    assert installations.request_purge(oauth.db, SECOND, oauth.clock()) is False  # installed: nothing to purge
    uninstall(oauth, SECOND)
    wait_uninstalled(oauth, SECOND)
    assert run_forget_workspace(oauth.settings, Namespace(workspace=FIRST)) == 2  # installed: refused
    assert run_forget_workspace(oauth.settings, Namespace(workspace=SECOND)) == 0  # `pulssi forget-workspace`
    housekeeping(oauth.deps)
    assert workspace_row(oauth, SECOND) is None and workspace_row(oauth, FIRST) is not None


@BOTH_BACKENDS
def test_a_rotating_token_is_refreshed_before_it_expires_in_jobs_and_listeners(
    fake_slack: FakeSlack, database_url: str, clock: FrozenClock
) -> None:
    fake_slack.add_workspace(SECOND, "Second")
    # Slack's are 12 hours; every token here is within Pulssi's refresh time (2 hours) from the start, and outlives
    # a fan-out on a loaded machine (2 s did not: the refreshed token ran out halfway through the DMs).
    fake_slack.token_rotation_seconds = 60
    with running_oauth_app(fake_slack, database_url, clock) as oauth:
        first_tokens = both_installed(oauth)
        fake_slack.expire_tokens()  # every token given out at install has expired now
        assert all(fake_slack.issued[t].expires_at < time.time() for t in first_tokens.values())  # type: ignore[operator]
        fake_slack.clear_calls()
        oauth.clock.set(MONDAY + timedelta(hours=7))
        pulse_tick(oauth.deps, after_close)  # a job: refreshes each workspace's token before its first call
        wait_pulse_dms(oauth, 10)
        posts = pulse_posts(oauth)
        assert len(posts) == 10
        for call in posts:
            used = call.headers["authorization"][len("Bearer ") :]
            assert used not in first_tokens.values()
            assert fake_slack.issued[used].team_id == team_of(oauth, str(call.params["channel"]))
        refreshes = [c for c in fake_slack.calls_to("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
        assert refreshes and all((c.answer or {}).get("ok") for c in refreshes)
        # A listener: Bolt's authorize refreshes the request's token before the listener's calls.
        fake_slack.expire_tokens()
        fake_slack.clear_calls()
        sender_for(oauth, SECOND).event(
            {"type": "app_home_opened", "user": PEOPLE[SECOND][0], "tab": "home", "channel": "D" + PEOPLE[SECOND][0]}
        )
        published = fake_slack.wait_for(
            "views.publish", predicate=lambda c: c.params.get("user_id") == PEOPLE[SECOND][0]
        )
        assert (published[0].answer or {}).get("ok") is True
        assert fake_slack.calls_to("oauth.v2.access")  # refreshed first
        assert "token_expired" not in refusals(oauth)
        assert [c for c in fake_slack.calls if (c.answer or {}).get("error") == "token_expired"] == []


def test_an_uninstalled_workspace_s_open_round_still_closes_on_time_and_sends_nothing(oauth: Harness) -> None:
    both_installed(oauth)
    oauth.clock.set(MONDAY + timedelta(hours=7))
    pulse_tick(oauth.deps, after_close)
    wait_pulse_dms(oauth, 10)
    uninstall(oauth, SECOND)
    wait_uninstalled(oauth, SECOND)
    oauth.fake.clear_calls()
    oauth.clock.set(MONDAY + timedelta(days=1, hours=11))  # halfway: reminders are due
    pulse_tick(oauth.deps, after_close)
    oauth.clock.set(MONDAY + timedelta(days=3, hours=7, minutes=1))  # the window has closed
    pulse_tick(oauth.deps, after_close)
    with oauth.db.session_scope() as session:
        statuses = {r.workspace_id: r.status for r in session.exec(select(PulseRound))}
    # Its answers became aggregates like any other round's (nothing left that ties a person to an answer).
    assert statuses == {FIRST: "closed", SECOND: "closed"}
    # (The digest chart's upload goes to the URL files.getUploadURLExternal gave the first workspace: no token.)
    api_calls = [c for c in oauth.fake.calls if c.method != "file_upload"]
    strays = [(c.method, oauth.fake.team_of_call(c)) for c in api_calls if oauth.fake.team_of_call(c) != FIRST]
    assert strays == [], strays
    reminded = {str(c.params["channel"]) for c in oauth.fake.calls_to("chat.postMessage")}
    assert reminded and reminded <= {*PEOPLE[FIRST], CHANNELS[FIRST]}  # reminders, then the first's digest


@BOTH_BACKENDS
def test_the_action_loop_jobs_act_for_each_workspace_with_its_own_token(oauth: Harness) -> None:
    """Every periodic job (nudges, sealed check-ins after "just note it", conversation replies, the CX feed)
    runs outside any request: each Slack call it makes carries the token of the workspace it is for."""
    from bot.services import teams, tough
    from bot.services.jobs import periodic_jobs
    from storage.models import TeamManager, Win

    tokens = both_installed(oauth)
    managers = {FIRST: PEOPLE[FIRST][0], SECOND: PEOPLE[SECOND][0]}
    noted_by = {FIRST: PEOPLE[FIRST][1], SECOND: PEOPLE[SECOND][1]}
    with oauth.db.session_scope() as session:
        for workspace in (FIRST, SECOND):
            team = session.exec(select(Team).where(Team.workspace_id == workspace)).one()
            assert team.id is not None
            session.add(TeamManager(workspace_id=workspace, team_id=team.id, user_id=managers[workspace]))
            # A win nobody reacted to for four weeks: the team's managers are due a nudge.
            session.add(
                Win(
                    workspace_id=workspace,
                    team_id=team.id,
                    author_id=PEOPLE[workspace][2],
                    text="A customer thanked us",
                    created_at=MONDAY - timedelta(days=40),
                )
            )
    for workspace in (FIRST, SECOND):
        team_view = teams.home_team_of(oauth.deps, workspace, noted_by[workspace])
        assert team_view is not None
        tough.schedule_note_checkin(oauth.deps, workspace, noted_by[workspace], team_view)
    oauth.fake.clear_calls()
    oauth.clock.set(MONDAY + timedelta(days=4, hours=12))  # Friday: both notes' check-ins are due
    for job in periodic_jobs(oauth.deps, after_close=lambda *_: None, import_problem=lambda *_: None):
        job.run(oauth.deps)  # a call outside an installation's context raises NotInstalledError here
    sent = {str(c.params["channel"]): c for c in oauth.fake.calls_to("chat.postMessage")}
    for workspace in (FIRST, SECOND):
        for person in (managers[workspace], noted_by[workspace]):  # the nudge, the sealed check-in
            assert person in sent, (person, sorted(sent))
            assert sent[person].headers["authorization"] == f"Bearer {tokens[workspace]}", person
    for call in oauth.fake.calls:
        named = json.dumps(call.params)
        for workspace, people in PEOPLE.items():
            if any(p in named for p in people):
                assert oauth.fake.team_of_call(call) == workspace, (call.method, named)
    assert refusals(oauth) == []


@BOTH_BACKENDS
def test_a_purge_already_due_spares_a_workspace_installed_again_and_its_new_token(
    oauth: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hourly purge lists the due workspaces first and deletes each afterwards: an install finishing in
    between (its token saved by Bolt before the success callback marks it installed) must lose nothing."""
    both_installed(oauth)
    uninstall(oauth, SECOND)
    wait_uninstalled(oauth, SECOND)
    oauth.clock.advance(timedelta(days=31))
    store = oauth.deps.installations.store  # type: ignore[union-attr]

    # Bolt has saved the new installation, its success callback (installed) has not run yet.
    monkeypatch.setattr(installations, "installed", lambda *_args: None)
    new_token = install(oauth, SECOND, ADMINS[SECOND])
    installations.purge_workspace(oauth.deps, SECOND)
    fresh = store.latest_for_team(SECOND)
    assert fresh is not None and fresh.bot_token == new_token  # the live token is not purged
    with oauth.db.engine.connect() as connection:
        old_rows = connection.execute(
            text("select count(*) from slack_installations where team_id = :t and bot_token is null"), {"t": SECOND}
        ).scalar_one()
    assert old_rows == 0  # the uninstalled installation's own rows went
    monkeypatch.undo()

    # The callback has run: the workspace is installed again, so a purge chosen before it deletes nothing.
    installations.installed(oauth.deps, SECOND)
    with oauth.db.session_scope() as session:
        session.add(
            Team(workspace_id=SECOND, channel_id="CAGAIN", channel_name="again", name="again", created_at=oauth.clock())
        )
    installations.purge_workspace(oauth.deps, SECOND)
    assert workspace_row(oauth, SECOND) is not None
    with oauth.db.session_scope() as session:
        assert [t.channel_id for t in session.exec(select(Team).where(Team.workspace_id == SECOND))] == ["CAGAIN"]
    assert store.latest_for_team(SECOND) is not None


@BOTH_BACKENDS
def test_install_attempts_never_finished_leave_no_state_rows_behind(oauth: Harness) -> None:
    """Anyone may open /slack/install, and each visit stores a state: once expired, housekeeping deletes it
    (slack_sdk's store deletes a state only when it is used), so the table can't grow without end."""
    for _ in range(3):
        assert get(f"{oauth.url}/slack/install").status == 302
    with oauth.db.engine.begin() as connection:
        connection.execute(text("update slack_oauth_states set expire_at = :t"), {"t": datetime(2020, 1, 1)})
    assert get(f"{oauth.url}/slack/install").status == 302  # one still waiting for its way back
    housekeeping(oauth.deps)
    with oauth.db.engine.connect() as connection:
        assert connection.execute(text("select count(*) from slack_oauth_states")).scalar_one() == 1
    install(oauth, SECOND, ADMINS[SECOND])  # an install in progress still finishes
