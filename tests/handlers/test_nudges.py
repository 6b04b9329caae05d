"""Manager nudges through the running app: a need dropping beyond noise in a closed round gives exactly one
nudge per team and week, in the manager's language, with a suggested action; snooze silences it."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.domain.nudges import dropped_needs, suggestion_key
from bot.domain.report import NeedResult
from bot.i18n import catalogs
from bot.services import cx_import, rounds
from bot.services.nudges import nudge_tick
from handlers.delivery import nudge_after_round
from storage.models import ManagerNudge, NudgeSnooze, PulseRound, Team, Win
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
MANAGER = "UMGR"


def command(harness: Harness, text: str, user: str) -> dict[str, Any]:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", text, user_id=user, channel_id=CHANNEL)
    return dict(harness.fake.wait_for("response_url")[0].params)


def run_round(harness: Harness, value: int, rounds_before: int) -> None:
    command(harness, "now", ADMIN)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:  # the newest round's DMs, not the previous round's
        dms = wait_pulse_dms(harness, len(MEMBERS))
        if all(f":{rounds_before + 1}:" in json.dumps(dms[u][2]) or rounds_before == 0 for u in MEMBERS):
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for user in MEMBERS:
        for question in ("autonomy", "competence", "belonging"):
            click(harness, user, dms[user], question, value if question == "belonging" else 4)
    harness.fake.wait_for("chat.postEphemeral", count=3 * len(MEMBERS))  # each click confirmed privately
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)


def nudges_to(harness: Harness, user: str) -> list[Any]:
    return [
        c
        for c in harness.fake.calls_to("chat.postMessage")
        if c.params.get("channel") == user and "nudge_snooze" in json.dumps(c.params.get("blocks") or [])
    ]


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_drop_beyond_noise_gives_exactly_one_nudge(harness: Harness, language: str) -> None:
    make_team(harness, MEMBERS)
    harness.fake.add_user(MANAGER)
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        command(harness, f"language {language}", MANAGER)
    run_round(harness, 5, 0)
    assert not nudges_to(harness, MANAGER)  # nothing to compare with yet
    harness.clock.advance(timedelta(weeks=5))
    run_round(harness, 1, 1)

    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == MANAGER)
    [nudge] = nudges_to(harness, MANAGER)
    text = json.dumps(nudge.params, ensure_ascii=False)
    need_name = catalogs()[language]["pulse.need.belonging"]
    assert need_name in text and "-4.00" in text
    suggestion = catalogs()[language][suggestion_key("belonging", harness.clock().date())]
    assert suggestion.replace("'", "\\u0027")[:20] in text or suggestion[:20] in text

    # The same round closing twice (a retry, another process) or another close this week: no second nudge.
    with harness.db.session_scope() as session:
        latest = session.exec(select(PulseRound).order_by(PulseRound.id.desc())).first()  # type: ignore[union-attr]
        assert latest is not None and latest.id is not None
        closed = rounds.ClosedRound(latest.id, latest.team_id, 5, 5, "T0001")
    nudge_after_round(harness.deps, closed)
    assert len(nudges_to(harness, MANAGER)) == 1
    with harness.db.session_scope() as session:
        [row] = session.exec(select(ManagerNudge)).all()
        assert (row.kind, row.need) == ("need_drop", "belonging")

    # Snooze: only the team's managers; then next week's drop sends nothing to the snoozer.
    blocks = nudge.params["blocks"]
    value = next(e["value"] for b in blocks for e in b.get("elements", []) if e.get("action_id") == "nudge_snooze")
    harness.fake.clear_calls()
    harness.sender.block_action(user_id="U001", action_id="nudge_snooze", value=value, channel_id="DU001")
    assert "Only" in json.dumps(harness.fake.wait_for("response_url")[0].params)
    harness.sender.block_action(user_id=MANAGER, action_id="nudge_snooze", value=value, channel_id=f"D{MANAGER}")
    harness.fake.wait_for("response_url", count=2)
    with harness.db.session_scope() as session:
        [snooze] = session.exec(select(NudgeSnooze)).all()
        assert snooze.user_id == MANAGER and snooze.until == harness.clock().date() + timedelta(days=28)
    harness.clock.advance(timedelta(weeks=1))
    harness.fake.clear_calls()
    nudge_after_round(harness.deps, closed)
    assert not nudges_to(harness, MANAGER)


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        ([NeedResult("autonomy", 9, False, 3.0, 2.8, 3.2, -0.2, False)], []),
        ([NeedResult("autonomy", 9, False, 2.0, 1.8, 2.2, -1.5, True)], ["autonomy"]),
        ([NeedResult("autonomy", 9, False, 4.5, 4.3, 4.7, +1.5, True)], []),
        ([NeedResult("autonomy", 3, True)], []),
        (
            [
                NeedResult("autonomy", 9, False, 2.0, 1.8, 2.2, -0.8, True),
                NeedResult("belonging", 9, False, 2.0, 1.8, 2.2, -1.9, True),
            ],
            ["belonging", "autonomy"],
        ),
    ],
)
def test_dropped_needs(needs: list[NeedResult], expected: list[str]) -> None:
    assert [n.need for n in dropped_needs(needs)] == expected


def test_the_bank_has_five_suggestions_per_need_in_both_languages() -> None:
    for language in ("en", "fi"):
        for need in ("autonomy", "competence", "belonging"):
            assert all(f"nudge.suggest.{need}.{i}" in catalogs()[language] for i in range(1, 6))


# ----- the scheduler's nudges: detractors, unnoticed wins, a waiting tough moment --------------------------


def import_nps(harness: Harness, windows: list[tuple[int, int, int]]) -> None:
    """(days back, answers, detractors) per day: NPS answers through the real import, for the team "support"."""
    today = harness.clock().astimezone(ZoneInfo("Europe/Helsinki")).date()
    lines = ["date,nps,team"]
    for back, answers, detractors in windows:
        day = (today - timedelta(days=back)).isoformat()
        lines += [f"{day},3,support"] * detractors + [f"{day},9,support"] * (answers - detractors)
    summary = cx_import.import_bytes(harness.db, "T0001", "test", "\n".join(lines).encode(), None, harness.clock())
    assert summary.status != "rejected"


def react(harness: Harness, user: str) -> None:
    item = {"type": "message", "channel": CHANNEL, "ts": "1700000000.000100"}
    harness.sender.event({"type": "reaction_added", "user": user, "reaction": "tada", "item": item})


def kinds_sent(harness: Harness) -> list[str]:
    with harness.db.session_scope() as session:
        return [row.kind for row in session.exec(select(ManagerNudge)).all()]


def manager_team(harness: Harness, language: str) -> None:
    make_team(harness, MEMBERS)
    harness.fake.add_user(MANAGER)
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        command(harness, f"language {language}", MANAGER)
    harness.fake.clear_calls()


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_detractor_rise_beyond_noise_gives_exactly_one_nudge(harness: Harness, language: str) -> None:
    manager_team(harness, language)
    import_nps(harness, [(40, 100, 10), (5, 100, 35)])  # 10 % -> 35 % detractors
    nudge_tick(harness.deps)
    nudge_tick(harness.deps)  # a second tick, or a second process: the week is taken
    [nudge] = nudges_to(harness, MANAGER)
    text = json.dumps(nudge.params, ensure_ascii=False)
    catalog = catalogs()[language]
    assert catalog["nudge.detractor_rise.text"].split("{team}")[1][:30] in text
    suggestion = catalog[suggestion_key("competence", harness.clock().date())]
    assert suggestion[:20] in text or suggestion.replace("'", "\\u0027")[:20] in text
    assert kinds_sent(harness) == ["detractor_rise"]
    # The same week, another kind falling due (four weeks of wins no manager reacted to) sends nothing more.
    with harness.db.session_scope() as session:
        team_id = session.exec(select(Team.id)).one()
        session.add(
            Win(
                workspace_id="T0001",
                team_id=team_id,
                author_id="U001",
                text="Unnoticed",
                created_at=harness.clock() - timedelta(weeks=5),
            )
        )
    harness.clock.advance(timedelta(days=1))
    nudge_tick(harness.deps)
    assert len(nudges_to(harness, MANAGER)) == 1 and kinds_sent(harness) == ["detractor_rise"]
    # Next week the budget is free again: exactly one more.
    harness.clock.advance(timedelta(weeks=1))
    nudge_tick(harness.deps)
    nudge_tick(harness.deps)
    assert len(nudges_to(harness, MANAGER)) == 2 and len(kinds_sent(harness)) == 2


@BOTH_BACKENDS
def test_noise_in_the_detractor_share_gives_no_nudge(harness: Harness) -> None:
    manager_team(harness, "en")
    import_nps(harness, [(40, 60, 10), (5, 60, 14)])  # 17 % -> 23 %: within noise at these counts
    nudge_tick(harness.deps)
    assert not nudges_to(harness, MANAGER) and kinds_sent(harness) == []


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_four_weeks_of_wins_no_manager_reacted_to_give_one_nudge(harness: Harness, language: str) -> None:
    manager_team(harness, language)
    with harness.db.session_scope() as session:
        team_id = session.exec(select(Team.id)).one()
        win = Win(
            workspace_id="T0001",
            team_id=team_id,
            author_id="U001",
            text="Solved it",
            channel_id=CHANNEL,
            message_ts="1700000000.000100",
            created_at=harness.clock(),
        )
        session.add(win)
    harness.clock.advance(timedelta(weeks=2))
    # A colleague's reaction is not a manager noticing the win.
    react(harness, "U002")
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with harness.db.session_scope() as session:
            if session.exec(select(Win.reactions)).one() == 1:
                break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    harness.clock.advance(timedelta(weeks=2, days=1))
    nudge_tick(harness.deps)
    [nudge] = nudges_to(harness, MANAGER)
    assert catalogs()[language]["nudge.no_win_noticed.text"].split("{team}")[1][:30] in json.dumps(
        nudge.params, ensure_ascii=False
    )

    # Next week, after the manager reacted: nothing.
    react(harness, MANAGER)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with harness.db.session_scope() as session:
            if session.exec(select(Win.noticed_at)).one() is not None:
                break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    harness.clock.advance(timedelta(weeks=1))
    harness.fake.clear_calls()
    nudge_tick(harness.deps)
    assert not nudges_to(harness, MANAGER)
