"""Ack first, always: view submissions are acknowledged within Slack's 3 seconds while Slack is slow (2 s per
call) or rate-limits the lookups they need (429 with a Retry-After longer than 3 s), and nothing is lost."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import select

from bot.deps import FEED_QUEUE_LIMIT, FEED_WORKERS
from storage.models import CxResponse, Team, Win
from tests.handlers.test_win import ENGLISH_STORY, state
from tests.harness import Harness, running_app
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackHttpResponse

SLACK_ACK_LIMIT = 3.0  # seconds: Slack shows the person an error after this
MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
SLOW = 2.0  # every Web API answer takes this long


def timed(submit: Any) -> tuple[SlackHttpResponse, float]:
    started = time.monotonic()
    response = submit()
    return response, time.monotonic() - started


def setup_values(channel: str) -> dict[str, Any]:
    return {"channel": {"value": {"type": "conversations_select", "selected_conversation": channel}}}


def team_named(harness: Harness, channel: str) -> Team | None:
    with harness.db.session_scope() as session:
        team = session.exec(select(Team).where(Team.channel_id == channel)).first()
        if team is not None:
            session.expunge(team)
        return team


def test_home_setup_acks_while_slack_is_slow_and_rate_limited(harness: Harness) -> None:
    fake = harness.fake
    fake.add_user(ADMIN, is_admin=True)
    for user in MEMBERS:
        fake.add_user(user)
    fake.add_channel("C0SLOW", "slow-team", [*MEMBERS, "UBOT"])
    fake.set_latency(SLOW)
    fake.fail_next("users.info", retry_after=2)
    fake.fail_next("conversations.info", retry_after=2)
    submit = lambda: harness.sender.view_submission(  # noqa: E731
        user_id=ADMIN, callback_id="home_setup_modal", values=setup_values("C0SLOW")
    )
    response, elapsed = timed(submit)
    assert response.status == 200 and not response.body
    assert elapsed < SLACK_ACK_LIMIT
    fake.set_latency(0)
    done = fake.wait_for("chat.postMessage", timeout=60, predicate=lambda c: c.params["channel"] == ADMIN)
    assert "slow-team is a Pulssi team with 5 members" in done[0].params["text"]
    assert team_named(harness, "C0SLOW") is not None
    assert fake.faults_served >= 1  # the 429 was met after ack() and waited out there


def test_home_setup_never_sleeps_out_a_retry_after_before_ack(harness: Harness) -> None:
    fake = harness.fake
    fake.add_user(ADMIN, is_admin=True)
    for user in MEMBERS:
        fake.add_user(user)
    fake.add_channel("C0LIMIT", "limited-team", [*MEMBERS, "UBOT"])
    fake.fail_next("conversations.info", retry_after=4, times=2)  # longer than Slack's ack limit
    response, elapsed = timed(
        lambda: harness.sender.view_submission(
            user_id=ADMIN, callback_id="home_setup_modal", values=setup_values("C0LIMIT")
        )
    )
    assert response.status == 200 and not response.body and elapsed < SLACK_ACK_LIMIT
    done = fake.wait_for("chat.postMessage", timeout=60, predicate=lambda c: c.params["channel"] == ADMIN)
    assert "limited-team is a Pulssi team with 5 members" in done[0].params["text"]
    fake.clear_calls()

    # Undecided before ack(), and after it Slack says the bot is not in the channel: the admin is told.
    fake.fail_next("conversations.info", retry_after=4, times=2)
    response, elapsed = timed(
        lambda: harness.sender.view_submission(
            user_id=ADMIN, callback_id="home_setup_modal", values=setup_values("C0NOPE")
        )
    )
    assert response.status == 200 and not response.body and elapsed < SLACK_ACK_LIMIT
    told = fake.wait_for("chat.postMessage", timeout=60, predicate=lambda c: c.params["channel"] == ADMIN)
    assert "Invite it first" in told[0].params["text"]
    assert team_named(harness, "C0NOPE") is None


def test_schedule_modal_acks_while_slack_is_slow_and_rate_limited(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "schedule", user_id=ADMIN, channel_id=CHANNEL)
    modal = harness.fake.wait_for("views.open")[0].params["view"]
    harness.deps.users.forget(ADMIN)  # nothing cached: the language would need users.info
    harness.fake.set_latency(SLOW)
    harness.fake.fail_next("users.info", retry_after=4)
    values = {
        "cadence": {"value": {"type": "static_select", "selected_option": {"value": "1"}}},
        "weekday": {"value": {"type": "static_select", "selected_option": {"value": "3"}}},
        "time": {"value": {"type": "plain_text_input", "value": "9.75"}},
    }

    def submit() -> SlackHttpResponse:
        return harness.sender.view_submission(
            user_id=ADMIN,
            callback_id="pulse_schedule_modal",
            values=values,
            private_metadata=modal["private_metadata"],
        )

    bad, elapsed = timed(submit)
    assert elapsed < SLACK_ACK_LIMIT
    assert bad.json()["response_action"] == "errors" and "09:00" in bad.json()["errors"]["time"]
    values["time"]["value"]["value"] = "11:15"
    good, elapsed = timed(submit)
    assert good.status == 200 and not good.body and elapsed < SLACK_ACK_LIMIT
    harness.fake.set_latency(0)
    harness.fake.wait_for("chat.postEphemeral", timeout=60)
    team = team_named(harness, CHANNEL)
    assert team is not None and (team.every_weeks, team.weekday, team.at_time) == (1, 3, "11:15")


def test_win_submission_acks_while_slack_is_slow_and_rate_limited(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.deps.users.forget("U001")
    harness.fake.set_latency(SLOW)
    harness.fake.fail_next("users.info", retry_after=4)

    def submit(story: str, view_id: str) -> SlackHttpResponse:
        return harness.sender.view_submission(
            user_id="U001", callback_id="win_modal", values=state(story, colleagues=["U002"]), view_id=view_id
        )

    empty, elapsed = timed(lambda: submit("", "VWINA"))
    assert elapsed < SLACK_ACK_LIMIT and empty.json()["response_action"] == "errors"
    shared, elapsed = timed(lambda: submit(ENGLISH_STORY, "VWINB"))
    assert shared.status == 200 and not shared.body and elapsed < SLACK_ACK_LIMIT
    harness.fake.set_latency(0)
    celebrated = harness.fake.wait_for(
        "chat.postMessage", timeout=60, predicate=lambda c: c.params["channel"] == CHANNEL
    )
    assert "win:" in json.dumps(celebrated[0].params.get("blocks"))
    with harness.db.session_scope() as session:
        stored = session.exec(select(Win)).all()
        assert [w.text for w in stored] == [ENGLISH_STORY]


class _HeldFeed(http.server.BaseHTTPRequestHandler):
    """A CX feed server that answers only when the test lets it: a slow server, for as long as a test needs."""

    hits: ClassVar[list[str]] = []
    release: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.release.wait(30)
        body = b"date,nps\n2026-01-05,9\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def held_feed() -> Iterator[str]:
    _HeldFeed.hits = []
    _HeldFeed.release = threading.Event()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HeldFeed)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/feed.csv"
    finally:
        _HeldFeed.release.set()
        server.shutdown()
        server.server_close()


def test_home_cx_feed_modal_pulls_on_the_feed_pool_after_ack(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path, held_feed: str
) -> None:
    """The modal's first pull waits on someone else's server: it runs on the feed pool, not in the listener, so
    every submission is acked at once, at most FEED_WORKERS downloads run, and a burst beyond FEED_QUEUE_LIMIT is
    told to wait instead of each holding a listener thread."""
    env = {"CX_FEED_DIR": str(tmp_path), "CX_FEED_ALLOW_PRIVATE_URLS": "true"}
    with running_app(fake_slack, database_url, **env) as harness:
        make_team(harness, MEMBERS)
        values = {"source": {"value": {"type": "plain_text_input", "value": held_feed}}}
        for _ in range(FEED_QUEUE_LIMIT + 1):
            response, elapsed = timed(
                lambda: harness.sender.view_submission(user_id=ADMIN, callback_id="home_cxfeed_modal", values=values)
            )
            assert response.status == 200 and not response.body
            assert elapsed < SLACK_ACK_LIMIT
        busy = harness.fake.wait_for(
            "chat.postMessage", predicate=lambda c: "already waiting" in str(c.params.get("text"))
        )
        assert busy[0].params["channel"] == ADMIN
        deadline = time.monotonic() + WAIT_SECONDS
        while len(_HeldFeed.hits) < FEED_WORKERS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_HeldFeed.hits) == FEED_WORKERS  # the others queue behind the two feed workers
        _HeldFeed.release.set()
        # Each pull that was let in then refreshes the admin's Home with the import's result; all of them have
        # finished before the app stops.
        published = harness.fake.wait_for(
            "views.publish",
            count=FEED_QUEUE_LIMIT,
            timeout=30,
            predicate=lambda c: c.params.get("user_id") == ADMIN and "Last import" in json.dumps(c.params),
        )
        assert len(published) >= FEED_QUEUE_LIMIT
        # The same one-row feed pulled FEED_QUEUE_LIMIT times is stored once. (Which Home shows "1 rows imported"
        # depends on when each publish reads the latest import, so the rows are counted instead.)
        with harness.db.session_scope() as session:
            assert len(session.exec(select(CxResponse)).all()) == 1
        assert len(_HeldFeed.hits) == FEED_QUEUE_LIMIT  # the one turned away never downloaded
