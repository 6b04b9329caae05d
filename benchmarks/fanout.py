"""Fan-out: one round's pulse DMs to 5,000 people through the fake Slack, which enforces a rate limit on
chat.postMessage (429 + Retry-After beyond N calls a second) and answers 5% of all calls with a random 429.

Reports the time against the rate-limit bound (people / limit) and checks that everyone got exactly one
DM. The first round (onboarding notes included) warms up; the second round is measured.

    python benchmarks/fanout.py                         # 5,000 people, 100 DMs/s, SQLite
    python benchmarks/fanout.py --people 1000 --limit 50 --senders 8
    python benchmarks/fanout.py --undeliverable 50   # 50 people Slack won't DM: the rest go out as fast
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.deps import build_deps
from bot.services import outbox, rounds, teams
from bot.settings import Settings
from storage.migrate import upgrade_to_head
from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET
from tests.slack.fake_slack import FakeSlack

WS = "T0001"
ADMIN = "UADMIN"


def pulse_dms(fake: FakeSlack) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (channel, _ts), message in fake.messages.items():
        if any(str(b.get("block_id", "")).startswith("pulse:") for b in message.get("blocks") or []):
            counts[channel] = counts.get(channel, 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=100, help="chat.postMessage calls allowed per second")
    parser.add_argument("--rate-429", type=float, default=0.05)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument(
        "--undeliverable", type=int, default=0, help="people whose DMs Slack refuses (messages_tab_disabled)"
    )
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory, FakeSlack(token=BOT_TOKEN, team_id=WS) as fake:
        url = args.database_url or f"sqlite:///{directory}/fanout.db"
        upgrade_to_head(url)
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PULSSI_SECRET_KEY": SECRET_KEY,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": url,
            "OUTBOX_SENDERS": str(args.senders),
            "LOG_LEVEL": "WARNING",
        }
        deps = build_deps(Settings.from_env(env))
        people = [f"U{i:06d}" for i in range(args.people)]
        fake.add_user(ADMIN, is_admin=True)
        for user in people:
            fake.add_user(user)
        fake.add_channel("C0BIG", "everyone", people)
        team, _created, audience = teams.setup_team(deps, WS, "C0BIG", "everyone", ADMIN)
        assert len(audience.pulsed) == args.people, audience

        rounds.start_round(deps, WS, team.id, manual=True)  # warm-up: onboarding notes and the first DMs
        outbox.send_due_pulses(deps, limit=args.people * 2)
        rounds.close_open_round(deps, WS, team.id)

        step = max(1, args.people // args.undeliverable) if args.undeliverable else 0
        blocked = people[::step][: args.undeliverable] if step else []
        for user in blocked:
            fake.inject_error("messages_tab_disabled", method="chat.postMessage", user=user)
        fake.clear_calls()
        fake.set_rate_limit("chat.postMessage", args.limit)
        fake.set_fault_rates(rate_429=args.rate_429, retry_after=1, seed=1)
        before = pulse_dms(fake)
        rounds.start_round(deps, WS, team.id, manual=True)
        started = time.perf_counter()
        sent = 0
        while sent < args.people:
            progress = outbox.send_due_pulses(deps, limit=args.people)
            if progress == 0:
                break
            sent += progress
        elapsed = time.perf_counter() - started
        after = pulse_dms(fake)
        tried_blocked = len([c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") in set(blocked)])
        deps.db.dispose()

    new = {user: after.get(user, 0) - before.get(user, 0) for user in after}
    exactly_once = sum(1 for count in new.values() if count == 1)
    doubled = sum(1 for count in new.values() if count > 1)
    expected = args.people - len(blocked)
    bound = expected / args.limit
    print("| people | rate limit | random 429s | senders | time | bound | ratio | exactly once | doubled |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.people:,} | {args.limit}/s | {args.rate_429:.0%} | {args.senders} | {elapsed:.1f} s | "
        f"{bound:.1f} s | {elapsed / bound:.2f}× | {exactly_once:,} | {doubled} |"
    )
    if blocked:
        # 429s on a blocked person's call are retried by the client; Slack's refusal itself never is.
        print(f"\n{len(blocked)} undeliverable: {tried_blocked} chat.postMessage call(s) to them in all, none retried")
    return 0 if exactly_once == expected and doubled == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
