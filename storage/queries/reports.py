"""The report's SQL: closed rounds' results, the per-day CX counts and the wins, each summed per *place*
(which report period, chart period and lag week a day counts in). bot.services.reports runs them.

The anonymity rule stays in bot.domain.anonymity: the caller passes it in as `reportable` (n, k → the SQL
condition), so the database applies exactly the rule Python does and this module compares against no k.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from sqlmodel.sql.sqltypes import UTCDateTime

from storage.models import CxAggregate, CxDaily, PulseRound, RoundResult, Win, WinColleague

# (a count column, the k bind parameter) → the condition that the count may be shown
Reportable = Callable[[Any, Any], Any]

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


def in_span(workspace_id: Any, day: Any) -> tuple[Any, ...]:
    """The workspace's rows from the span's first day to its last (every report statement reads these)."""
    return (workspace_id == bindparam("workspace_id"), day >= bindparam("first"), day <= bindparam("last"))


def day_places(day: Any) -> list[Any]:
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


def pulse_parts_statement(by_team: bool, needs: Sequence[str], reportable: Reportable) -> Select[Any]:
    """Closed rounds' results summed per place (PulsePart): participation only from rounds with at least k
    respondents, and a need or eNPS only from the rounds where that measure's own count reached k
    (`round_feeds`): a round below k would show up as the difference of two windows.

    Per measure, not per round: a round of 6 respondents where 2 answered belonging would otherwise let
    two report windows, one with the round and one without, tell those 2 answers apart.

    Rounds are summed per day first, then the days per place: a workspace has hundreds of rounds a day,
    and where a day counts is worked out once per day. Python sees about 60 rows for a year.
    """
    enough = reportable(_round.answered, bindparam("k"))
    # round_feeds in SQL: the measure's own count in the round reaches k.
    feeds = {need: reportable(_round[f"{need}_n"], bindparam("k")) for need in needs} | {
        "enps": reportable(_round.enps_n, bindparam("k"))
    }
    need_columns = [f"{need}_{part}" for need in needs for part in ("n", "sum", "sq")]
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
        # Every closed round, whatever its size: a chart period whose rounds all stayed below k is marked
        # "n < k" rather than left as an unexplained gap. Only that a round closed is told, no count of it.
        func.count().label("rounds"),
    ).where(
        *in_span(_round.workspace_id, _round.opened_on),
    )
    if by_team:
        daily = daily.where(_round.team_id == bindparam("team_id"))
    days = daily.group_by(_round.opened_on).subquery("days")
    sums = ["invited", "answered", *need_columns, *enps_columns, "rounds"]
    placed = sa_select(*day_places(days.c.day), *(days.c[name] for name in sums)).subquery("placed")

    def total(name: str) -> Any:
        # PostgreSQL sums bigints as numeric: counts are cast back to integers, sums of floats stay floats.
        if name.endswith(("_sum", "_sq")):
            return type_coerce(func.sum(placed.c[name]), Float())
        return cast(func.sum(placed.c[name]), BigInteger())

    return sa_select(placed.c.period, placed.c.chart, placed.c.lag, *(total(name) for name in sums)).group_by(
        placed.c.period, placed.c.chart, placed.c.lag
    )


def cx_parts_statement(by_team: bool) -> Select[Any]:
    """CX per place and metric (CxPart): the per-day counts every import keeps (one row per team key)
    summed, and aggregate rows weighted by their response counts. Both metrics for the period and the
    chart (which covers the previous period too); the lag view reads NPS only."""
    counted = sa_select(
        *day_places(_cx_daily.day),
        _cx_daily.metric,
        literal(0).label("aggregate"),
        _cx_daily.n,
        _cx_daily.promoters,
        _cx_daily.passives,
        _cx_daily.detractors,
        _cx_daily.satisfied,
        null().label("value"),
    ).where(
        *in_span(_cx_daily.workspace_id, _cx_daily.day),
        _cx_daily.team_key == bindparam("team_key"),
        _cx_daily.n > 0,
    )
    aggregates = sa_select(
        *day_places(_cx_aggregate.day),
        _cx_aggregate.metric,
        literal(1),
        func.coalesce(_cx_aggregate["count"], 1),  # no response count weighs as one response
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        _cx_aggregate.value,
    ).where(
        *in_span(_cx_aggregate.workspace_id, _cx_aggregate.day),
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


def win_conditions(by_team: bool) -> list[Any]:
    conditions = [
        _win.workspace_id == bindparam("workspace_id"),
        _win.created_at >= bindparam("after", type_=UTCDateTime()),
        _win.created_at < bindparam("before", type_=UTCDateTime()),
    ]
    if by_team:
        conditions.append(_win.team_id == bindparam("team_id"))
    return conditions


def wins_summary_statement(by_team: bool) -> Select[Any]:
    thanked = (
        sa_select(func.count(func.distinct(_win_colleague.user_id)))
        .select_from(WinColleague.__table__.join(Win.__table__, _win.id == _win_colleague.win_id))  # type: ignore[attr-defined]
        .where(_win_colleague.workspace_id == bindparam("workspace_id"), *win_conditions(by_team))
        .scalar_subquery()
    )
    return sa_select(func.count(), func.count(_win.polarity), func.avg(_win.polarity), thanked).where(
        *win_conditions(by_team)
    )


def top_win_statement(by_team: bool) -> Select[Any]:
    return (
        sa_select(_win.text, _win.reactions, _win.author_id, _win.polarity, _win.created_at, _win.from_tough)
        .where(*win_conditions(by_team))
        # Peak-end: a story "from a tough moment to a win" (its author chose to link it) ends the report first.
        .order_by(_win.from_tough.desc(), _win.reactions.desc(), _win.created_at.desc(), _win.id.desc())
        .limit(1)
    )


def wins_statement(by_team: bool) -> Select[Any]:
    """The wins summary and the top win (no columns of it when there is none) in one row: one round trip."""
    summary = wins_summary_statement(by_team).subquery("summary")
    top = top_win_statement(by_team).subquery("top")
    return sa_select(summary, top).select_from(summary.outerjoin(top, true()))


def open_rounds_statement(by_team: bool) -> Select[Any]:
    """How many rounds are collecting answers now: their results join the report after they close."""
    rounds = PulseRound.__table__.c  # type: ignore[attr-defined]
    statement = sa_select(func.count()).where(rounds.workspace_id == bindparam("workspace_id"), rounds.status == "open")
    if by_team:
        statement = statement.where(rounds.team_id == bindparam("team_id"))
    return statement


# (pulse parts, CX parts, wins, open rounds); rows are unpacked by position, as the statements list their columns
Statements = tuple[Select[Any], Select[Any], Select[Any], Select[Any]]


def report_statements(needs: Sequence[str], reportable: Reportable) -> dict[bool, Statements]:
    """The report's four statements (pulse parts, CX parts, wins, open rounds), per team and for the workspace.

    Built once by the caller: building SQLAlchemy expressions costs more than running these small indexed
    queries, and a built statement's compiled SQL is cached."""
    return {
        by_team: (
            pulse_parts_statement(by_team, needs, reportable),
            cx_parts_statement(by_team),
            wins_statement(by_team),
            open_rounds_statement(by_team),
        )
        for by_team in (True, False)
    }
