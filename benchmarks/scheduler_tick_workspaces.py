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

The machine is shared, so wall-clock seconds swing; beside them the script reports what carries over:
- CPU seconds of the tick, split into the bot (this process minus the fake), the fake Slack (its request
  threads, measured per request) and the PostgreSQL server (its backends, from /proc, when the server is
  the local one `scripts/pg-test-server` started and PULSSI_TEST_PG_DATADIR names);
- SQL statements per DM (counted on the app's engine);
- a baseline in the same run: the very same chat.postMessage calls (same blocks, same tokens, as many
  threads as senders) replayed straight to the fake Slack, so "× raw" is the tick against the Slack
  calls alone.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient
from sqlalchemy import event

from bot.services import teams
from bot.services.pulse_schedule import pulse_tick
from handlers.delivery import after_close
from storage.migrate import upgrade_to_head
from tests.harness import FrozenClock
from tests.oauth_helpers import install, running_oauth_app
from tests.slack.fake_slack import FakeSlack, RecordedCall

MONDAY = datetime(2026, 3, 9, tzinfo=UTC)
PER_CHANNEL_PER_SECOND = 1.0  # chat.postMessage: about one message per second per channel


def database(directory: str) -> tuple[str, Callable[[], None] | None]:
    """A fresh database: PostgreSQL when PULSSI_TEST_POSTGRES_URL is set, else SQLite in `directory`."""
    admin = os.environ.get("PULSSI_TEST_POSTGRES_URL", "").strip()
    if not admin:
        return f"sqlite:///{directory}/workspaces-{uuid.uuid4().hex[:6]}.db", None
    from tests.conftest import _drop_postgres_database, _fresh_postgres_database

    name, url = _fresh_postgres_database(admin)
    return url, lambda: _drop_postgres_database(admin, name)


class FakeCpu:
    """CPU seconds the fake Slack's request threads spend (it shares this process, so it is measured apart)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._original: Callable[..., None] | None = None

    @contextmanager
    def measuring(self) -> Iterator[FakeCpu]:
        original = FakeSlack._handle
        meter = self

        def handle(fake: FakeSlack, request: Any) -> None:
            started = time.thread_time()
            try:
                original(fake, request)
            finally:
                spent = time.thread_time() - started
                with meter._lock:
                    meter.seconds += spent

        FakeSlack._handle = handle  # type: ignore[method-assign]
        try:
            yield self
        finally:
            FakeSlack._handle = original  # type: ignore[method-assign]


def postgres_cpu() -> float | None:
    """CPU seconds of the local PostgreSQL server so far: the postmaster, its live backends and those ended."""
    datadir = os.environ.get("PULSSI_TEST_PG_DATADIR", "")
    if not datadir or not os.environ.get("PULSSI_TEST_POSTGRES_URL", "").strip():
        return None
    try:
        postmaster = int(Path(datadir, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, and its ended children's
        elif parent == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def replay(fake: FakeSlack, posts: list[RecordedCall], threads: int) -> tuple[float, float]:
    """The same chat.postMessage calls straight to the fake Slack: (wall seconds, CPU seconds of this process)."""
    clients: dict[str, WebClient] = {}

    def client(token: str) -> WebClient:
        if token not in clients:
            clients[token] = WebClient(token=token, base_url=fake.url)
        return clients[token]

    calls = [(c.headers["authorization"].removeprefix("Bearer "), dict(c.params)) for c in posts]
    for token, _ in calls:
        client(token)
    chunks = [calls[i::threads] for i in range(threads)]

    def send(chunk: list[tuple[str, dict[str, Any]]]) -> None:
        for token, params in chunk:
            clients[token].api_call("chat.postMessage", json=params)

    cpu, started = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(send, chunks))
    return time.perf_counter() - started, time.process_time() - cpu


def run(workspaces: int, people: int, directory: str, senders: int) -> dict[str, float]:
    url, drop = database(directory)
    upgrade_to_head(url)
    clock = FrozenClock(MONDAY - timedelta(days=3))
    statements = 0
    try:
        with (
            FakeSlack() as fake,
            running_oauth_app(fake, url, clock, LOG_LEVEL="WARNING", OUTBOX_SENDERS=str(senders)) as app,
        ):
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

            def count(*_: Any) -> None:
                nonlocal statements
                statements += 1

            event.listen(app.deps.db.engine, "before_cursor_execute", count)
            with FakeCpu().measuring() as fake_cpu:
                pg_before = postgres_cpu()
                cpu, started = time.process_time(), time.perf_counter()
                pulse_tick(app.deps, after_close)
                tick = time.perf_counter() - started
                tick_cpu = time.process_time() - cpu
                pg_after = postgres_cpu()
                tick_fake_cpu = fake_cpu.seconds
            event.remove(app.deps.db.engine, "before_cursor_execute", count)
            every_post = [c for c in fake.calls_to("chat.postMessage") if (c.answer or {}).get("ok")]
            posts = [c for c in every_post if "pulse:" in str(c.params.get("blocks"))]
            assert len(posts) == workspaces * people, (len(posts), workspaces * people)
            for call in posts:
                person = str(call.params["channel"])
                workspace = f"T{int(person[1:6]) + 1:05d}"
                assert call.headers["authorization"] == f"Bearer {tokens[workspace]}", person
            with FakeCpu().measuring() as fake_cpu:
                raw, raw_cpu = replay(fake, every_post, senders)
                raw_fake_cpu = fake_cpu.seconds
    finally:
        if drop is not None:
            drop()
    dms_per_second = len(posts) / tick
    return {
        "setup_seconds": setup,
        "tick_seconds": tick,
        "bot_cpu": tick_cpu - tick_fake_cpu,
        "fake_cpu": tick_fake_cpu,
        "pg_cpu": (pg_after - pg_before) if pg_before is not None and pg_after is not None else float("nan"),
        "dms": float(len(posts)),
        "posts": float(len(every_post)),
        "statements_per_dm": statements / len(posts),
        "dms_per_second": dms_per_second,
        "per_workspace_dms_per_second": dms_per_second / workspaces,
        "tick_ms_per_workspace": 1000 * tick / workspaces,
        "raw_seconds": raw,
        "raw_client_cpu": raw_cpu - raw_fake_cpu,
        "raw_fake_cpu": raw_fake_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", default="10,50,200", help="comma-separated workspace counts")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--senders", type=int, default=8, help="OUTBOX_SENDERS, and the replay's threads")
    args = parser.parse_args()
    backend = "PostgreSQL" if os.environ.get("PULSSI_TEST_POSTGRES_URL", "").strip() else "SQLite"
    print(f"scheduler tick across installed workspaces, {args.people} people each, {backend}, {args.senders} senders")
    print("CPU s: bot / fake Slack / PostgreSQL server; raw: the same chat.postMessage calls replayed to the fake")
    print(
        f"{'N':>5} {'DMs':>6} {'posts':>6} {'tick s':>7} {'CPU s bot/fake/pg':>19} {'SQL/DM':>7} {'DMs/s':>6} "
        f"{'/s/ws':>6} {'× 1/s/ws':>8} {'raw s':>6} {'raw CPU':>10} {'× raw':>6} {'bot CPU/DM':>10}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for number in (int(n) for n in args.workspaces.split(",")):
            r = run(number, args.people, directory, args.senders)
            per_ws = r["per_workspace_dms_per_second"]
            pg = "-" if math.isnan(r["pg_cpu"]) else f"{r['pg_cpu']:.1f}"  # SQLite: inside the bot's CPU
            cpu = f"{r['bot_cpu']:.1f}/{r['fake_cpu']:.1f}/{pg}"
            raw_cpu = f"{r['raw_client_cpu']:.1f}/{r['raw_fake_cpu']:.1f}"
            print(
                f"{number:>5} {int(r['dms']):>6} {int(r['posts']):>6} {r['tick_seconds']:>7.1f} {cpu:>19} "
                f"{r['statements_per_dm']:>7.1f} {r['dms_per_second']:>6.1f} {per_ws:>6.2f} "
                f"{per_ws / PER_CHANNEL_PER_SECOND:>8.2f} {r['raw_seconds']:>6.1f} {raw_cpu:>10} "
                f"{r['tick_seconds'] / r['raw_seconds']:>6.2f} {1000 * r['bot_cpu'] / r['dms']:>8.1f}ms",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
