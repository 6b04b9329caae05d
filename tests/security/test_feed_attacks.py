"""Issue 15: a Slack admin can't turn the CX feed on the server.

Each test sets the feed from Slack with signed `/pulse cxfeed` requests to the running app and checks what
the fake Slack received: no file outside CX_FEED_DIR is read, no internal address is fetched (not after DNS,
not after a redirect), errors don't tell a closed port from a refused address, a slow server can't hold a
download or the report pool forever, and no reply quotes a file beyond a table's header.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.services import cx_fetch
from bot.settings import SettingError, Settings
from tests.conftest import BOTH_BACKENDS
from tests.harness import SECRET_KEY, SIGNING_SECRET, Harness, running_app
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team
from tests.slack.fake_slack import FakeSlack

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
CANARY = "CANARY-7f3a-SECRET"


def everything_sent(harness: Harness) -> str:
    return json.dumps([call.params for call in harness.fake.calls])


def set_feed(harness: Harness, source: str, *, replies: int = 1) -> str:
    """`/pulse cxfeed SOURCE` as the admin; the text of the replies (the refusal, or "set" and the summary)."""
    harness.fake.clear_calls()
    harness.sender.command("/pulse", f"cxfeed {source}", user_id=ADMIN, channel_id=CHANNEL)
    calls = harness.fake.wait_for("response_url", count=replies, timeout=30)
    return json.dumps([call.params for call in calls])


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder


@pytest.fixture
def feed_app(fake_slack: FakeSlack, database_url: str, feed_dir: Path) -> Iterator[Harness]:
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(feed_dir)) as harness:
        make_team(harness, MEMBERS)
        yield harness


# ---------------------------------------------------------------------------------------------------------
# Paths


@pytest.mark.parametrize("source", ["~sys/../proc/self/environ", "~root/../proc/self/environ", "/proc/self/environ"])
def test_home_directory_tricks_cannot_read_the_environment(feed_app: Harness, source: str) -> None:
    text = set_feed(feed_app, source)
    assert "CX_FEED_DIR" in text  # refused as outside the folder
    sent = everything_sent(feed_app)
    assert "PATH=" not in sent and "HOME=" not in sent


def test_dot_env_beside_the_feed_folder_is_out_of_reach(feed_app: Harness, feed_dir: Path) -> None:
    (feed_dir.parent / ".env").write_text(f"SLACK_SIGNING_SECRET={CANARY}\ndate,nps\n", encoding="utf-8")
    for source in ("../.env", str(feed_dir.parent / ".env"), f"{feed_dir}/sub/../../.env"):
        assert "CX_FEED_DIR" in set_feed(feed_app, source)
    assert CANARY not in everything_sent(feed_app)


def test_the_feed_folder_is_never_the_working_directory_or_one_holding_dot_env(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "PULSSI_SECRET_KEY": SECRET_KEY}
    default = Settings.from_env(env)
    assert Path(default.cx_feed_dir).resolve() not in (Path.cwd().resolve(), *Path.cwd().resolve().parents)
    for folder in (".", str(Path.cwd()), "/"):
        with pytest.raises(SettingError, match="CX_FEED_DIR"):
            Settings.from_env({**env, "CX_FEED_DIR": folder})
    holding = tmp_path / "feeds-with-env"
    holding.mkdir()
    (holding / ".env").write_text("SECRET=1\n", encoding="utf-8")
    with pytest.raises(SettingError, match=r"\.env"):
        Settings.from_env({**env, "CX_FEED_DIR": str(holding)})


@BOTH_BACKENDS
def test_symlinks_out_of_the_folder_are_refused_when_set_and_when_read(feed_app: Harness, feed_dir: Path) -> None:
    outside = feed_dir.parent / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text(f"date,comment\n{CANARY},x\n", encoding="utf-8")
    (feed_dir / "link.csv").symlink_to(secret)
    (feed_dir / "linked-dir").symlink_to(outside, target_is_directory=True)
    assert "CX_FEED_DIR" in set_feed(feed_app, "link.csv")
    assert "CX_FEED_DIR" in set_feed(feed_app, "linked-dir/secret.csv")
    # A file that was inside when it was set, swapped for a symlink afterwards: the pull refuses it too.
    good = feed_dir / "nps.csv"
    good.write_text("date,nps\n2026-01-05,10\n", encoding="utf-8")
    assert "1 imported" in set_feed(feed_app, "nps.csv", replies=2)
    good.unlink()
    good.symlink_to(secret)
    feed_app.fake.clear_calls()
    feed_app.sender.command("/pulse", "cxfeed refresh", user_id=ADMIN, channel_id=CHANNEL)
    [summary] = feed_app.fake.wait_for("response_url", timeout=30)
    assert "CX feed folder" in json.dumps(summary.params)
    assert CANARY not in everything_sent(feed_app)


def test_confined_paths_resolve_before_the_check(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PULSSI_SECRET_KEY": SECRET_KEY,
            "CX_FEED_DIR": str(folder),
        }
    )
    resolved = folder.resolve()
    table = {
        "nps.csv": resolved / "nps.csv",
        "sub/../nps.csv": resolved / "nps.csv",
        str(folder / "nps.csv"): resolved / "nps.csv",
        "../nps.csv": None,
        ".": None,
        "": None,
        "~root/../etc/passwd": None,
        "/etc/passwd": None,
        "nps.csv\x00.txt": None,
    }
    for source, expected in table.items():
        assert cx_fetch.confined_path(settings, source) == expected, source


# ---------------------------------------------------------------------------------------------------------
# What replies quote


@BOTH_BACKENDS
def test_replies_quote_no_file_content_beyond_a_table_header(feed_app: Harness, feed_dir: Path) -> None:
    lines = ["KEY=first-line", "A=x", "B=y", f"SECOND={CANARY}", f"THIRD={CANARY}"]
    (feed_dir / "notes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = set_feed(feed_app, "notes.csv", replies=2)
    assert "not imported" in text and "first-line" not in text and CANARY not in text
    # Mapping the first line as both date and score made every later line a rejected row quoting its cells.
    feed_app.fake.clear_calls()
    mapping = "cxfeed columns date=KEY=first-line, score=KEY=first-line"
    feed_app.sender.command("/pulse", mapping, user_id=ADMIN, channel_id=CHANNEL)
    feed_app.fake.wait_for("response_url", timeout=30)
    feed_app.fake.clear_calls()
    feed_app.sender.command("/pulse", "cxfeed refresh", user_id=ADMIN, channel_id=CHANNEL)
    [summary] = feed_app.fake.wait_for("response_url", timeout=30)
    assert "line 4" in json.dumps(summary.params)  # rejected by line number, not quoted
    assert CANARY not in everything_sent(feed_app)
    feed_app.sender.event({"type": "app_home_opened", "user": ADMIN, "tab": "home", "channel": "DUADMIN"})
    feed_app.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == ADMIN)
    assert CANARY not in json.dumps(feed_app.fake.home_views[ADMIN])


def test_a_real_header_is_still_named(feed_app: Harness, feed_dir: Path) -> None:
    (feed_dir / "no-date.csv").write_text("Score,Comment\n9,ok\n", encoding="utf-8")
    assert "Score, Comment" in set_feed(feed_app, "no-date.csv", replies=2)


# ---------------------------------------------------------------------------------------------------------
# URLs


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    redirect_to: ClassVar[str | None] = None
    trickle: ClassVar[bool] = False
    stop: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        type(self).hits.append(f"{self.server.server_address[0]}{self.path}")  # type: ignore[index]
        if self.redirect_to and self.server.server_address[0] == "127.0.0.1":  # type: ignore[index]
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        if self.trickle:
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(b"date,nps\n")
            while not self.stop.wait(0.2):  # a byte at a time, well inside any per-read timeout
                try:
                    self.wfile.write(b"2")
                    self.wfile.flush()
                except OSError:
                    return
            return
        body = f"date,comment,nps\n2026-01-05,{CANARY},9\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def web_server() -> Iterator[Any]:
    """Servers on 127.0.0.1 and 127.0.0.2 (both loopback) recording what was asked of them."""
    _Recorder.hits = []
    _Recorder.redirect_to = None
    _Recorder.trickle = False
    _Recorder.stop = threading.Event()
    servers = [http.server.ThreadingHTTPServer((host, 0), _Recorder) for host in ("127.0.0.1", "127.0.0.2")]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield servers
    finally:
        _Recorder.stop.set()
        for server in servers:
            server.shutdown()
            server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _error_part(text: str, url: str) -> str:
    """The reply without the URL it repeats, to compare the errors of different targets."""
    return text.replace(url.split("?", 1)[0], "URL")


@BOTH_BACKENDS
def test_loopback_private_and_metadata_urls_are_refused_and_never_requested(feed_app: Harness, web_server: Any) -> None:
    port = web_server[0].server_address[1]
    for url in (
        f"http://127.0.0.1:{port}/feed.csv",
        f"http://localhost:{port}/feed.csv",
        f"http://2130706433:{port}/feed.csv",  # 127.0.0.1 as one decimal number, caught after resolution
        f"http://[::ffff:127.0.0.1]:{port}/feed.csv",
        "http://169.254.169.254/latest/meta-data/",
    ):
        text = set_feed(feed_app, url, replies=2)
        assert "could not connect" in text, url
    assert _Recorder.hits == []
    assert CANARY not in everything_sent(feed_app)


def test_a_redirect_to_an_internal_address_is_refused(
    feed_app: Harness, web_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 127.0.0.1 stands for the public internet here; 127.0.0.2 is the internal network.
    monkeypatch.setattr(cx_fetch, "is_public_address", lambda address: address == "127.0.0.1")
    public, internal = (server.server_address[1] for server in web_server)
    _Recorder.redirect_to = f"http://127.0.0.2:{internal}/admin.csv"
    text = set_feed(feed_app, f"http://127.0.0.1:{public}/feed.csv", replies=2)
    assert "could not connect" in text
    assert _Recorder.hits == ["127.0.0.1/feed.csv"]  # the internal server was never asked
    assert CANARY not in everything_sent(feed_app)


def test_errors_do_not_tell_a_closed_port_from_an_open_one_or_an_unknown_host(
    feed_app: Harness, web_server: Any
) -> None:
    targets = (
        f"http://127.0.0.1:{web_server[0].server_address[1]}/x.csv",  # open
        f"http://127.0.0.1:{_closed_port()}/x.csv",  # closed
        "http://no-such-host.invalid/x.csv",  # unknown
    )
    errors = set()
    for url in targets:
        set_feed(feed_app, url, replies=2)
        errors.add(_error_part(str(feed_app.fake.calls_to("response_url")[-1].params["text"]), url))
    assert len(errors) == 1, errors


def test_private_urls_are_allowed_only_when_the_operator_says_so(
    fake_slack: FakeSlack, database_url: str, feed_dir: Path, web_server: Any
) -> None:
    port = web_server[0].server_address[1]
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(feed_dir), CX_FEED_ALLOW_PRIVATE_URLS="true") as harness:
        make_team(harness, MEMBERS)
        assert "1 imported" in set_feed(harness, f"http://127.0.0.1:{port}/feed.csv", replies=2)


def test_a_link_slack_wraps_and_escapes_is_fetched_as_typed(
    fake_slack: FakeSlack, database_url: str, feed_dir: Path, web_server: Any
) -> None:
    """Slack sends a link in a command's text as `<http://…?a=1&amp;b=2>`: the feed asks for `?a=1&b=2`."""
    port = web_server[0].server_address[1]
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(feed_dir), CX_FEED_ALLOW_PRIVATE_URLS="true") as harness:
        make_team(harness, MEMBERS)
        text = set_feed(harness, f"<http://127.0.0.1:{port}/feed.csv?a=1&b=2>", replies=2)
        assert "1 imported" in text
        assert _Recorder.hits == ["127.0.0.1/feed.csv?a=1&b=2"]


def test_a_trickling_server_meets_the_total_deadline(
    fake_slack: FakeSlack, database_url: str, feed_dir: Path, web_server: Any
) -> None:
    _Recorder.trickle = True
    port = web_server[0].server_address[1]
    with running_app(
        fake_slack,
        database_url,
        CX_FEED_DIR=str(feed_dir),
        CX_FEED_ALLOW_PRIVATE_URLS="true",
        CX_FEED_DEADLINE_SECONDS="2",
    ) as harness:
        make_team(harness, MEMBERS)
        text = set_feed(harness, f"http://127.0.0.1:{port}/slow.csv", replies=2)
        assert "took too long" in text


def test_slow_feed_servers_do_not_hold_the_report_pool(
    fake_slack: FakeSlack, database_url: str, feed_dir: Path, web_server: Any
) -> None:
    _Recorder.trickle = True
    port = web_server[0].server_address[1]
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(feed_dir), CX_FEED_ALLOW_PRIVATE_URLS="true") as harness:
        make_team(harness, MEMBERS)
        set_feed(harness, f"http://127.0.0.1:{port}/slow.csv")  # "set"; its pull keeps trickling
        for _ in range(4):
            harness.sender.command("/pulse", "cxfeed refresh", user_id=ADMIN, channel_id=CHANNEL)
        deadline = time.monotonic() + WAIT_SECONDS
        while len(_Recorder.hits) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_Recorder.hits) >= 2  # both feed workers are busy with the slow server
        busy = harness.fake.wait_for("response_url", predicate=lambda c: "already waiting" in json.dumps(c.params))
        assert busy  # more refreshes than the feed queue holds are turned away, not piled up
        harness.fake.clear_calls()
        harness.sender.command("/cxreport", "all", user_id=ADMIN, channel_id=CHANNEL)
        harness.fake.wait_for("response_url", predicate=lambda c: bool(c.params.get("blocks")))
        harness.fake.wait_for("files.completeUploadExternal")  # the report's chart, sent before teardown
        _Recorder.stop.set()


def test_addresses_table() -> None:
    table = {
        "8.8.8.8": True,
        "2001:4860:4860::8888": True,
        "127.0.0.1": False,
        "127.8.9.10": False,
        "::1": False,
        "10.1.2.3": False,
        "172.16.0.1": False,
        "192.168.1.1": False,
        "100.64.0.1": False,  # shared address space (carrier NAT, some cloud metadata)
        "169.254.169.254": False,  # cloud metadata
        "fd00:ec2::254": False,  # AWS metadata over IPv6
        "fe80::1%eth0": False,
        "0.0.0.0": False,
        "::": False,
        "224.0.0.1": False,
        "255.255.255.255": False,
        "::ffff:127.0.0.1": False,
        "::ffff:8.8.8.8": True,
        "2002:7f00:1::": False,  # 6to4 wrapping 127.0.0.1
        "not an address": False,
    }
    for address, public in table.items():
        assert cx_fetch.is_public_address(address) is public, address


def test_the_environment_of_this_process_has_a_path() -> None:
    """The environ attacks above look for PATH= in what Slack received; it must be there to be leaked."""
    assert b"PATH=" in Path(f"/proc/{os.getpid()}/environ").read_bytes()
