"""OAuth install (#21): /slack/install and /slack/oauth_redirect through Bolt's flow, tokens sealed at rest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.settings import SettingError, Settings
from tests.conftest import BOTH_BACKENDS
from tests.harness import FrozenClock, Harness
from tests.oauth_helpers import get, install, oauth_env, running_oauth_app
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def oauth(fake_slack: FakeSlack, database_url: str, clock: FrozenClock) -> Iterator[Harness]:
    fake_slack.add_workspace("T0002", "Second")
    with running_oauth_app(fake_slack, database_url, clock) as running:
        yield running


@BOTH_BACKENDS
def test_a_workspace_installs_through_the_endpoints_and_its_tokens_are_sealed(oauth: Harness) -> None:
    token = install(oauth, "T0002", installer="UADMIN2")
    exchange = oauth.fake.calls_to("oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].answer and exchange[0].answer["ok"] is True
    installation = oauth.deps.installations.store.latest_for_team("T0002")  # type: ignore[union-attr]
    assert installation is not None
    assert installation.bot_token == token and installation.user_id == "UADMIN2"
    assert installation.team_name == "Second" and installation.enterprise_id is None
    assert installation.is_enterprise_install is False
    with oauth.db.engine.connect() as connection:
        rows = [
            dict(row)
            for table in ("slack_installations", "slack_bots")
            for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()
        ]
    assert rows and all(row["team_id"] == "T0002" for row in rows)
    raw = repr(rows)
    assert token not in raw and token.split("-", 1)[1] not in raw  # not even the token's tail
    assert all(str(row["bot_token"]).startswith("gAAAAA") for row in rows)  # Fernet's sealed form


def test_install_refuses_a_redirect_without_the_state_cookie(oauth: Harness) -> None:
    oauth.fake.install_as("T0002", "UADMIN2")
    started = get(f"{oauth.url}/slack/install")
    allowed = get(started.headers["location"])
    finished = get(allowed.headers["location"])  # no cookie: another browser, or a forged link
    assert finished.status == 400
    assert oauth.fake.calls_to("oauth.v2.access") == []
    assert oauth.deps.installations.store.latest_for_team("T0002") is None  # type: ignore[union-attr]


def test_a_code_is_good_once(oauth: Harness) -> None:
    oauth.fake.install_as("T0002", "UADMIN2")
    started = get(f"{oauth.url}/slack/install")
    cookie = started.headers["set-cookie"].split(";", 1)[0]
    allowed = get(started.headers["location"])
    assert get(allowed.headers["location"], cookie=cookie).status == 200
    second = get(allowed.headers["location"], cookie=cookie)
    assert second.status == 401 and "invalid_state" in second.body  # used up: the code is not tried again
    assert len(oauth.fake.calls_to("oauth.v2.access")) == 1


def test_a_wrong_client_secret_installs_nothing(fake_slack: FakeSlack, database_url: str) -> None:
    fake_slack.add_workspace("T0002", "Second")
    with running_oauth_app(fake_slack, database_url, SLACK_CLIENT_SECRET="not-the-apps-secret-000") as running:
        fake_slack.install_as("T0002", "UADMIN2")
        started = get(f"{running.url}/slack/install")
        cookie = started.headers["set-cookie"].split(";", 1)[0]
        allowed = get(started.headers["location"])
        assert get(allowed.headers["location"], cookie=cookie).status == 401
        assert [c.answer["error"] for c in fake_slack.calls_to("oauth.v2.access") if c.answer] == ["bad_client_secret"]
        assert running.deps.installations.store.latest_for_team("T0002") is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("unset", "named"),
    [("SLACK_CLIENT_ID", "SLACK_CLIENT_ID"), ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_SECRET")],
)
def test_a_half_set_pair_stops_the_start_naming_what_is_missing(
    fake_slack: FakeSlack, database_url: str, unset: str, named: str
) -> None:
    env = oauth_env(fake_slack, database_url)
    env[unset] = ""
    with pytest.raises(SettingError) as refused:
        Settings.from_env(env)
    assert refused.value.name == named and "not set" in str(refused.value)
    assert fake_slack.client_secret not in str(refused.value)


def test_oauth_needs_the_secret_key_and_no_bot_token(fake_slack: FakeSlack, database_url: str) -> None:
    env = oauth_env(fake_slack, database_url, PULSSI_SECRET_KEY="")
    with pytest.raises(SettingError) as refused:
        Settings.from_env(env)
    assert refused.value.name == "PULSSI_SECRET_KEY"
    env = oauth_env(fake_slack, database_url, SLACK_BOT_TOKEN="xoxb-one-workspace")
    with pytest.raises(SettingError) as both:
        Settings.from_env(env)
    assert both.value.name == "SLACK_BOT_TOKEN"
    settings = Settings.from_env(oauth_env(fake_slack, database_url))
    assert settings.oauth_enabled and fake_slack.client_secret in settings.secrets  # masked in every log
    assert fake_slack.client_secret not in repr(settings)
