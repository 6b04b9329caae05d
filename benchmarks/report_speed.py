"""Report speed: an org of 10,000 people in 500 teams, two years of weekly rounds, 1,000,000 CX responses.

Times one team's 12-week report and the workspace report (each the median of several runs) beside one raw
SQL aggregate query computing the same need means from the stored answers, on SQLite and (with
--postgres URL) PostgreSQL. The org is what a database holds after two years: the aggregate
`round_result` of every closed round. Pulssi deletes a round's answers when it closes; as the baseline the
benchmark also stores them (about 1.9 million anonymous rows), so the raw queries read the answers and the
report reads the aggregates.

Two raw queries, both checked to give the report's numbers: one computes every need mean the report
shows (the period, the previous period, the chart periods, 52 lag weeks), the other only the period's three
means. The ratio is taken against the first: that is the work the report's means need. The check compares
the period's and the chart's means one by one; the lag weeks' means only by count, as a report keeps
just the correlations made from them.

    python benchmarks/report_speed.py                      # SQLite in a temporary directory
    python benchmarks/report_speed.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python benchmarks/report_speed.py --cx 100000 --teams 50   # a quicker, smaller run
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import CompoundSelect, Float, bindparam, cast, func, insert, literal, select, text, union_all
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.domain.report import NEEDS, ReportSpan
from bot.services.reports import Scope, _span_parameters, build_report, workspace_scope
from storage import cx_repository
from storage.db import Database
from storage.migrate import upgrade_to_head
from storage.models import CxResponse, PulseAnswer, PulseRound, RoundResult, Team, Workspace
from storage.queries.reports import day_places

WS = "TBENCH"
K = 5


def generate(db: Database, teams: int, people: int, weeks: int, cx_rows: int, today: date) -> list[int]:
    rng = random.Random(1)
    now = datetime.now(UTC)
    size = people // teams
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    with db.session_scope() as session:
        session.add(Workspace(id=WS, created_at=now))
        team_rows = [
            {
                "workspace_id": WS,
                "channel_id": f"C{i:06d}",
                "channel_name": f"team-{i}",
                "name": f"Team {i}",
                "name_is_custom": False,
                "every_weeks": 1,
                "weekday": 0,
                "at_time": "09:00",
                "timezone": "Europe/Helsinki",
                "rounds_started": weeks,
                "created_at": now,
            }
            for i in range(teams)
        ]
        session.execute(insert(Team), team_rows)
        team_ids = [
            row[0]
            for row in session.execute(text("SELECT id FROM team WHERE workspace_id = :ws ORDER BY id"), {"ws": WS})
        ]
        rounds, results, answers = [], [], []
        round_id = 0
        for team_id in team_ids:
            for week in range(weeks):
                round_id += 1
                monday = first_monday + timedelta(weeks=week)
                opened = datetime.combine(monday, datetime.min.time(), UTC)
                answered = rng.randint(3, size)
                rounds.append(
                    {
                        "id": round_id,
                        "workspace_id": WS,
                        "team_id": team_id,
                        "number": week + 1,
                        "scheduled_for": monday,
                        "opened_at": opened,
                        "closes_at": opened + timedelta(days=3),
                        "closed_at": opened + timedelta(days=3),
                        "status": "closed",
                        "asks_enps": week % 4 == 3,
                        "started_manually": False,
                        "invited": size,
                        "answered": answered,
                        "reminders_done": True,
                        "digest_posted": True,
                    }
                )
                row = {
                    "round_id": round_id,
                    "workspace_id": WS,
                    "team_id": team_id,
                    "opened_on": monday,
                    "invited": size,
                    "answered": answered,
                    "enps_promoters": 0,
                    "enps_passives": 0,
                    "enps_detractors": 0,
                    "enps_n": 0,
                    "enps_sum": 0.0,
                    "enps_sq": 0.0,
                    "comments_n": 0,
                }
                # The round's answers, and its aggregate computed from them as closing a round does.
                for need in ("autonomy", "competence", "belonging"):
                    values = [rng.randint(1, 5) for _ in range(answered)]
                    answers += [
                        {"workspace_id": WS, "round_id": round_id, "question": need, "value": v} for v in values
                    ]
                    row[f"{need}_n"] = answered
                    row[f"{need}_sum"] = float(sum(values))
                    row[f"{need}_sq"] = float(sum(v * v for v in values))
                if week % 4 == 3:
                    scores = [rng.randint(0, 10) for _ in range(answered)]
                    answers += [
                        {"workspace_id": WS, "round_id": round_id, "question": "enps", "value": v} for v in scores
                    ]
                    row["enps_promoters"] = sum(v >= 9 for v in scores)
                    row["enps_passives"] = sum(7 <= v <= 8 for v in scores)
                    row["enps_detractors"] = sum(v <= 6 for v in scores)
                    row["enps_n"] = len(scores)
                    row["enps_sum"] = float(sum(scores))
                    row["enps_sq"] = float(sum(v * v for v in scores))
                results.append(row)
        for start in range(0, len(rounds), 10000):
            session.execute(insert(PulseRound), rounds[start : start + 10000])
            session.execute(insert(RoundResult), results[start : start + 10000])
        for start in range(0, len(answers), 50000):
            session.execute(insert(PulseAnswer), answers[start : start + 50000])
        print(f"{len(answers):,} answers in {len(rounds):,} closed rounds", file=sys.stderr)
    days = weeks * 7
    with db.session_scope() as session:
        batch = []
        for index in range(cx_rows):
            batch.append(
                {
                    "workspace_id": WS,
                    "row_key": f"r{index}",
                    "day": first_monday + timedelta(days=rng.randrange(days)),
                    "metric": "nps" if index % 3 else "csat",
                    "score": rng.randint(0, 10) if index % 3 else rng.randint(1, 5),
                    "team_id": team_ids[rng.randrange(len(team_ids))],
                }
            )
            if len(batch) == 20000:
                session.execute(insert(CxResponse), batch)
                batch = []
        if batch:
            session.execute(insert(CxResponse), batch)
    started = time.perf_counter()
    with db.session_scope() as session:
        cx_repository.rebuild_daily(session, WS)  # what imports keep up to date row by row
    print(f"per-day CX counts rebuilt in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return team_ids


def median_ms(function: Callable[[], object], runs: int) -> float:
    function()  # warm caches, as a running bot has them
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# The same three need means computed from the answers themselves, over the same rounds (closed, opened in
# the period, at least k respondents): what a report would cost without the stored aggregates. (Pulssi
# deletes a round's answers when it closes; the benchmark keeps them only as this baseline. Every respondent
# here answers every need, so "the need's own count reached k" is "at least k respondents".)
RAW_FROM_ANSWERS = """
SELECT a.question, AVG(a.value), COUNT(*)
FROM pulse_answer a JOIN pulse_round r ON r.id = a.round_id
WHERE r.workspace_id = :ws AND r.status = 'closed' AND r.answered >= :k
  AND r.opened_at >= :start AND r.opened_at < :after {team}
  AND a.question IN ('autonomy', 'competence', 'belonging')
GROUP BY a.question
"""


def every_mean_from_answers(by_team: bool) -> CompoundSelect:
    """Every need mean the report shows, from the answers, in one query: the period's and the previous
    period's, each chart period's, and each lag week's (the lag view's weekly pulse index is made of those).

    As a hand-written query would, it sums the answers per round day and question first, then places the
    days with the report's own SQL for where a day counts (so the two compute the same means), then sums
    per place. `scheduled_for` is the day each round opened in this data.
    """
    answer, round_ = PulseAnswer.__table__.c, PulseRound.__table__.c  # type: ignore[attr-defined]
    daily = (
        select(
            round_.scheduled_for.label("day"),
            answer.question,
            cast(func.sum(answer.value), Float()).label("total"),
            func.count().label("n"),
        )
        .select_from(PulseAnswer.__table__.join(PulseRound.__table__, answer.round_id == round_.id))  # type: ignore[attr-defined]
        .where(
            round_.workspace_id == bindparam("ws"),
            round_.status == "closed",
            round_.answered >= bindparam("k"),
            round_.scheduled_for >= bindparam("first"),
            round_.scheduled_for <= bindparam("last"),
            answer.question.in_(NEEDS),
        )
    )
    if by_team:
        daily = daily.where(round_.team_id == bindparam("team"))
    days = daily.group_by(round_.scheduled_for, answer.question).subquery("days")
    rows = select(*day_places(days.c.day), days.c.question, days.c.total, days.c.n).cte("placed")
    return union_all(
        *(
            select(
                literal(kind),
                rows.c[kind],
                rows.c.question,
                func.sum(rows.c.total) / func.sum(rows.c.n),
                func.sum(rows.c.n),
            )
            .where(rows.c[kind].is_not(None) if kind != "period" else rows.c.period != 0)
            .group_by(rows.c[kind], rows.c.question)
            for kind in ("period", "chart", "lag")
        )
    )


# The means alone from the stored aggregates, for comparison: the least any report could cost.
RAW_FROM_AGGREGATES = """
SELECT SUM(autonomy_sum) / SUM(autonomy_n), SUM(competence_sum) / SUM(competence_n),
       SUM(belonging_sum) / SUM(belonging_n)
FROM round_result
WHERE workspace_id = :ws AND opened_on BETWEEN :start AND :end AND answered >= :k {team}
"""


def measure(label: str, url: str, args: argparse.Namespace) -> list[str]:
    upgrade_to_head(url)
    db = Database(url)
    today = date(2026, 11, 22)
    started = time.perf_counter()
    team_ids = generate(db, args.teams, args.people, args.weeks, args.cx, today)
    # A running database is vacuumed and has planner statistics (autovacuum keeps them); this one too.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if db.dialect == "postgresql" else "ANALYZE"))
    print(f"[{label}] generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    start, end = today - timedelta(weeks=12) + timedelta(days=1), today
    team = team_ids[len(team_ids) // 2]
    team_scope_, whole = Scope(WS, team, "Team", 1), workspace_scope(WS)
    team_ms = median_ms(lambda: build_report(db, team_scope_, start, end, k=K), args.runs)
    workspace_ms = median_ms(lambda: build_report(db, whole, start, end, k=K), args.runs)

    after = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    opened_from = datetime.combine(start, datetime.min.time(), UTC)

    def run(statement: Any, params: dict[str, Any]) -> Callable[[], list[Any]]:
        def execute() -> list[Any]:
            with db.reading() as connection:  # as the report reads
                return list(connection.execute(statement, params).all())

        return execute

    def raw(sql: str, team_id: int | None, team_column: str) -> Callable[[], list[Any]]:
        statement = text(sql.format(team=f"AND {team_column} = :team" if team_id else ""))
        if "opened_at" in sql:
            statement = statement.bindparams(
                bindparam("start", type_=UTCDateTime()), bindparam("after", type_=UTCDateTime())
            )
        params = {"ws": WS, "start": opened_from if "opened_at" in sql else start, "end": end, "after": after}
        return run(statement, params | {"k": K, "team": team_id})

    def every_mean(scope: Scope) -> Callable[[], list[Any]]:
        span = ReportSpan(start, end, scope.bucket_weeks)
        params = {"ws": WS, "k": K, "team": scope.team_id, **_span_parameters(span)}
        return run(every_mean_from_answers(scope.team_id is not None), params)

    # Each raw query computes the same means as the report: check it, so the comparison is honest.
    for scope in (team_scope_, whole):
        report = build_report(db, scope, start, end, k=K)
        raw_means = {str(q): float(mean) for q, mean, _ in raw(RAW_FROM_ANSWERS, scope.team_id, "r.team_id")()}
        every = {(kind, place, str(q)): float(mean) for kind, place, q, mean, _ in every_mean(scope)()}
        for need in report.needs:
            assert need.mean is not None and abs(need.mean - raw_means[need.need]) < 0.006, (need, raw_means)
            assert abs(need.mean - every["period", 1, need.need]) < 0.006, (need, every)
        skipped = ReportSpan(start, end, scope.bucket_weeks).chart_points - len(report.chart)  # empty previous
        for index, point in enumerate(report.chart, start=skipped):
            for need in NEEDS:
                shown = getattr(point, need)
                assert shown is None or abs(shown.mean - every["chart", index, need]) < 0.006, (index, need, shown)
        assert 0 < sum(kind == "lag" for kind, _, _ in every) <= 3 * 52, "each lag week's three need means"
    timings = {
        "report": (team_ms, workspace_ms),
        "every": tuple(median_ms(every_mean(scope), args.runs) for scope in (team_scope_, whole)),
        "answers": tuple(median_ms(raw(RAW_FROM_ANSWERS, t, "r.team_id"), args.runs) for t in (team, None)),
        "aggregates": tuple(median_ms(raw(RAW_FROM_AGGREGATES, t, "team_id"), args.runs) for t in (team, None)),
    }
    db.dispose()
    lines = []
    for index, what in enumerate(("one team, 12 weeks", "workspace, 12 weeks")):
        report_ms, every_ms = timings["report"][index], timings["every"][index]
        lines.append(
            f"| {label} | {what} | {report_ms:.1f} ms | {every_ms:.1f} ms | {report_ms / every_ms:.2f}× "
            f"| {timings['answers'][index]:.1f} ms | {timings['aggregates'][index]:.1f} ms |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--cx", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument(
        "--postgres", metavar="URL", help="also measure on this PostgreSQL server (a new database is created)"
    )
    args = parser.parse_args()
    lines = [
        "| database | report | Pulssi report | raw SQL: every need mean it shows, from the answers | ratio "
        "| raw SQL: the period's three means, from the answers | the period's means from round_result |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as directory:
        lines += measure("SQLite", f"sqlite:///{directory}/bench.db", args)
    if args.postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"pulssi_bench_{uuid.uuid4().hex[:8]}"
        admin = make_url(args.postgres)
        conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            lines += measure("PostgreSQL", admin.set(database=name).render_as_string(hide_password=False), args)
        finally:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
