"""Ack latency under load: `python -m bot serve` (gunicorn) answering signed requests from 50 concurrent
clients, for `/win`, `/cxreport` and a pulse answer button. Slack's Web API is the loopback fake Slack.

The time measured is the HTTP round trip of the request Slack sends (what must stay under 3 s); the work
after `ack()` (opening the modal, building the report, updating the DM) continues in the background.

    python benchmarks/ack_latency.py                    # 50 clients x 20 requests per kind, SQLite
    python benchmarks/ack_latency.py --clients 20 --requests 10
    python benchmarks/ack_latency.py --floor            # the same load on a Bolt app that only acks
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.sender import SlackRequestSender  # noqa: E402

WS = "T0001"
ADMIN = "UADMIN"
CHANNEL = "C0TEAM"
MEMBERS = [f"U{i:03d}" for i in range(1, 9)]
# What `serve` runs with by default (WEB_CONCURRENCY=2; bot/__main__.py's 16 threads); the floor uses the same.
WEB_WORKERS = 2
WEB_THREADS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 (loopback http)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the bot did not become healthy")


def run_fake(connection: multiprocessing.connection.Connection) -> None:
    """The fake Slack in its own process, so its Block Kit validation doesn't share a GIL with the clients."""
    with FakeSlack(token=BOT_TOKEN, team_id=WS) as fake:
        fake.add_user(ADMIN, is_admin=True)
        for user in MEMBERS:
            fake.add_user(user)
        fake.add_channel(CHANNEL, "support", MEMBERS)
        connection.send((fake.url, fake.base))
        while True:
            request = connection.recv()
            if request == "stop":
                return
            if request == "button":
                connection.send(find_button(fake))
            elif isinstance(request, tuple) and request[0] == "count":
                connection.send(len([c for c in fake.calls if c.method == request[1]]))
            elif request == "total":
                connection.send(len(fake.calls))


def find_button(fake: FakeSlack) -> tuple[str, str, str, str, str] | None:
    for (channel, ts), message in fake.messages.items():
        for block in message.get("blocks") or []:
            if block.get("type") == "actions" and str(block.get("block_id", "")).startswith("pulse:"):
                element = block["elements"][2]
                return channel, ts, block["block_id"], element["action_id"], element["value"]
    return None


class RemoteFake:
    """Just enough of FakeSlack for the request sender: its response_url base."""

    def __init__(self, base: str) -> None:
        self.base = base

    def response_url(self, key: str = "default") -> str:
        return f"{self.base}/respond/{key}"


def wait_quiet(parent: multiprocessing.connection.Connection, limit: float = 600) -> float:
    """Wait until the bot has made no Slack call for 2 s (its work after ack() is done); seconds waited."""
    began = time.monotonic()
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() - began < limit:
        parent.send("total")
        total = parent.recv()
        if total != last:
            last, quiet_since = total, time.monotonic()
        elif time.monotonic() - quiet_since >= 2:
            return quiet_since - began
        time.sleep(0.25)
    raise RuntimeError("the bot never went quiet")


def cpu_seconds(session_id: int | None = None, pid: int | None = None) -> float:
    """CPU time (user + system) of one process, or of every process in a session (the gunicorn tree)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (pid is not None and int(entry.name) != pid):
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if session_id is not None and int(fields[3]) != session_id:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_pulse_round(
    sender: SlackRequestSender, parent: multiprocessing.connection.Connection
) -> tuple[str, str, str, str, str]:
    """Make the channel a team, start a round, and find a pulse answer button in a member's DM."""
    sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL, channel_name="support")
    time.sleep(2)
    sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        parent.send("button")
        button = parent.recv()
        if button is not None:
            return button  # type: ignore[no-any-return]
    raise RuntimeError("no pulse DM found")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client and kind")
    parser.add_argument("--database-url")
    parser.add_argument("--kinds", default="/win,/cxreport,pulse button", help="comma-separated, of the default")
    parser.add_argument(
        "--rate",
        type=float,
        help="open loop: requests per second in all, on a fixed schedule (as Slack sends them, not waiting for our "
        "answers); latency counts from each request's scheduled time. Default: closed loop, back to back",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="serve benchmarks/ack_floor_app.py instead of Pulssi: Bolt listeners that only ack(), under the "
        "same gunicorn settings, to show what the stack and the load generator cost by themselves",
    )
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    fake_process = multiprocessing.Process(target=run_fake, args=(child,), daemon=True)
    fake_process.start()
    fake_url, fake_base = parent.recv()
    fake = RemoteFake(fake_base)
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PULSSI_SECRET_KEY": SECRET_KEY,
            "SLACK_API_URL": fake_url,
            "DATABASE_URL": args.database_url or f"sqlite:///{directory}/ack.db",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(WEB_WORKERS),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        if args.floor:
            command = [
                sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(WEB_WORKERS),
                "--worker-class", "gthread", "--threads", str(WEB_THREADS), "--log-level", "warning",
                "benchmarks.ack_floor_app:create_wsgi()",
            ]  # fmt: skip
        else:
            command = [sys.executable, "-m", "bot", "serve"]
        # A session of its own, so the whole gunicorn tree is stopped at the end (workers included).
        server = subprocess.Popen(command, env=env, cwd=ROOT if args.floor else directory, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url)
            sender = SlackRequestSender(url, SIGNING_SECRET, fake, team_id=WS)  # type: ignore[arg-type]
            if args.floor:
                # The floor app only acks; a button payload shaped like a real pulse answer.
                button = (f"D{MEMBERS[0]}", "1700000000.000100", "pulse:1:autonomy", "pulse_answer_3", "1:autonomy:3")
            else:
                button = start_pulse_round(sender, parent)
            channel, ts, block_id, action_id, value = button
            user = channel[1:]

            kinds = {
                "/win": lambda: sender.command("/win", "We fixed it", user_id=MEMBERS[0], channel_id=CHANNEL),
                "/cxreport": lambda: sender.command("/cxreport", "all", user_id=ADMIN, channel_id=CHANNEL),
                "pulse button": lambda: sender.block_action(
                    user_id=user, action_id=action_id, value=value, block_id=block_id, channel_id=channel,
                    container={"type": "message", "channel_id": channel, "message_ts": ts},
                ),
            }  # fmt: skip
            rows = []
            for name, send in kinds.items():
                if name not in args.kinds.split(","):
                    continue
                timings: list[float] = []
                errors = 0
                lock = threading.Lock()

                began = time.perf_counter() + 0.2

                def client(index: int, send=send, timings=timings, lock=lock, began=began) -> None:  # type: ignore[no-untyped-def]
                    nonlocal errors
                    for number in range(args.requests):
                        if args.rate:
                            started = began + (number * args.clients + index) / args.rate
                            time.sleep(max(0.0, started - time.perf_counter()))
                        else:
                            started = time.perf_counter()
                        response = send()
                        elapsed = (time.perf_counter() - started) * 1000
                        with lock:
                            timings.append(elapsed)
                            if response.status != 200:
                                errors += 1

                server_cpu = cpu_seconds(session_id=server.pid)
                fake_cpu, own_cpu = cpu_seconds(pid=fake_process.pid), cpu_seconds(pid=os.getpid())
                threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                rate = len(timings) / (time.perf_counter() - began)
                drained = wait_quiet(parent)  # the next kind is measured without this kind's leftover work
                print(f"{name}: work after ack() done {drained:.1f} s after the last ack", file=sys.stderr)
                per_request = [
                    1000 * (after - before) / len(timings)
                    for before, after in (
                        (server_cpu, cpu_seconds(session_id=server.pid)),
                        (fake_cpu, cpu_seconds(pid=fake_process.pid)),
                        (own_cpu, cpu_seconds(pid=os.getpid())),
                    )
                ]
                rows.append(
                    f"| {name} | {len(timings):,} | {rate:.0f}/s | {statistics.median(timings):.0f} ms | "
                    f"{percentile(timings, 0.99):.0f} ms | {max(timings):.0f} ms | {errors} | "
                    + " | ".join(f"{cpu:.1f} ms" for cpu in per_request)
                    + " |"
                )
        finally:
            parent.send("stop")
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    load = f"open loop at {args.rate:g} requests/s" if args.rate else "closed loop, back to back"
    served = "benchmarks/ack_floor_app.py (listeners only ack)" if args.floor else "`serve`"
    setup = f"{WEB_WORKERS} workers, {WEB_THREADS} threads each"
    print(f"{args.clients} concurrent clients, {load}; {served} under gunicorn ({setup})")
    print("CPU per request: the bot's processes (including the work after ack), the fake Slack, the load generator")
    print("| request | n | throughput | p50 | p99 | max | non-200 | CPU: bot | CPU: fake Slack | CPU: clients |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
