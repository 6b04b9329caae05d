"""Build the team/workspace report from stored aggregates, and the shell's `report` command.

Reads only pre-aggregated data: closed rounds' RoundResult rows (grouped by day in SQL), CX rows counted
per day and metric in SQL, and wins counted in SQL. Nothing here loops over individual answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.domain.chart import ChartPoint
from bot.domain.cxmetrics import (
    CsatResult,
    NpsResult,
    combine_csat,
    combine_nps,
    csat_from_aggregate,
    nps_from_aggregate,
)
from bot.domain.report import (
    NEEDS,
    DailyCx,
    DailyPulse,
    Participation,
    Report,
    TopWin,
    WinsSummary,
    cx_between,
    enps_result,
    need_result,
    pulse_between,
    pulse_index,
)
from bot.domain.stats import Moments, lagged_correlations, week_start
from bot.settings import Settings
from bot.timeutil import from_db, to_db
from storage import cx_repository
from storage.db import Database
from storage.models import CxAggregate, CxDaily, RoundResult, Team, Win, WinColleague, Workspace

DEFAULT_WEEKS = 12
DIGEST_WEEKS = 4
CHART_POINTS = 12
LAG_HISTORY_WEEKS = 52


@dataclass(frozen=True)
class Scope:
    workspace_id: str
    team_id: int | None  # None: the whole workspace
    team_name: str | None
    bucket_weeks: int  # the chart's period: the team's cadence, two weeks for the workspace


def team_scope(session: Session, workspace_id: str, team: Team) -> Scope:
    assert team.id is not None
    return Scope(workspace_id, team.id, team.name, max(1, team.every_weeks))


def workspace_scope(workspace_id: str) -> Scope:
    return Scope(workspace_id, None, None, 2)


def _daily_pulse(session: Session, scope: Scope, first: date, last: date, k: int) -> list[DailyPulse]:
    """Per day: answers only from rounds with at least k respondents; invited/answered from every round."""
    enough = col(RoundResult.answered) >= k

    def counted(column: Any) -> Any:
        return func.coalesce(func.sum(case((enough, column), else_=0)), 0)

    query = sa_select(
        col(RoundResult.opened_on),
        func.sum(col(RoundResult.invited)),
        func.sum(col(RoundResult.answered)),
        *(counted(getattr(RoundResult, f"{need}_{part}")) for need in NEEDS for part in ("n", "sum", "sq")),
        counted(RoundResult.enps_promoters),
        counted(RoundResult.enps_passives),
        counted(RoundResult.enps_detractors),
    ).where(
        col(RoundResult.workspace_id) == scope.workspace_id,
        col(RoundResult.opened_on) >= first,
        col(RoundResult.opened_on) <= last,
    )
    if scope.team_id is not None:
        query = query.where(col(RoundResult.team_id) == scope.team_id)
    query = query.group_by(col(RoundResult.opened_on))
    days: list[DailyPulse] = []
    for row in session.execute(query).all():
        values = list(row)
        needs = {}
        for index, need in enumerate(NEEDS):
            n, total, squares = values[3 + 3 * index : 6 + 3 * index]
            needs[need] = Moments(int(n or 0), float(total or 0.0), float(squares or 0.0))
        days.append(
            DailyPulse(
                day=values[0],
                needs=needs,
                invited=int(values[1] or 0),
                answered=int(values[2] or 0),
                enps=(int(values[12] or 0), int(values[13] or 0), int(values[14] or 0)),
            )
        )
    return days


def _daily_cx(session: Session, scope: Scope, first: date, last: date) -> list[DailyCx]:
    """Per day: NPS and CSAT from the per-day counts (kept by every import) plus aggregate rows."""
    query = sa_select(
        col(CxDaily.day),
        col(CxDaily.metric),
        func.sum(col(CxDaily.n)),
        func.sum(col(CxDaily.promoters)),
        func.sum(col(CxDaily.passives)),
        func.sum(col(CxDaily.detractors)),
        func.sum(col(CxDaily.satisfied)),
    ).where(col(CxDaily.workspace_id) == scope.workspace_id, col(CxDaily.day) >= first, col(CxDaily.day) <= last)
    team_key = cx_repository.WHOLE_WORKSPACE if scope.team_id is None else scope.team_id
    query = query.where(col(CxDaily.team_key) == team_key).group_by(col(CxDaily.day), col(CxDaily.metric))
    by_day: dict[date, tuple[list[NpsResult], list[CsatResult]]] = {}
    for day, metric, n, promoters, passives, detractors, satisfied in session.execute(query).all():
        nps_list, csat_list = by_day.setdefault(day, ([], []))
        n = int(n or 0)
        if not n:
            continue
        if metric == "nps":
            p, d = int(promoters or 0), int(detractors or 0)
            nps_list.append(NpsResult(n, p, int(passives or 0), d, 100.0 * (p - d) / n))
        else:
            s = int(satisfied or 0)
            csat_list.append(CsatResult(n, s, 100.0 * s / n))
    aggregates = sa_select(
        col(CxAggregate.day), col(CxAggregate.metric), col(CxAggregate.value), col(CxAggregate.count)
    ).where(
        col(CxAggregate.workspace_id) == scope.workspace_id, col(CxAggregate.day) >= first, col(CxAggregate.day) <= last
    )
    if scope.team_id is not None:
        aggregates = aggregates.where(col(CxAggregate.team_id) == scope.team_id)
    for day, metric, value, count in session.execute(aggregates).all():
        nps_list, csat_list = by_day.setdefault(day, ([], []))
        if metric == "nps":
            nps_list.append(nps_from_aggregate(float(value), count))
        else:
            csat_list.append(csat_from_aggregate(float(value), count))
    return [DailyCx(day, combine_nps(n), combine_csat(c)) for day, (n, c) in sorted(by_day.items())]


def _wins(session: Session, scope: Scope, start: date, end: date, zone: ZoneInfo) -> WinsSummary:
    first = to_db(datetime.combine(start, datetime.min.time(), zone))
    after = to_db(datetime.combine(end + timedelta(days=1), datetime.min.time(), zone))
    conditions = [Win.workspace_id == scope.workspace_id, Win.created_at >= first, Win.created_at < after]
    if scope.team_id is not None:
        conditions.append(Win.team_id == scope.team_id)
    count, scored, mean_polarity = session.exec(
        select(func.count(), func.count(col(Win.polarity)), func.avg(col(Win.polarity))).where(*conditions)
    ).one()
    thanked = session.exec(
        select(func.count(func.distinct(WinColleague.user_id)))
        .join(Win, col(Win.id) == col(WinColleague.win_id))
        .where(WinColleague.workspace_id == scope.workspace_id, *conditions)
    ).one()
    top_row = session.exec(
        select(Win)
        .where(*conditions)
        .order_by(col(Win.reactions).desc(), col(Win.created_at).desc(), col(Win.id).desc())
    ).first()
    top = None
    if top_row is not None:
        top = TopWin(
            text=top_row.text,
            reactions=top_row.reactions,
            author_id=top_row.author_id,
            polarity=top_row.polarity,
            posted_on=from_db(top_row.created_at).astimezone(zone).date(),
        )
    return WinsSummary(
        count=int(count or 0),
        colleagues_thanked=int(thanked or 0),
        scored=int(scored or 0),
        mean_polarity=float(mean_polarity) if mean_polarity is not None else None,
        top=top,
    )


def build_report(
    db: Database, scope: Scope, start: date, end: date, *, k: int, timezone: str = "Europe/Helsinki"
) -> Report:
    """The report for [start, end] (inclusive): one short read-only transaction."""
    length = (end - start).days + 1
    previous_start = start - timedelta(days=length)
    chart_start = end - timedelta(weeks=scope.bucket_weeks * CHART_POINTS) + timedelta(days=1)
    lag_start = week_start(end) - timedelta(weeks=LAG_HISTORY_WEEKS - 1)
    first = min(previous_start, chart_start, lag_start)
    with db.session_scope() as session:
        pulse_days = _daily_pulse(session, scope, first, end, k)
        cx_days = _daily_cx(session, scope, first, end)
        wins = _wins(session, scope, start, end, ZoneInfo(timezone))

    current = pulse_between(pulse_days, start, end)
    previous = pulse_between(pulse_days, previous_start, start - timedelta(days=1))
    needs = [need_result(need, current.needs[need], previous.needs[need], k) for need in NEEDS]
    participation = Participation(current.answered, current.invited, suppressed=current.answered < k)
    nps, csat = cx_between(cx_days, start, end)

    chart: list[ChartPoint] = []
    for index in range(CHART_POINTS):
        bucket_end = end - timedelta(weeks=scope.bucket_weeks * (CHART_POINTS - 1 - index))
        bucket_start = bucket_end - timedelta(weeks=scope.bucket_weeks) + timedelta(days=1)
        totals = pulse_between(pulse_days, bucket_start, bucket_end)
        bucket_nps, _ = cx_between(cx_days, bucket_start, bucket_end)
        values = {
            need: (totals.needs[need].total / totals.needs[need].n if totals.needs[need].n >= k else None)
            for need in NEEDS
        }
        chart.append(
            ChartPoint(
                label=bucket_end.strftime("%d.%m."),
                autonomy=values["autonomy"],
                competence=values["competence"],
                belonging=values["belonging"],
                nps=bucket_nps.score,
            )
        )

    pulse_weekly: dict[date, float] = {}
    nps_weekly: dict[date, float] = {}
    for week in range(LAG_HISTORY_WEEKS):
        monday = lag_start + timedelta(weeks=week)
        sunday = monday + timedelta(days=6)
        weekly_index = pulse_index(pulse_between(pulse_days, monday, sunday), k)
        if weekly_index is not None:
            pulse_weekly[monday] = weekly_index
        week_nps, _ = cx_between(cx_days, monday, sunday)
        if week_nps.score is not None:
            nps_weekly[monday] = week_nps.score
    paired = len(pulse_weekly.keys() & nps_weekly.keys())

    return Report(
        workspace_id=scope.workspace_id,
        team_name=scope.team_name,
        start=start,
        end=end,
        anonymity_min=k,
        needs=needs,
        participation=participation,
        enps=enps_result(*current.enps, k),
        nps=nps,
        csat=csat,
        wins=wins,
        chart=chart,
        lag=lagged_correlations(pulse_weekly, nps_weekly, max_lag=8, min_pairs=8),
        lag_weeks_paired=paired,
    )


def period_ending(today: date, weeks: int) -> tuple[date, date]:
    return today - timedelta(weeks=weeks) + timedelta(days=1), today


def local_today(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.default_timezone)).date()


# ----- the shell: python -m bot report ---------------------------------------------------------------


def run_report_cli(settings: Settings, args: argparse.Namespace) -> int:
    from bot.blocks.report import report_text
    from bot.i18n import translator

    db = Database(settings.database_url)
    try:
        with db.session_scope() as session:
            workspaces = list(session.exec(select(Workspace.id)).all())
            workspace_id = args.workspace or (workspaces[0] if len(workspaces) == 1 else None)
            if workspace_id is None:
                print(
                    "report: name the workspace with --workspace TEAM_ID (the database has none or several)",
                    file=sys.stderr,
                )
                return 2
            scope = workspace_scope(workspace_id)
            if args.team:
                team = _find_team(session, workspace_id, args.team)
                if team is None:
                    print(f"report: no team named {args.team!r} in workspace {workspace_id}", file=sys.stderr)
                    return 2
                scope = team_scope(session, workspace_id, team)
        try:
            start, end = _period(settings, args)
        except ValueError as error:
            print(f"report: {error}", file=sys.stderr)
            return 2
        report = build_report(db, scope, start, end, k=settings.anonymity_min, timezone=settings.default_timezone)
    finally:
        db.dispose()
    if args.format == "json":
        from bot.domain.report import report_json

        _write_text(args.out, json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "png":
        if not args.out:
            print("report: --format png needs --out FILE", file=sys.stderr)
            return 2
        from bot.blocks.report import chart_png

        with open(args.out, "wb") as handle:
            handle.write(chart_png(translator("en"), report))
        print(f"wrote {args.out}")
    else:
        _write_text(args.out, report_text(translator("en"), report) + "\n")
    return 0


def _write_text(path: str | None, text: str) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {path}")
    else:
        sys.stdout.write(text)


def _period(settings: Settings, args: argparse.Namespace) -> tuple[date, date]:
    from bot.deps import utc_now

    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise ValueError("--from and --to go together")
        try:
            start, end = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
        except ValueError:
            raise ValueError("dates are YYYY-MM-DD") from None
        if end < start:
            raise ValueError("--to is before --from")
        return start, end
    weeks = args.weeks or DEFAULT_WEEKS
    if not 1 <= weeks <= 260:
        raise ValueError("--weeks must be between 1 and 260")
    return period_ending(local_today(settings, utc_now()), weeks)


def _find_team(session: Session, workspace_id: str, name: str) -> Team | None:
    wanted = name.strip().lstrip("#").lower()
    for team in session.exec(select(Team).where(Team.workspace_id == workspace_id)).all():
        if wanted in (team.name.lower(), team.channel_name.lower(), team.channel_id.lower()):
            return team
    return None


def scope_teams(session: Session, workspace_id: str) -> Sequence[Team]:
    return session.exec(select(Team).where(Team.workspace_id == workspace_id).order_by(col(Team.name))).all()
