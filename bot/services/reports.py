"""Build the team/workspace report from stored aggregates, and the shell's `report` command.

Reads only pre-aggregated data: closed rounds' RoundResult rows and the per-day CX counts, each summed in
SQL per *place* (which report period, chart period and lag week a day counts in), and wins counted in SQL.
Nothing here loops over individual answers or days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

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

from bot.domain import anonymity
from bot.domain import schedule as schedule_domain
from bot.domain.report import DEFAULT_WEEKS as DEFAULT_WEEKS
from bot.domain.report import (
    MAX_WEEKS,
    NEEDS,
    CxPart,
    PulsePart,
    Report,
    ReportSpan,
    TopWin,
    WinsSummary,
    assemble_report,
)
from bot.services.feedback import customer_words, element_comparison, pulse_comments
from bot.services.team_actions import team_actions
from bot.services.tough import tough_summary
from bot.settings import Settings
from bot.timeutil import DEFAULT_TIMEZONE, from_db
from storage import cx_repository
from storage.db import Database
from storage.models import CxAggregate, CxDaily, PulseRound, RoundResult, Team, Win, WinColleague

DIGEST_WEEKS = 4


@dataclass(frozen=True)
class Scope:
    workspace_id: str
    team_id: int | None  # None: the whole workspace
    team_name: str | None
    bucket_weeks: int  # the chart's period: the team's cadence, two weeks for the workspace


def team_scope(workspace_id: str, team: Team) -> Scope:
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
def _days_before_elsewhere(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ARG001 (SQLAlchemy's hook)
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
    period_days, bucket_days = bindparam("period_days", type_=Integer()), bindparam("bucket_days", type_=Integer())
    period_points = bindparam("period_points", type_=Integer())
    chart_points = bindparam("chart_points", type_=Integer())
    lag_days = bindparam("lag_days", type_=Integer())
    return [
        case((back < period_days, 1), (back < 2 * period_days, -1), else_=0).label("period"),
        case(
            (back < period_days, chart_points - 1 - back // bucket_days),
            (back < 2 * period_days, period_points - 1 - (back - period_days) // bucket_days),
            else_=null(),
        ).label("chart"),
        case((back <= lag_days, (lag_days - back) // 7), else_=null()).label("lag"),
    ]


def _span_parameters(span: ReportSpan) -> dict[str, Any]:
    return {
        "first": span.first_day,
        "last": span.end,
        "period_days": span.period_days,
        "bucket_days": span.bucket_days,
        "period_points": span.period_points,
        "chart_points": span.chart_points,
        "lag_days": span.lag_days,
    }


def _pulse_parts_statement(by_team: bool) -> Select[Any]:
    """Closed rounds' results summed per place (PulsePart): participation only from rounds with at least k
    respondents, and a need or eNPS only from the rounds where that measure's own count reached k
    (`anonymity.round_feeds`): a round below k would show up as the difference of two windows.

    Per measure, not per round: a round of 6 respondents where 2 answered belonging would otherwise let
    two report windows, one with the round and one without, tell those 2 answers apart.

    Rounds are summed per day first, then the days per place: a workspace has hundreds of rounds a day,
    and where a day counts is worked out once per day. Python sees about 60 rows for a year.
    """
    enough = anonymity.reportable_condition(_round.answered, bindparam("k"))
    # anonymity.round_feeds in SQL: the measure's own count in the round reaches k.
    feeds = {need: anonymity.reportable_condition(_round[f"{need}_n"], bindparam("k")) for need in NEEDS} | {
        "enps": anonymity.reportable_condition(_round.enps_n, bindparam("k"))
    }
    need_columns = [f"{need}_{part}" for need in NEEDS for part in ("n", "sum", "sq")]
    enps_columns = ["enps_promoters", "enps_passives", "enps_detractors"]
    measure = {name: name.split("_")[0] for name in need_columns + enps_columns}
    daily = sa_select(
        _round.opened_on.label("day"),
        func.sum(case((enough, _round.invited), else_=0)).label("invited"),
        func.sum(case((enough, _round.answered), else_=0)).label("answered"),
        *(
            func.sum(case((feeds[measure[name]], _round[name]), else_=0)).label(name)
            for name in need_columns + enps_columns
        ),
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
    summed, and aggregate rows weighted by their response counts. Both metrics for the period and the
    chart (which covers the previous period too); the lag view reads NPS only."""
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
        .where(or_(placed.c.metric == "nps", placed.c.period != 0))
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


def _open_rounds_statement(by_team: bool) -> Select[Any]:
    """How many rounds are collecting answers now: their results join the report after they close."""
    rounds = PulseRound.__table__.c  # type: ignore[attr-defined]
    statement = sa_select(func.count()).where(rounds.workspace_id == bindparam("workspace_id"), rounds.status == "open")
    if by_team:
        statement = statement.where(rounds.team_id == bindparam("team_id"))
    return statement


_STATEMENTS = {
    by_team: (
        _pulse_parts_statement(by_team),
        _cx_parts_statement(by_team),
        _wins_statement(by_team),
        _open_rounds_statement(by_team),
    )
    for by_team in (True, False)
}


def build_report(
    db: Database, scope: Scope, start: date, end: date, *, k: int, timezone: str = DEFAULT_TIMEZONE
) -> Report:
    """The report for [start, end] (inclusive) from stored aggregates: three small indexed queries, one pass.

    The queries are independent sums, each reading its own consistent snapshot (see `Database.reading`).

    Reads closed rounds' RoundResult rows and the per-day CX counts (cx_daily, kept by every import) and
    aggregate rows, each summed per place in SQL, and the wins; nothing here loops over answers or days.
    """
    span = ReportSpan(start, end, scope.bucket_weeks)
    zone = schedule_domain.zone(timezone)
    by_team = scope.team_id is not None
    pulse_sql, cx_sql, wins_sql, open_sql = _STATEMENTS[by_team]
    days = {"workspace_id": scope.workspace_id, **_span_parameters(span)}
    team = {"team_id": scope.team_id} if by_team else {}
    team_key = scope.team_id if scope.team_id is not None else cx_repository.WHOLE_WORKSPACE
    after = datetime.combine(start, datetime.min.time(), zone)
    before = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    period = {
        "workspace_id": scope.workspace_id,
        "after": after,
        "before": before,
        **team,
    }
    with db.reading() as connection:  # no session, no ORM objects
        pulse_parts = [PulsePart._make(row) for row in connection.execute(pulse_sql, {**days, **team, "k": k})]
        cx_parts = [CxPart._make(row) for row in connection.execute(cx_sql, {**days, **team, "team_key": team_key})]
        count, scored, mean_polarity, thanked, *top_win = connection.execute(wins_sql, period).one()
        open_rounds = connection.execute(open_sql, {"workspace_id": scope.workspace_id, **team}).scalar_one()
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
        round_open=bool(open_rounds),
    )
    tough = tough_summary(db, scope.workspace_id, scope.team_id, start, end, k=k)
    actions = tuple(team_actions(db, scope.workspace_id, scope.team_id)) if scope.team_id is not None else ()
    comments = pulse_comments(db, scope.workspace_id, scope.team_id, start, end, k=k)
    words = customer_words(db, scope.workspace_id, scope.team_id, start, end)
    elements = element_comparison(db, scope.workspace_id, scope.team_id, start, end, after=after, before=before)
    return replace(report, tough=tough, actions=actions, comments=comments, cx_comments=words, elements=elements)


def period_ending(today: date, weeks: int) -> tuple[date, date]:
    return today - timedelta(weeks=weeks) + timedelta(days=1), today


def local_today(settings: Settings, now: datetime) -> date:
    return now.astimezone(schedule_domain.zone(settings.default_timezone)).date()


class PeriodError(ValueError):
    """A report period that can't be used: `key` and `values` make its one-line message in either language."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def check_weeks(weeks: int) -> int:
    """The number of weeks of a report, the same limit in the shell and in Slack."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise PeriodError("report.bad_weeks", weeks=weeks, max=MAX_WEEKS)
    return weeks


def scope_teams(session: Session, workspace_id: str) -> Sequence[Team]:
    return session.exec(select(Team).where(Team.workspace_id == workspace_id).order_by(col(Team.name))).all()
