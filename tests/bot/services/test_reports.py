"""Reports against hand-computed fixtures: means and CIs, suppression below k, NPS/CSAT, wins, lag, JSON."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, select
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import CompileError

from bot.domain.report import ReportSpan, report_json
from bot.services.reports import Scope, _span_parameters, build_report, workspace_scope
from storage import cx_repository
from storage import repositories as repo
from storage.db import Database
from storage.models import CxAggregate, CxResponse, PulseRound, RoundResult, Team, TeamAction, Win, WinColleague
from storage.queries.reports import day_places
from tests.conftest import BOTH_BACKENDS

WS = "T0001"
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
END = date(2026, 3, 29)  # a Sunday
START = END - timedelta(weeks=4) + timedelta(days=1)  # 2026-03-02, a Monday


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def add_team(db: Database, name: str = "Support", channel: str = "C1") -> int:
    with db.session_scope() as session:
        repo.ensure_workspace(session, WS, NOW)
        team = Team(
            workspace_id=WS, channel_id=channel, channel_name=name.lower(), name=name, created_at=NOW, every_weeks=1
        )
        session.add(team)
        session.flush()
        assert team.id is not None
        return team.id


_numbers = iter(range(1, 10**6))


def add_round(
    db: Database,
    team_id: int,
    day: date,
    answers: dict[str, list[int]],
    *,
    invited: int = 10,
    enps: list[int] | None = None,
) -> None:
    answered = max(len(v) for v in answers.values())
    with db.session_scope() as session:
        opened = datetime.combine(day, datetime.min.time(), UTC)
        pulse_round = PulseRound(
            workspace_id=WS,
            team_id=team_id,
            number=next(_numbers),
            scheduled_for=day,
            opened_at=opened,
            closes_at=opened + timedelta(days=3),
            closed_at=opened + timedelta(days=3),
            status="closed",
            invited=invited,
            answered=answered,
        )
        session.add(pulse_round)
        session.flush()
        assert pulse_round.id is not None
        result = RoundResult(
            round_id=pulse_round.id, workspace_id=WS, team_id=team_id, opened_on=day, invited=invited, answered=answered
        )
        for need, values in answers.items():
            setattr(result, f"{need}_n", len(values))
            setattr(result, f"{need}_sum", float(sum(values)))
            setattr(result, f"{need}_sq", float(sum(v * v for v in values)))
        if enps:
            result.enps_promoters = sum(1 for s in enps if s >= 9)
            result.enps_passives = sum(1 for s in enps if 7 <= s <= 8)
            result.enps_detractors = sum(1 for s in enps if s <= 6)
            result.enps_n = len(enps)
            result.enps_sum = float(sum(enps))
            result.enps_sq = float(sum(s * s for s in enps))
        session.add(result)


def all_needs(values: list[int]) -> dict[str, list[int]]:
    return {"autonomy": values, "competence": values, "belonging": values}


def add_cx(db: Database, team_id: int | None, day: date, metric: str, scores: list[int]) -> None:
    with db.session_scope() as session:
        for index, score in enumerate(scores):
            session.add(
                CxResponse(
                    workspace_id=WS,
                    row_key=f"{team_id}:{day}:{metric}:{index}:{score}",
                    day=day,
                    metric=metric,
                    score=score,
                    team_id=team_id,
                )
            )
        session.flush()
        cx_repository.rebuild_daily(session, WS)  # rows loaded directly, not through an import


@BOTH_BACKENDS
@pytest.mark.parametrize(
    "span",
    [
        ReportSpan(START, END, bucket_weeks=1),  # four weeks ending on a Sunday, the team's weekly chart
        ReportSpan(date(2026, 2, 26), date(2026, 3, 25), bucket_weeks=2),  # ending on a Wednesday
        ReportSpan(date(2026, 1, 1), date(2026, 1, 1), bucket_weeks=3),  # one day (--from = --to)
        ReportSpan(date(2025, 2, 3), date(2026, 2, 2), bucket_weeks=2),  # a year: the period reaches furthest
    ],
    ids=["4-weeks-sunday", "4-weeks-wednesday", "one-day", "a-year"],
)
def test_sql_places_every_day_where_the_domain_rule_does(db: Database, span: ReportSpan) -> None:
    """The report's query groups rows by where their day counts; it must agree with ReportSpan.places."""
    statement = select(*day_places(bindparam("day", type_=Date())))
    parameters = _span_parameters(span)
    with db.engine.connect() as connection:
        for back in range((span.end - span.first_day).days + 1):
            day = span.end - timedelta(days=back)
            assert tuple(connection.execute(statement, {**parameters, "day": day}).one()) == span.places(day), day


@BOTH_BACKENDS
def test_team_report_hand_computed(db: Database) -> None:
    team = add_team(db)
    # Two rounds in the period: autonomy answers [3,4,5,4,4] and [5,5,4,4,2] → 10 answers, mean 4.0.
    add_round(
        db,
        team,
        START + timedelta(days=7),
        {"autonomy": [3, 4, 5, 4, 4], "competence": [5] * 5, "belonging": [1, 2, 3, 4, 5]},
        enps=[10, 9, 9, 5, 0],
    )
    add_round(
        db, team, START + timedelta(days=21), {"autonomy": [5, 5, 4, 4, 2], "competence": [5] * 5, "belonging": [3] * 5}
    )
    # A round with 4 answers (< k = 5) in the period: never part of any mean.
    add_round(db, team, START + timedelta(days=14), all_needs([1, 1, 1, 1]))
    # The previous period: autonomy all 2s (beyond noise against 4.0).
    add_round(db, team, START - timedelta(days=14), all_needs([2, 2, 2, 2, 2, 2]))
    add_cx(db, team, START + timedelta(days=2), "nps", [10, 9, 9, 8, 7, 6, 3, 0])  # 3 P, 2 Pa, 3 D → 0.0
    add_cx(db, team, START + timedelta(days=3), "csat", [5, 4, 3, 1])  # 50 %
    add_cx(db, None, START + timedelta(days=3), "nps", [0, 0, 0])  # workspace level only
    with db.session_scope() as session:
        session.add(
            CxAggregate(
                workspace_id=WS,
                row_key="agg1",
                day=START + timedelta(days=4),
                metric="nps",
                value=100.0,
                count=2,
                team_id=team,
            )
        )
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)

    autonomy = report.needs[0]
    values = [3, 4, 5, 4, 4, 5, 5, 4, 4, 2]
    mean = sum(values) / 10
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 9)
    half = 2.262 * sd / math.sqrt(10)  # t(0.975, df 9)
    assert (autonomy.n, autonomy.mean) == (10, 4.0)
    assert autonomy.ci_low == pytest.approx(mean - half, abs=0.01)
    assert autonomy.ci_high == pytest.approx(mean + half, abs=0.01)
    assert autonomy.change == 2.0 and autonomy.beyond_noise
    competence = report.needs[1]
    assert competence.mean == 5.0 and competence.change == 3.0
    # Participation too counts only rounds that reached k: the round of 4 answers is left out.
    assert report.participation.answered == 10 and report.participation.invited == 20
    assert report.enps.value == pytest.approx(20.0) and report.enps.n == 5
    # NPS: the 8 team responses plus an aggregate row of +100 with 2 responses → (0*8 + 100*2) / 10.
    assert report.nps.n == 10 and report.nps.score == pytest.approx(20.0)
    assert report.csat.n == 4 and report.csat.percent == pytest.approx(50.0)

    data = report_json(report)
    assert set(data) >= {"workspace", "team", "period", "needs", "participation", "enps", "nps", "csat", "wins", "lag"}
    assert data["team"] == "Support" and data["period"] == {"start": "2026-03-02", "end": "2026-03-29"}
    assert set(data["needs"]["autonomy"]) == {"mean", "ci_low", "ci_high", "n", "change", "beyond_noise"}
    assert data["participation"]["rate"] == pytest.approx(50.0)
    json.dumps(data)

    workspace = build_report(db, workspace_scope(WS), START, END, k=5)
    assert workspace.team_name is None and workspace.nps.n == 13


@BOTH_BACKENDS
def test_an_aggregate_row_with_a_zero_count_weighs_nothing(db: Database) -> None:
    """Imports refuse a zero response count; a row written some other way must not break every report."""
    team = add_team(db)
    with db.session_scope() as session:
        # The zero row alone in its place (the previous period), so its group's response count is zero.
        for key, day, count, value in (("zero", START - timedelta(days=20), 0, -100.0), ("real", END, 10, 40.0)):
            session.add(
                CxAggregate(workspace_id=WS, row_key=key, day=day, metric="nps", value=value, count=count, team_id=team)
            )
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)
    assert (report.nps.n, report.nps.score) == (10, 40.0)


def test_day_arithmetic_is_refused_on_a_database_it_was_not_written_for() -> None:
    with pytest.raises(CompileError, match="SQLite and PostgreSQL"):
        select(*day_places(bindparam("day", type_=Date()))).compile(dialect=mysql.dialect())


def test_everything_pulse_derived_is_suppressed_below_k(db: Database) -> None:
    team = add_team(db)
    add_round(db, team, START + timedelta(days=7), all_needs([5, 5, 5, 5]), invited=6, enps=[10, 10, 10, 10])
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)
    assert all(need.suppressed and need.mean is None for need in report.needs)
    assert report.participation.suppressed and report.enps.suppressed and report.enps.value is None
    assert all(p.autonomy is None and p.competence is None and p.belonging is None for p in report.chart)
    # The round's week is a gap that says why ("n < k"), and says nothing more: no n, no count of answers.
    week = [p for p in report.chart if p.label == (START + timedelta(days=7)).strftime("%d.%m.")]
    assert [(p.hidden, p.pulse_n) for p in week] == [(True, 0)]
    assert [p.label for p in report.chart if p.hidden] == [week[0].label]
    data = report_json(report)
    # n counts only answers of rounds that reached k: the 4 answers are not even counted.
    assert data["needs"]["autonomy"] == {"suppressed": True, "n": 0}
    assert data["participation"] == {"suppressed": True, "round_open": False}
    assert data["enps"] == {"suppressed": True, "n": 0}
    assert "5.0" not in json.dumps(data["needs"])


def test_wins_count_top_win_and_not_scored(db: Database) -> None:
    team = add_team(db)
    with db.session_scope() as session:
        for index, (reactions, polarity, days_ago) in enumerate(
            [(3, 0.5, 3), (7, None, 10), (7, 0.2, 2), (99, 0.9, 60)]
        ):
            win = Win(
                workspace_id=WS,
                team_id=team,
                author_id=f"U{index}",
                text=f"story {index}",
                reactions=reactions,
                polarity=polarity,
                created_at=datetime.combine(END, datetime.min.time(), UTC) - timedelta(days=days_ago),
            )
            session.add(win)
            session.flush()
            assert win.id is not None
            session.add(WinColleague(workspace_id=WS, win_id=win.id, user_id="UX"))
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)
    assert report.wins.count == 3  # the 60-day-old win is outside the period
    assert report.wins.top is not None and report.wins.top.text == "story 2"  # 7 reactions, newest of the tie
    assert report.wins.scored == 2 and report.wins.colleagues_thanked == 1
    assert report.wins.mean_polarity == pytest.approx(0.35)


def test_action_markers_fall_on_the_reports_local_days(db: Database) -> None:
    """Committed at 00:30 on the report's first day in Helsinki (22:30 UTC the day before) and done at 01:30
    the day after its end (22:30 UTC on the end day): by the report's days, one marker, at the start."""
    team = add_team(db)
    with db.session_scope() as session:
        session.add(
            TeamAction(
                workspace_id=WS,
                team_id=team,
                need="autonomy",
                text="Plan together",
                owner_id="U1",
                due_on=END,
                created_by="U1",
                created_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC),
                done_at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # Helsinki is on summer time (+3) by then
            )
        )
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5, timezone="Europe/Helsinki")
    assert [(m.need, m.x, m.done) for m in report.action_markers] == [("autonomy", 0, False)]


def test_lag_view_finds_a_two_week_lead(db: Database) -> None:
    team = add_team(db)
    first_monday = END - timedelta(days=6) - timedelta(weeks=29)
    rng = random.Random(11)
    levels = [rng.choice([1, 2, 3, 4, 5]) for _ in range(30)]  # an irregular series, no period
    for week, level in enumerate(levels):
        value = round(level)
        add_round(db, team, first_monday + timedelta(weeks=week), all_needs([value] * 5))
    for week in range(2, 30):
        # NPS two weeks after a good pulse week is high: promoters when the pulse was >= 3.
        score = 10 if round(levels[week - 2]) >= 3 else 0
        add_cx(db, team, first_monday + timedelta(weeks=week, days=1), "nps", [score, score])
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)
    assert report.lag.weeks_paired == 28 and report.lag.tested == 17
    best = report.lag.standout
    assert best is not None, "a 2-week lead this strong survives Bonferroni over 17 lags"
    assert (best.leader, best.lag_weeks) == ("pulse", 2)
    assert best.r > 0.8 and best.n >= 8


@BOTH_BACKENDS
def test_a_round_feeds_a_measure_only_when_that_measure_reached_k(db: Database) -> None:
    """Attack: two report windows, one with a round and one without, differenced. A round of 6 respondents where
    only 2 answered belonging and 2 answered eNPS must not feed belonging or eNPS at all, or the difference of
    the windows would give those 2 answers. Autonomy, answered by all 6, feeds as before."""
    team = add_team(db)
    recent, older = END - timedelta(days=2), END - timedelta(days=16)
    add_round(db, team, recent, all_needs([4, 4, 5, 3, 4]), enps=[9, 9, 10, 6, 7])
    add_round(
        db,
        team,
        older,
        {"autonomy": [2, 3, 4, 2, 3, 5], "competence": [4, 4, 4, 4, 4, 4], "belonging": [1, 2]},
        invited=8,
        enps=[0, 1],
    )
    scope = Scope(WS, team, "Support", 1)
    reports = {
        weeks: build_report(db, scope, END - timedelta(weeks=weeks) + timedelta(days=1), END, k=5)
        for weeks in (1, 2, 3, 4)
    }
    assert reports[3].needs[0].n == 11  # autonomy: both rounds
    for weeks, report in reports.items():
        belonging = report.needs[2]
        assert belonging.n == 5 and belonging.mean == 4.0, weeks  # only the round where 5 answered it
        assert report.enps.n == 5 and report.enps.value == 40.0, weeks
    # Every pair of windows differs by nothing or by at least k answers, per measure.
    for short in reports:
        for long in reports:
            if short < long:
                gaps = [reports[long].needs[i].n - reports[short].needs[i].n for i in range(3)]
                gaps.append(reports[long].enps.n - reports[short].enps.n)
                assert all(gap == 0 or gap >= 5 for gap in gaps), (short, long, gaps)


def add_open_round(db: Database, team_id: int, day: date) -> None:
    with db.session_scope() as session:
        opened = datetime.combine(day, datetime.min.time(), UTC)
        session.add(
            PulseRound(
                workspace_id=WS,
                team_id=team_id,
                number=next(_numbers),
                scheduled_for=day,
                opened_at=opened,
                closes_at=opened + timedelta(days=3),
                status="open",
                invited=8,
            )
        )


@BOTH_BACKENDS
def test_a_team_in_its_first_round_reads_round_open_not_zero_invited(db: Database) -> None:
    from bot.blocks.report import report_blocks, report_text
    from bot.i18n import translator

    team = add_team(db)
    add_open_round(db, team, END - timedelta(days=1))
    report = build_report(db, Scope(WS, team, "Support", 2), START, END, k=5)
    assert report.round_open and report.participation.invited == 0
    for language, expected in (("en", "a round is open: results after it closes"), ("fi", "kierros on auki")):
        text = report_text(translator(language), report)
        assert expected in text and "0 invited" not in text and "0 kutsuttua" not in text
        blocks = json.dumps(report_blocks(translator(language), report), ensure_ascii=False)
        assert expected in blocks
    assert report_json(report)["participation"]["round_open"] is True
    # No history: the chart is the report's own two fortnights, not an empty stretch before the team existed.
    assert [p.previous for p in report.chart] == [False, False]

    other = add_team(db, "Sales", "C2")
    report = build_report(db, Scope(WS, other, "Sales", 2), START, END, k=5)
    assert not report.round_open
    assert "no round reached 5 answers" in report_text(translator("en"), report)  # no "0 invited" either


@BOTH_BACKENDS
def test_the_first_digest_after_the_first_round_shows_only_its_period(db: Database) -> None:
    team = add_team(db)
    add_round(db, team, END - timedelta(days=3), all_needs([4, 4, 5, 3, 4, 4]), invited=8)
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)
    assert [p.previous for p in report.chart] == [False] * 4  # four weekly points, nothing before them
    assert report.chart[0].label == START.strftime("%d.%m.")
    assert report.chart[-1].autonomy is not None and report.chart[-1].pulse_n == 6
    assert not report.round_open and report.participation.invited == 8


def _blocks_text(blocks: list[dict[str, Any]]) -> str:
    """Every text a person can read in the blocks, joined."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(parts)


def test_text_json_blocks_and_png_agree_on_every_number(db: Database) -> None:
    """One report model, four renderings: every number in the JSON reads the same in the text and the blocks,
    and the chart draws exactly the JSON's chart points."""
    from bot.blocks.report import chart_figure, report_blocks, report_text
    from bot.i18n import translator

    team = add_team(db)
    first_monday = END - timedelta(days=6) - timedelta(weeks=29)
    rng = random.Random(11)
    levels = [rng.choice([1, 2, 3, 4, 5]) for _ in range(30)]
    for week, level in enumerate(levels[:-1]):
        answers = {"autonomy": [level] * 4 + [rng.choice([2, 4])] * 2, "competence": [level] * 6, "belonging": [3] * 6}
        add_round(db, team, first_monday + timedelta(weeks=week), answers, enps=[10, 9, 7, 3, 0, 10])
    add_round(db, team, END - timedelta(days=2), all_needs([1, 2, 3]))  # the last week below k: a marked gap
    for week in range(2, 30):
        score = 10 if levels[week - 2] >= 3 else 0
        add_cx(db, team, first_monday + timedelta(weeks=week, days=1), "nps", [score, score, 8])
    add_cx(db, team, START + timedelta(days=3), "csat", [5, 4, 3, 1, 5])
    add_open_round(db, team, END)
    report = build_report(db, Scope(WS, team, "Support", 1), START, END, k=5)
    data = report_json(report)
    t = translator("en")
    text = report_text(t, report)
    blocks = _blocks_text(report_blocks(t, report))

    expected: list[str] = []
    for need in data["needs"].values():
        expected += [f"{need['mean']:.2f}", f"{need['ci_low']:.2f}–{need['ci_high']:.2f}", f"n={need['n']}"]
        expected.append(f"{need['change']:+.2f}")
    nps = data["nps"]
    expected += [f"+{nps['value']:.1f}", f"n={nps['n']}", f"{nps['promoters']} promoters"]
    expected += [f"{nps['passives']} passives", f"{nps['detractors']} detractors"]
    expected += [f"{data['csat']['value']:.1f}%", f"n={data['csat']['n']}"]
    enps = data["enps"]
    expected += [f"eNPS {enps['value']:+.1f}" if enps["value"] else "eNPS 0.0", f"n={enps['n']}"]
    part = data["participation"]
    expected += [f"{part['answered']} answers / {part['invited']} invited ({part['rate']:.0f}%)"]
    assert part["round_open"]
    expected.append("A round is open now")
    standout = data["lag"]["standout"]
    assert standout is not None and standout["direction"] == "pulse_leads_nps" and standout["lag_weeks"] == 2
    expected += [f"r {standout['r']:+.2f}", f"{standout['ci_low']:+.2f} to {standout['ci_high']:+.2f}"]
    expected += [f"n={standout['n']} changes", f"effective n {standout['n_eff']:.0f}"]
    for lag in data["lag"]["lags"]:
        expected.append(f"r {lag['r']:+.2f} [{lag['ci_low']:+.2f}, {lag['ci_high']:+.2f}] n={lag['n']}")
    expected.append(f"Wins shared: {data['wins']['count']}")
    for number in expected:
        assert number in text, number
        assert number in blocks.replace("*", ""), number

    fig = chart_figure(t, report)
    chart = data["chart"]
    assert chart, "the chart has points"
    assert [label.get_text() for label in fig.axes[-1].get_xticklabels()] == [p["label"] for p in chart]
    current = [p for p in chart if not p["previous"]]
    assert chart[0]["label"] == (START - (END - START) - timedelta(days=1)).strftime("%d.%m.")  # previous, marked
    assert current[0]["label"] == START.strftime("%d.%m.") and len(current) == 4
    assert "previous period" in [text.get_text() for text in fig.axes[0].texts]
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}

    def drawn(gid: str) -> list[float | None]:
        return [None if y != y else round(float(y), 2) for y in lines[gid].get_ydata()]

    for need in ("autonomy", "competence", "belonging"):
        assert drawn(f"line:{need}") == [None if p[need] is None else p[need]["mean"] for p in chart]
    for series in ("nps", "enps", "csat"):
        assert drawn(f"line:{series}") == [p[series] for p in chart]
    n_texts = [[text.get_text() for text in ax.texts if text.get_gid() == "n"] for ax in fig.axes]
    assert n_texts[0] == [str(p["pulse_n"]) for p in chart if p["pulse_n"]]
    assert n_texts[1] == [str(p["nps_n"]) for p in chart if p["nps_n"]] + [
        str(p["enps_n"]) for p in chart if p["enps_n"]
    ]
    assert n_texts[2] == [str(p["csat_n"]) for p in chart if p["csat_n"]]
    # Every "n < k" mark is a chart point marked hidden (a period whose rounds all stayed below k).
    hidden = [text for ax in fig.axes for text in ax.texts if text.get_gid() == "hidden"]
    assert len(hidden) == sum(p["hidden"] for p in chart)
    assert all(text.get_text() == "n < 5" for text in hidden)
