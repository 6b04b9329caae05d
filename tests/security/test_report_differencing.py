"""Differencing reports learns nothing below k.

The attack (reproduced in issue 15): a round below k still fed participation, so `/cxreport team 2` minus
`/cxreport team 1` showed how many of a 4-person team answered, and the digests showed it to the channel.

The test runs two worlds through the running app, one per workspace of the same database: the same team,
the same rounds that reach k with the same answers, but different rounds below k (other people, other
answers, other counts). Whatever anyone can see (every report window up to 8 weeks by day pairs, team and
workspace, JSON and chart, `/cxreport` over HTTP, the digests in the channel, Home's participation and the
export) must be identical in both worlds. Then no difference of two windows, and no team against workspace,
can tell anything about a round below k: the two worlds differ only there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.domain.report import report_json
from bot.services import reports, rounds
from bot.services.export import export_csv
from storage import repositories as repo
from tests.conftest import BOTH_BACKENDS
from tests.harness import SIGNING_SECRET, Harness
from tests.pulse_helpers import ADMIN
from tests.slack.sender import SlackRequestSender

K = 5  # the harness's ANONYMITY_MIN
WEEKS = 8
NEEDS = ("autonomy", "competence", "belonging")
MEMBERS = [f"U1{i:02d}" for i in range(8)]
OTHER_MEMBERS = [f"U2{i:02d}" for i in range(5)]

# Who answers what in one round: person index -> {question: value}
Answers = dict[int, dict[str, int]]


def everyone(count: int, week: int, enps: bool, *, constant: int | None = None) -> Answers:
    """`count` people answer every need (and eNPS when asked); values vary by person and week."""
    answers: Answers = {}
    for person in range(count):
        values = {need: constant or (person + week + i) % 5 + 1 for i, need in enumerate(NEEDS)}
        if enps:
            values["enps"] = (constant or 0) * 2 if constant else (3 * person + week) % 11
        answers[person] = values
    return answers


@dataclass(frozen=True)
class World:
    workspace: str
    channel: str
    other_channel: str
    manager: str
    sender: SlackRequestSender


def _worlds(harness: Harness) -> tuple[World, World]:
    fake = harness.fake
    # One Enterprise Grid org: the same people belong to both workspaces.
    fake.add_user(ADMIN, is_admin=True, teams=["T0001", "T0002"])
    for user in [*MEMBERS, *OTHER_MEMBERS, "UMGRA", "UMGRB"]:
        fake.add_user(user, teams=["T0001", "T0002"])
    first = World("T0001", "C0SUPA", "C0OTHA", "UMGRA", harness.sender)
    second = World(
        "T0002", "C0SUPB", "C0OTHB", "UMGRB", SlackRequestSender(harness.url, SIGNING_SECRET, fake, team_id="T0002")
    )
    for world in (first, second):
        fake.add_channel(world.channel, "support", [*MEMBERS, world.manager, "UBOT"])
        fake.add_channel(world.other_channel, "other", [*OTHER_MEMBERS, "UBOT"])
        for channel, name in ((world.channel, "support"), (world.other_channel, "other")):
            _command(harness, world, "setup", channel, name)
        _command(harness, world, f"managers <@{world.manager}>", world.channel)
    return first, second


def _command(harness: Harness, world: World, text: str, channel: str, name: str = "") -> str:
    harness.fake.clear_calls()
    world.sender.command("/pulse", text, user_id=ADMIN, channel_id=channel, channel_name=name or channel)
    return json.dumps(harness.fake.wait_for("response_url")[0].params)


def _run_round(harness: Harness, world: World, channel: str, people: list[str], answers: Answers) -> None:
    started = _command(harness, world, "now", channel)
    assert "Round" in started, started
    harness.fake.wait_for("chat.postMessage", count=len(people))  # every pulse DM out before anyone closes it
    with harness.db.session_scope() as session:
        team = repo.team_by_channel(session, world.workspace, channel)
        assert team is not None and team.id is not None
        pulse_round = repo.open_round(session, world.workspace, team.id)
        assert pulse_round is not None and pulse_round.id is not None
        round_id, asks_enps = pulse_round.id, pulse_round.asks_enps
    for person, values in answers.items():
        for question, value in values.items():
            if question == "enps" and not asks_enps:
                continue
            rounds.record_answer(harness.deps, world.workspace, people[person], round_id, question, value)
    digests = len(_digests(harness, channel))
    closed = _command(harness, world, "close", channel)
    assert "closed" in closed, closed
    harness.fake.wait_for("chat.postMessage", predicate=lambda _c: len(_digests(harness, channel)) > digests)


def _digests(harness: Harness, channel: str) -> list[str]:
    """The digests posted into the team's channel, oldest first (blocks as the channel sees them)."""
    found = [(float(ts), m) for (c, ts), m in harness.fake.messages.items() if c == channel]
    return [json.dumps(m.get("blocks")) for _, m in sorted(found, key=lambda item: item[0])]


Plan = Callable[[int, bool], Answers]


def _play(harness: Harness, plans: tuple[Plan, Plan]) -> tuple[list[date], tuple[World, World]]:
    """Eight weekly rounds in both worlds (the other team: two rounds that reach k), on the same days."""
    worlds = _worlds(harness)
    days = []
    for week in range(WEEKS):
        days.append(harness.clock().date())
        asks_enps = (week + 1) % 4 == 0  # rounds 4 and 8 ask eNPS
        for world, plan in zip(worlds, plans, strict=True):
            _run_round(harness, world, world.channel, MEMBERS, plan(week, asks_enps))
            if week in (0, 4):
                _run_round(harness, world, world.other_channel, OTHER_MEMBERS, everyone(5, week, asks_enps))
            # The team's manager is not pulsed as its member, so can't subtract their own answer.
            assert rounds.open_round_of_person(harness.deps, world.workspace, world.manager) is None
        harness.clock.advance(timedelta(days=7))
    return days, worlds


def _everything_visible(harness: Harness, world: World, days: list[date]) -> dict[str, Any]:
    """What a manager, an admin and the channel can see of this world, with its workspace id left out."""
    seen: dict[str, Any] = {}
    with harness.db.session_scope() as session:
        support = next(t for t in reports.scope_teams(session, world.workspace) if t.channel_id == world.channel)
        team_scope = reports.team_scope(world.workspace, support)
    for name, scope in (("team", team_scope), ("workspace", reports.workspace_scope(world.workspace))):
        for i, start in enumerate(days):
            for end in days[i:]:
                for last in (end, end + timedelta(days=6)):
                    report = reports.build_report(harness.db, scope, start, last, k=K)
                    data = report_json(report)
                    data.pop("workspace")
                    seen[f"{name} {start}..{last}"] = (data, report.chart, report.lag)
    seen["digests"] = _digests(harness, world.channel)
    seen["export"] = export_csv(harness.deps, world.workspace)
    harness.fake.clear_calls()
    world.sender.event({"type": "app_home_opened", "user": world.manager, "tab": "home", "channel": "D1"})
    home = harness.fake.wait_for("views.publish")[0].params["view"]
    seen["home participation"] = [b for b in home["blocks"] if "Participation per round" in json.dumps(b)]
    assert seen["home participation"], "the manager sees the participation section"
    for weeks in range(1, WEEKS + 1):
        harness.fake.clear_calls()
        world.sender.command("/cxreport", f"#support {weeks}", user_id=world.manager, channel_id=world.channel)
        reply = harness.fake.wait_for("response_url")[0].params
        seen[f"/cxreport {weeks}"] = (reply.get("text"), _without_team_ids(reply.get("blocks")))
    return seen


def _without_team_ids(blocks: Any) -> Any:
    """Buttons carry the team's row id ("Act on <need>": `<team id>:<need>`), which differs between the worlds."""
    return json.loads(re.sub(r'"value": "\d+:', '"value": "TEAM:', json.dumps(blocks)))


def _assert_same(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert first.keys() == second.keys()
    differing = [key for key in first if first[key] != second[key]]
    assert not differing, f"what differs only below k can be seen in: {differing[:5]}: {first[differing[0]]!r}"


# Rounds 1, 3, 5 and 8 reach k (6, 5, 7 and 5 of 8) identically in both worlds; rounds 2, 4, 6 and 7 don't,
# and there the worlds differ: who answered, how many and what (round 4 asks eNPS below k).
REACHES_K = {0: 6, 2: 5, 4: 7, 7: 5}
BELOW_K_FIRST = {1: 3, 3: 0, 5: 2, 6: 4}
BELOW_K_SECOND = {1: 1, 3: 4, 5: 0, 6: 2}


def _plan(below: dict[int, int], constant: int) -> Plan:
    def answers(week: int, asks_enps: bool) -> Answers:
        if week in REACHES_K:
            return everyone(REACHES_K[week], week, asks_enps)
        return everyone(below[week], week, asks_enps, constant=constant)

    return answers


@BOTH_BACKENDS
def test_no_report_window_or_difference_of_windows_shows_a_round_below_k(harness: Harness) -> None:
    days, (first, second) = _play(harness, (_plan(BELOW_K_FIRST, 1), _plan(BELOW_K_SECOND, 5)))
    seen_first = _everything_visible(harness, first, days)
    seen_second = _everything_visible(harness, second, days)
    # Every window, so each difference of two and team against workspace, is the same in both worlds ...
    _assert_same(seen_first, seen_second)
    # ... and shows the rounds that reached k (this is not a test of empty reports): rounds 5 and 8, 7 + 5
    # of 8 answered (the manager is not invited).
    four_weeks = seen_first[f"team {days[4]}..{days[7]}"][0]
    assert four_weeks["participation"] == {"answered": 12, "invited": 16, "rate": 75.0, "round_open": False}
    assert not four_weeks["needs"]["autonomy"].get("suppressed")


def _per_measure_plan(below_measure: dict[str, int], value: int) -> Plan:
    """Every round reaches k; in round 1 belonging, and in round 4 eNPS, are answered by fewer than k."""

    def answers(week: int, asks_enps: bool) -> Answers:
        plan = everyone(6, week, asks_enps)
        if week == 0:
            for person, values in plan.items():
                if person < below_measure["belonging"]:
                    values["belonging"] = value
                else:
                    values.pop("belonging")
        if week == 3:
            for person, values in plan.items():
                if person < below_measure["enps"]:
                    values["enps"] = value * 2
                else:
                    values.pop("enps", None)
        return plan

    return answers


def test_a_measure_below_k_in_a_round_that_reached_k_is_not_seen_either(harness: Harness) -> None:
    days, (first, second) = _play(
        harness,
        (_per_measure_plan({"belonging": 3, "enps": 2}, 1), _per_measure_plan({"belonging": 1, "enps": 4}, 5)),
    )
    _assert_same(_everything_visible(harness, first, days), _everything_visible(harness, second, days))
