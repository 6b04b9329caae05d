"""Build the team/workspace report from stored aggregates, and the shell's `report` command.

Reads only pre-aggregated data: closed rounds' RoundResult rows and the per-day CX counts, each summed in
SQL per *place* (which report period, chart period and lag week a day counts in), and wins counted in SQL.
Nothing here loops over individual answers or days.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.domain.report import (
    CHART_POINTS,
    NEEDS,
    CxPart,
    PulsePart,
    Report,
    ReportSpan,
    TopWin,
    WinsSummary,
    assemble_report,
)
from bot.services.team_actions import team_actions
from bot.services.tough import tough_summary
from bot.settings import Settings
from bot.timeutil import from_db
from storage import cx_repository
from storage.db import Database
from storage.models import CxAggregate, CxDaily, RoundResult, Team, Win, WinColleague, Workspace

DEFAULT_WEEKS = 12
DIGEST_WEEKS = 4


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


# The report's statements are built once: building SQLAlchemy expressions costs more than running these
# small indexed queries, and a built statement's compiled SQL is cached.
_round = RoundResult.__table__.c  # type: ignore[attr-defined]
_cx_daily = CxDaily.__table__.c  # type: ignore[attr-defined]
_cx_aggregate = CxAggregate.__table__.c  # type: ignore[attr-defined]
_win = Win.__table__.c  # type: ignore[attr-defined]
_win_colleague = WinColleague.__table__.c  # type: ignore[attr-defined]


class days_before(FunctionElement[int]):
    """Whole days from a date column back from a later date, in each dialect's date arithmetic."""

    type = Integer()
    inherit_cache = True
    name = "days_before"


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    later, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({day}) AS INTEGER)"  # dates are stored as YYYY-MM-DD


@compiles(days_before, "postgresql")
def _days_before_postgresql(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    later, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({later} - {day})"  # date - date is an integer


@compiles(days_before)
def _days_before_elsewhere(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    # Date arithmetic differs between databases (MySQL's date - date is YYYYMMDD arithmetic): refuse to guess.
    raise CompileError(f"days_before is written for SQLite and PostgreSQL, not {compiler.dialect.name}")


def _in_span(workspace_id: Any, day: Any) -> tuple[Any, ...]:
    """The workspace's rows from the span's first day to its last (every report statement reads these)."""
    return (workspace_id == bindparam("workspace_id"), day >= bindparam("first"), day <= bindparam("last"))


def _places(day: Any) -> list[Any]:
    """SQL for `ReportSpan.places`: where a day counts, from the span's day counts bound as parameters.

    The query reads days on or before the report's last day, so `back` is never negative.
    """
    back = days_before(bindparam("last", type_=Date()), day)
    period_days, chart_days = bindparam("period_days", type_=Integer()), bindparam("chart_days", type_=Integer())
    lag_days = bindparam("lag_days", type_=Integer())
    return [
        case((back < period_days, 1), (back < 2 * period_days, -1), else_=0).label("period"),
        case(
            (back < chart_days, CHART_POINTS - 1 - back // bindparam("bucket_days", type_=Integer())), else_=null()
        ).label("chart"),
        case((back <= lag_days, (lag_days - back) // 7), else_=null()).label("lag"),
    ]


def _span_parameters(span: ReportSpan) -> dict[str, Any]:
    return {
        "first": span.first_day,
        "last": span.end,
        "period_days": span.period_days,
        "chart_days": span.chart_days,
        "bucket_days": span.bucket_days,
        "lag_days": span.lag_days,
    }


def _pulse_parts_statement(by_team: bool) -> Select[Any]:
    """Closed rounds' results summed per place (PulsePart): needs and eNPS only from rounds with at least k
    respondents, invited/answered from every round.

    Rounds are summed per day first, then the days per place: a workspace has hundreds of rounds a day,
    and where a day counts is worked out once per day. Python sees about 60 rows for a year.
    """
    enough = _round.answered >= bindparam("k")
    need_columns = [f"{need}_{part}" for need in NEEDS for part in ("n", "sum", "sq")]
    enps_columns = ["enps_promoters", "enps_passives", "enps_detractors"]
    daily = sa_select(
        _round.opened_on.label("day"),
        func.sum(_round.invited).label("invited"),
        func.sum(_round.answered).label("answered"),
        *(func.sum(case((enough, _round[name]), else_=0)).label(name) for name in need_columns + enps_columns),
    ).where(
        *_in_span(_round.workspace_id, _round.opened_on),
    )
    if by_team:
        daily = daily.where(_round.team_id == bindparam("team_id"))
    days = daily.group_by(_round.opened_on).subquery("days")
    sums = ["invited", "answered", *need_columns, *enps_columns]
    placed = sa_select(*_places(days.c.day), *(days.c[name] for name in sums)).subquery("placed")

    def total(name: str) -> Any:
        # PostgreSQL sums bigints as numeric: counts are cast back to integers, sums of floats stay floats.
        if name.endswith(("_sum", "_sq")):
            return type_coerce(func.sum(placed.c[name]), Float())
        return cast(func.sum(placed.c[name]), BigInteger())

    return sa_select(placed.c.period, placed.c.chart, placed.c.lag, *(total(name) for name in sums)).group_by(
        placed.c.period, placed.c.chart, placed.c.lag
    )


def _cx_parts_statement(by_team: bool) -> Select[Any]:
    """CX per place and metric (CxPart): the per-day counts every import keeps (one row per team key)
    summed, and aggregate rows weighted by their response counts. CSAT is only shown for the period."""
    counted = sa_select(
        *_places(_cx_daily.day),
        _cx_daily.metric,
        literal(0).label("aggregate"),
        _cx_daily.n,
        _cx_daily.promoters,
        _cx_daily.passives,
        _cx_daily.detractors,
        _cx_daily.satisfied,
        null().label("value"),
    ).where(
        *_in_span(_cx_daily.workspace_id, _cx_daily.day),
        _cx_daily.team_key == bindparam("team_key"),
        _cx_daily.n > 0,
    )
    aggregates = sa_select(
        *_places(_cx_aggregate.day),
        _cx_aggregate.metric,
        literal(1),
        func.coalesce(_cx_aggregate["count"], 1),  # no response count weighs as one response
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        _cx_aggregate.value,
    ).where(
        *_in_span(_cx_aggregate.workspace_id, _cx_aggregate.day),
    )
    if by_team:
        aggregates = aggregates.where(_cx_aggregate.team_id == bindparam("team_id"))
    placed = union_all(counted, aggregates).subquery("placed")
    places = (placed.c.period, placed.c.chart, placed.c.lag, placed.c.metric)
    n = func.sum(placed.c.n)
    return (
        sa_select(
            *places,
            n,
            func.sum(placed.c.promoters),
            func.sum(placed.c.passives),
            func.sum(placed.c.detractors),
            func.sum(placed.c.satisfied),
            # NULL for counted answers; NULLIF: no division by zero from a zero count stored outside an import
            type_coerce(func.sum(placed.c.n * placed.c.value) / func.nullif(n, 0), Float()),
        )
        .where(or_(placed.c.metric == "nps", placed.c.period == 1))
        .group_by(*places, placed.c.aggregate)
    )


def _win_conditions(by_team: bool) -> list[Any]:
    conditions = [
        _win.workspace_id == bindparam("workspace_id"),
        _win.created_at >= bindparam("after", type_=UTCDateTime()),
        _win.created_at < bindparam("before", type_=UTCDateTime()),
    ]
    if by_team:
        conditions.append(_win.team_id == bindparam("team_id"))
    return conditions


def _wins_summary_statement(by_team: bool) -> Select[Any]:
    thanked = (
        sa_select(func.count(func.distinct(_win_colleague.user_id)))
        .select_from(WinColleague.__table__.join(Win.__table__, _win.id == _win_colleague.win_id))  # type: ignore[attr-defined]
        .where(_win_colleague.workspace_id == bindparam("workspace_id"), *_win_conditions(by_team))
        .scalar_subquery()
    )
    return sa_select(func.count(), func.count(_win.polarity), func.avg(_win.polarity), thanked).where(
        *_win_conditions(by_team)
    )


def _top_win_statement(by_team: bool) -> Select[Any]:
    return (
        sa_select(_win.text, _win.reactions, _win.author_id, _win.polarity, _win.created_at)
        .where(*_win_conditions(by_team))
        .order_by(_win.reactions.desc(), _win.created_at.desc(), _win.id.desc())
        .limit(1)
    )


def _wins_statement(by_team: bool) -> Select[Any]:
    """The wins summary and the top win (no columns of it when there is none) in one row: one round trip."""
    summary = _wins_summary_statement(by_team).subquery("summary")
    top = _top_win_statement(by_team).subquery("top")
    return sa_select(summary, top).select_from(summary.outerjoin(top, true()))


_STATEMENTS = {
    by_team: (_pulse_parts_statement(by_team), _cx_parts_statement(by_team), _wins_statement(by_team))
    for by_team in (True, False)
}


def build_report(
    db: Database, scope: Scope, start: date, end: date, *, k: int, timezone: str = "Europe/Helsinki"
) -> Report:
    """The report for [start, end] (inclusive) from stored aggregates: three small indexed queries, one pass.

    The queries are independent sums, each reading its own consistent snapshot (see `Database.reading`).

    Reads closed rounds' RoundResult rows and the per-day CX counts (cx_daily, kept by every import) and
    aggregate rows, each summed per place in SQL, and the wins; nothing here loops over answers or days.
    """
    span = ReportSpan(start, end, scope.bucket_weeks)
    zone = ZoneInfo(timezone)
    by_team = scope.team_id is not None
    pulse_sql, cx_sql, wins_sql = _STATEMENTS[by_team]
    days = {"workspace_id": scope.workspace_id, **_span_parameters(span)}
    team = {"team_id": scope.team_id} if by_team else {}
    team_key = scope.team_id if scope.team_id is not None else cx_repository.WHOLE_WORKSPACE
    period = {
        "workspace_id": scope.workspace_id,
        "after": datetime.combine(start, datetime.min.time(), zone),
        "before": datetime.combine(end + timedelta(days=1), datetime.min.time(), zone),
        **team,
    }
    with db.reading() as connection:  # no session, no ORM objects
        pulse_parts = [PulsePart._make(row) for row in connection.execute(pulse_sql, {**days, **team, "k": k})]
        cx_parts = [CxPart._make(row) for row in connection.execute(cx_sql, {**days, **team, "team_key": team_key})]
        count, scored, mean_polarity, thanked, *top_win = connection.execute(wins_sql, period).one()
    top = None
    if count:
        text, reactions, author_id, polarity, created_at = top_win
        top = TopWin(text, reactions, author_id, polarity, from_db(created_at).astimezone(zone).date())
    wins = WinsSummary(
        count=int(count or 0),
        colleagues_thanked=int(thanked or 0),
        scored=int(scored or 0),
        mean_polarity=float(mean_polarity) if mean_polarity is not None else None,
        top=top,
    )
    report = assemble_report(
        workspace_id=scope.workspace_id,
        team_name=scope.team_name,
        span=span,
        k=k,
        pulse_parts=pulse_parts,
        cx_parts=cx_parts,
        wins=wins,
    )
    tough = tough_summary(db, scope.workspace_id, scope.team_id, start, end, k=k)
    actions = tuple(team_actions(db, scope.workspace_id, scope.team_id)) if scope.team_id is not None else ()
    return replace(report, tough=tough, actions=actions)


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
            handle.write(chart_png(translator(settings.default_language), report))
        print(f"wrote {args.out}")
    else:
        _write_text(args.out, report_text(translator(settings.default_language), report) + "\n")
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
