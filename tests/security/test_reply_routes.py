"""Attacks on anonymous conversations (issue 17).

- A copy of the database without PULSSI_SECRET_KEY can't open a reply route, and nothing in the route, the
  pending replies or the comments (no user id, DM channel or time of writing) joins a comment to its author.
- What a manager sees (report blocks, Home, the report JSON, the export) and every log line of the whole
  exchange never hold the author's id; the log never holds a route next to anyone.
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.domain import conversations as convo
from bot.domain.report import report_json
from bot.services import reports
from bot.services.conversations import reply_tick
from storage.models import ReplyRoute, Team
from tests.conftest import BOTH_BACKENDS
from tests.handlers.test_conversations import (
    FIRST_SLOT,
    MANAGER,
    MEMBERS,
    dms_to,
    open_reply,
    prepare,
    reply_buttons,
    report,
    submit,
)
from tests.harness import SECRET_KEY, TEAM_ID, Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL
from tests.security.test_database_copy import _owner_table, _postgres_files, _sqlite_files
from tests.security.test_log_privacy import _Capture, debug_log  # noqa: F401 (the fixture)

AUTHORS = ("U001", "U002")
CONVERSATION_TABLES = ("reply_route", "reply_message", "pulse_comment")


def _exchange(harness: Harness) -> list[str]:
    """Two authors allow replies; the manager replies to both; one author answers (still pending)."""
    prepare(harness, allowing=AUTHORS)
    routes = reply_buttons(report(harness, MANAGER))
    assert len(routes) == 2
    for route in routes:
        submit(harness, MANAGER, open_reply(harness, MANAGER, route), "Could you tell me more?")
    harness.fake.clear_calls()
    harness.clock.set(FIRST_SLOT)
    reply_tick(harness.deps)
    dm = dms_to(harness, "U001")[0]
    route = next(e["value"] for b in dm["blocks"] if b.get("type") == "actions" for e in b["elements"])
    harness.clock.set(FIRST_SLOT + timedelta(minutes=17))
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id="U001",
        action_id="convo_answer",
        value=route,
        container={"type": "message", "channel_id": "DU001", "message_ts": "5.0"},
    )
    view = harness.fake.wait_for("views.open")[0].params["view"]
    submit(harness, "U001", view, "Yes: the refund rules.")
    return routes


def _rows(harness: Harness, table: str) -> list[dict[str, object]]:
    with harness.db.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(f"select * from {table}"))]


@BOTH_BACKENDS
def test_a_database_copy_without_the_secret_cannot_open_a_route_or_join_it_to_anyone(harness: Harness) -> None:
    routes = _exchange(harness)
    stored = _rows(harness, "reply_route")
    assert sorted(r["id"] for r in stored) == sorted(routes)
    for row in stored:
        sealed = str(row["sealed"])
        for user in MEMBERS:
            assert user not in sealed
        with pytest.raises(convo.RouteUnreadable):  # another secret: nothing opens
            convo.open_sealed("another-secret-key-of-forty-characters!!", TEAM_ID, str(row["id"]), sealed)
        with pytest.raises(convo.RouteUnreadable):  # the right secret, but moved onto another route
            other = next(r for r in routes if r != row["id"])
            convo.open_sealed(SECRET_KEY, TEAM_ID, other, sealed)
        assert convo.open_sealed(SECRET_KEY, TEAM_ID, str(row["id"]), sealed) in AUTHORS  # the app can
        # No time finer than the day it expires, the same for every route of the round; no DM channel.
        assert row["end_at"] is None
        assert {k for k, v in row.items() if v is not None} == {"id", "workspace_id", "team_id", "sealed", "expires_on"}
    assert len({r["expires_on"] for r in stored}) == 1
    # Sealing is randomised: the attacker can't seal each member's id and compare.
    assert convo.seal(SECRET_KEY, TEAM_ID, routes[0], "U001") != convo.seal(SECRET_KEY, TEAM_ID, routes[0], "U001")

    # No user id or DM channel in any row of the conversation tables, nor in their files.
    for table in CONVERSATION_TABLES:
        dumped = json.dumps(_rows(harness, table), default=str)
        for user in MEMBERS:
            assert user not in dumped and f"D{user}" not in dumped, f"{user} in {table}"
    [pending] = _rows(harness, "reply_message")
    assert pending["sender"] == "author" and pending["manager_id"] is None
    assert pending["deliver_at"] is not None
    written = FIRST_SLOT + timedelta(minutes=17)
    assert str(written.strftime("%H:%M")) not in str(pending["deliver_at"])  # the slot, not the writing time
    if harness.db.dialect == "postgresql":  # the table files too (SQLite's rows are checked above)
        for relation, content in _postgres_files(harness).items():
            if _owner_table(harness, relation) in CONVERSATION_TABLES:
                for user in MEMBERS:
                    assert user.encode() not in content, f"{user} is in {relation}"


@BOTH_BACKENDS
def test_managers_views_json_export_and_logs_never_name_the_author(harness: Harness, debug_log: _Capture) -> None:  # noqa: F811
    routes = _exchange(harness)
    harness.clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    harness.fake.clear_calls()
    reply_tick(harness.deps)
    [to_manager] = dms_to(harness, MANAGER)
    seen = [json.dumps(to_manager), json.dumps(report(harness, MANAGER))]
    harness.fake.clear_calls()
    harness.sender.event({"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": "D" + MANAGER})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == MANAGER)
    seen.append(json.dumps(harness.fake.home_views[MANAGER]))
    with harness.db.session_scope() as session:
        team = session.exec(select(Team)).one()
        scope = reports.team_scope(TEAM_ID, team)
    today = harness.clock().date()
    built = reports.build_report(harness.db, scope, today - timedelta(days=56), today, k=5)
    as_json = json.dumps(report_json(built))
    assert "Nobody explains why" in as_json  # the comment is there ...
    seen.append(as_json)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "export", user_id=ADMIN, channel_id=CHANNEL)
    export = ""
    for _ in range(200):
        found = [f for f in harness.fake.uploaded_files if f.filename == "pulssi-export.csv"]
        if found:
            export = found[-1].content.decode()
            break
        time.sleep(0.05)
    assert list(csv.DictReader(io.StringIO(export)))
    seen.append(export)
    for shown in seen:
        for author in AUTHORS:
            assert author not in shown and f"D{author}" not in shown
    for route in routes:  # ... but the JSON and the export carry no route a copy could follow
        assert route not in as_json and route not in export
    # Every log line at DEBUG (as `python -m bot serve` logs): no route, and no author's id next to anything of
    # the conversation (a reply, an answer, its modal or its DM).
    marks = ("convo", "reply", "Reply", "conversation", "refund", "Could you tell me more")
    assert debug_log.lines
    for line in debug_log.lines:
        assert not any(route in line for route in routes), f"a route is in the log: {line}"
        if any(author in line for author in AUTHORS):
            assert not any(mark in line for mark in marks), line


@BOTH_BACKENDS
def test_a_removed_route_is_gone_from_the_files_too(harness: Harness, database_url: str) -> None:
    routes = _exchange(harness)
    with harness.db.session_scope() as session:
        sealed = [r.sealed for r in session.exec(select(ReplyRoute))]
    # 30 days on, the purge removes every route; its sealed bytes aren't left in the files (scrubbed).
    harness.clock.set(datetime(2026, 4, 1, 7, 0, tzinfo=UTC))
    reply_tick(harness.deps)
    assert _rows(harness, "reply_route") == [] and _rows(harness, "reply_message") == []
    files = _sqlite_files(database_url) if harness.db.dialect == "sqlite" else _postgres_files(harness)
    for name, content in files.items():
        for value in [*routes, *(s for s in sealed if s)]:
            assert value.encode() not in content, f"a removed route is still in {name}"


def test_deleting_data_from_home_leaves_slack_no_record_that_one_wrote_a_comment(harness: Harness) -> None:
    """Attack: a Slack admin reads the export. Delete-my-data from Home confirmed in a DM that Slack keeps,
    with "1 anonymous conversation(s)" for an author who allowed replies (0 for anyone else), at a time
    just before the managers' "the author ended the conversation": the DM said who wrote the comment."""
    prepare(harness, allowing=("U001",))
    assert len(reply_buttons(report(harness, MANAGER))) == 1
    harness.fake.clear_calls()
    kept: dict[str, list[object]] = {}
    shown: dict[str, str] = {}
    for person in ("U001", "U002"):  # the author, and a member who wrote nothing
        harness.fake.clear_calls()
        harness.sender.block_action(
            user_id=person, action_id="home_delete_my_data", container={"type": "view", "view_id": "VHOME"}
        )
        harness.fake.wait_for("views.open")
        view_id = max(i for i, v in harness.fake.views.items() if v.get("callback_id") == "home_delete_modal")
        reply = harness.sender.view_submission(
            user_id=person, callback_id="home_delete_modal", values={}, view_id=view_id
        )
        assert reply.status == 200
        deadline = time.monotonic() + WAIT_SECONDS
        while not any(
            c.method == "views.update" or (c.method == "chat.postMessage" and c.params.get("channel") == person)
            for c in harness.fake.calls
        ):
            assert time.monotonic() < deadline, "delete-my-data never confirmed"
            time.sleep(0.02)
        kept[person] = [
            (c.method, c.params.get("text"))
            for c in harness.fake.calls
            if c.method in ("chat.postMessage", "chat.update") and c.params.get("channel") in (person, "D" + person)
        ]
        shown[person] = json.dumps([c.params for c in harness.fake.calls_to("views.update")])
    assert kept == {"U001": [], "U002": []}, "a kept DM records the deletion, and what it removed"
    assert "1 anonymous conversation(s)" in shown["U001"]  # the person still sees it, in the modal
