"""One scheduler tick across many workspaces installed with OAuth: N workspaces × P people, each installed
through /slack/install against the fake Slack, each with one team due at the same moment. The tick starts
every round and sends every DM, each with its own workspace's token (looked up, decrypted and checked for
rotation per workspace), which the script verifies afterwards.

Reports the tick time, DMs per second in all and per workspace, and the ratio to Slack's bound: chat.postMessage
allows about 1 message per second per channel, and Slack's rate limits are per workspace and app, so each
workspace has a budget of its own; a DM is a channel of its own, so one round's DMs are bound by the
workspace's budget, not by one channel's.

    python benchmarks/scheduler_tick_workspaces.py                      # N = 10, 50, 200; 50 people each
    python benchmarks/scheduler_tick_workspaces.py --workspaces 10 --people 20
    PULSSI_TEST_POSTGRES_URL=postgresql+psycopg://… python benchmarks/scheduler_tick_workspaces.py  # PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services import teams
from bot.services.pulse_schedule import pulse_tick
from storage.migrate import upgrade_to_head
from tests.harness import FrozenClock
from tests.oauth_helpers import install, running_oauth_app
from tests.slack.fake_slack import FakeSlack

MONDAY = datetime(2026, 3, 9, tzinfo=UTC)
PER_CHANNEL_PER_SECOND = 1.0  # chat.postMessage: about one message per second per channel


def database(directory: str) -> tuple[str, object]:
    """A fresh database: PostgreSQL when PULSSI_TEST_POSTGRES_URL is set, else SQLite in `directory`."""
    admin = os.environ.get("PULSSI_TEST_POSTGRES_URL", "").strip()
    if not admin:
        return f"sqlite:///{directory}/workspaces-{uuid.uuid4().hex[:6]}.db", None
    from tests.conftest import _drop_postgres_database, _fresh_postgres_database

    name, url = _fresh_postgres_database(admin)
    return url, lambda: _drop_postgres_database(admin, name)


def run(workspaces: int, people: int, directory: str) -> dict[str, float]:
    url, drop = database(directory)
    upgrade_to_head(url)
    clock = FrozenClock(MONDAY - timedelta(days=3))
    try:
        with FakeSlack() as fake, running_oauth_app(fake, url, clock, LOG_LEVEL="WARNING", OUTBOX_SENDERS="8") as app:
            ids = [f"T{i:05d}" for i in range(1, workspaces + 1)]
            tokens = {}
            started = time.perf_counter()
            for number, workspace in enumerate(ids):
                fake.add_workspace(workspace, f"Workspace {number}")
                admin = f"UADM{number:05d}"
                fake.add_user(admin, is_admin=True, team_id=workspace)
                members = [f"U{number:05d}{i:03d}" for i in range(people)]
                for person in members:
                    fake.add_user(person, team_id=workspace)
                channel = f"C{number:05d}"
                fake.add_channel(channel, f"team-{number}", [*members, "UBOT"], team_id=workspace)
                tokens[workspace] = install(app, workspace, admin)
                with app.deps.acting_for(workspace) as installed:
                    assert installed
                    teams.setup_team(app.deps, workspace, channel, f"team-{number}", admin)
            setup = time.perf_counter() - started
            fake.clear_calls()
            clock.set(MONDAY + timedelta(hours=7))  # 09:00 in Helsinki: every team's round is due
            started = time.perf_counter()
            pulse_tick(app.deps)
            tick = time.perf_counter() - started
            posts = [
                c
                for c in fake.calls_to("chat.postMessage")
                if (c.answer or {}).get("ok") and "pulse:" in str(c.params.get("blocks"))
            ]
            assert len(posts) == workspaces * people, (len(posts), workspaces * people)
            for call in posts:
                person = str(call.params["channel"])
                workspace = f"T{int(person[1:6]) + 1:05d}"
                assert call.headers["authorization"] == f"Bearer {tokens[workspace]}", person
    finally:
        if drop is not None:
            drop()  # type: ignore[operator]
    dms_per_second = len(posts) / tick
    return {
        "setup_seconds": setup,
        "tick_seconds": tick,
        "dms": float(len(posts)),
        "dms_per_second": dms_per_second,
        "per_workspace_dms_per_second": dms_per_second / workspaces,
        "tick_ms_per_workspace": 1000 * tick / workspaces,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", default="10,50,200", help="comma-separated workspace counts")
    parser.add_argument("--people", type=int, default=50)
    args = parser.parse_args()
    backend = "PostgreSQL" if os.environ.get("PULSSI_TEST_POSTGRES_URL", "").strip() else "SQLite"
    print(f"scheduler tick across installed workspaces, {args.people} people each, {backend}")
    print(f"{'N':>5} {'DMs':>7} {'tick s':>8} {'ms/ws':>7} {'DMs/s':>8} {'DMs/s/ws':>9} {'ratio to 1/s/ws':>16}")
    with tempfile.TemporaryDirectory() as directory:
        first: dict[str, float] | None = None
        for count in (int(n) for n in args.workspaces.split(",")):
            result = run(count, args.people, directory)
            first = first or result
            print(
                f"{count:>5} {int(result['dms']):>7} {result['tick_seconds']:>8.2f} "
                f"{result['tick_ms_per_workspace']:>7.1f} {result['dms_per_second']:>8.1f} "
                f"{result['per_workspace_dms_per_second']:>9.2f} "
                f"{result['per_workspace_dms_per_second'] / PER_CHANNEL_PER_SECOND:>16.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
