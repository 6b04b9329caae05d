from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.harness import FrozenClock, Harness, copy_sqlite_template, make_sqlite_template, running_app
from tests.slack.fake_slack import FakeSlack

POSTGRES_ENV = "PULSSI_TEST_POSTGRES_URL"

# Property tests check properties, not speed (speed is measured in benchmarks/). Hypothesis's default 200 ms
# deadline per example, and its too-slow health check, fail a correct run when a loaded CI machine stalls one example.
settings.register_profile("pulssi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("pulssi")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set, and CI=true requires the PostgreSQL tests to run")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://user@127.0.0.1:5432/postgres)")
    return url


def _fresh_postgres_database(admin_url: str) -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"pulssi_test_{uuid.uuid4().hex[:12]}"
    url = make_url(admin_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def backend() -> str:
    """Which database a test runs on; parametrize `backend` to run a test on both."""
    return "sqlite"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield copy_sqlite_template(sqlite_template, tmp_path)
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    from storage.migrate import upgrade_to_head

    name, url = _fresh_postgres_database(admin_url)
    try:
        upgrade_to_head(url)
        yield url
    finally:
        _drop_postgres_database(admin_url, name)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id="T0001").start()
    try:
        yield fake
        fake.assert_no_violations()
    finally:
        fake.stop()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def harness(fake_slack: FakeSlack, database_url: str, clock: FrozenClock) -> Iterator[Harness]:
    with running_app(fake_slack, database_url, clock) as running:
        yield running


BOTH_BACKENDS = pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
