"""Manager nudges through the running app: a need dropping beyond noise in a closed round gives exactly one
nudge per team and week, in the manager's language, with a suggested action; snooze silences it."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.domain.nudges import dropped_needs, suggestion_key
from bot.domain.report import NeedResult
from bot.i18n import catalogs
from bot.services import rounds
from handlers.delivery import nudge_after_round
from storage.models import ManagerNudge, NudgeSnooze, PulseRound
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
MANAGER = "UMGR"


def command(harness: Harness, text: str, user: str) -> dict[str, Any]:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", text, user_id=user, channel_id=CHANNEL)
    return dict(harness.fake.wait_for("response_url")[0].params)


def run_round(harness: Harness, value: int, rounds_before: int) -> None:
    command(harness, "now", ADMIN)
    deadline = time.monotonic() + 10
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
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL, timeout=15)
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

    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == MANAGER, timeout=10)
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
