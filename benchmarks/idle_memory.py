"""Idle memory: RSS of `python -m bot serve` (gunicorn master + workers, summed) and `python -m bot socket`
after start-up, migrations and one request, then 5 s of idling.

Socket Mode needs Slack's WebSocket, which this machine can't reach; the benchmark points the app at the
loopback fake Slack, so the socket process starts its app, scheduler and database and then retries the
connection: what it holds in memory is what an idle Socket Mode process holds.

    python benchmarks/idle_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import free_port, wait_healthy  # noqa: E402
from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402


def rss_mb(pid: int) -> list[float]:
    """RSS of a process and of each child, from /proc (Linux)."""
    sizes: list[float] = []
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            continue
    return sizes


def measure(mode: str, env: dict[str, str], directory: str, healthy_url: str | None) -> list[float]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", mode],
        env=env,
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if healthy_url:
            wait_healthy(healthy_url)
        else:
            time.sleep(8)
        time.sleep(5)
        if process.poll() is not None:
            raise RuntimeError(f"`{mode}` exited with {process.returncode}")
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    with tempfile.TemporaryDirectory() as directory, FakeSlack(token=BOT_TOKEN) as fake:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PULSSI_SECRET_KEY": SECRET_KEY,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": f"sqlite:///{directory}/idle.db",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        serve = measure("serve", env, directory, f"http://127.0.0.1:{port}")
        socket_env = dict(env, SLACK_APP_TOKEN=fake.app_token)  # the fake accepts only its own app token
        socket_sizes = measure("socket", socket_env, directory, None)
    print("| mode | processes | largest process | all processes |")
    print("|---|---|---|---|")
    print(
        f"| `serve` (gunicorn master + {len(serve) - 1} workers) | {len(serve)} "
        f"| {max(serve):.0f} MB | {sum(serve):.0f} MB |"
    )
    print(f"| `socket` | 1 | {max(socket_sizes):.0f} MB | {sum(socket_sizes):.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
