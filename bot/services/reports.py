"""Build the team/workspace report from stored aggregates (for /cxreport, Home, digests and the shell's `report`).

Reads only pre-aggregated data: closed rounds' RoundResult rows and the per-day CX counts, each summed in
SQL per *place* (which report period, chart period and lag week a day counts in), and wins counted in SQL.
The statements are in storage/queries/reports.py; k reaches them as bot.domain.anonymity's rule.
Nothing here loops over individual answers or days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

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
    action_markers,
    assemble_report,
)
from bot.services.feedback import customer_words, element_comparison, pulse_comments
from bot.services.team_actions import team_actions
from bot.services.tough import tough_summary
from bot.settings import Settings
from bot.timeutil import DEFAULT_TIMEZONE, from_db
from storage import cx_repository
from storage.db import Database
from storage.models import Team
from storage.queries import reports as report_queries

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


_STATEMENTS = report_queries.report_statements(NEEDS, anonymity.reportable_condition)


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
        count, scored, mean_polarity, thanked, *top_win = tuple(connection.execute(wins_sql, period).one())
        open_rounds = connection.execute(open_sql, {"workspace_id": scope.workspace_id, **team}).scalar_one()
    top = None
    if count:
        text, reactions, author_id, polarity, created_at, from_tough = top_win
        top = TopWin(
            text, reactions, author_id, polarity, from_db(created_at).astimezone(zone).date(), bool(from_tough)
        )
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
    actions = (
        tuple(team_actions(db, scope.workspace_id, scope.team_id, k=k, zone=zone)) if scope.team_id is not None else ()
    )
    comments = pulse_comments(db, scope.workspace_id, scope.team_id, start, end, k=k)
    words = customer_words(db, scope.workspace_id, scope.team_id, start, end)
    elements = element_comparison(db, scope.workspace_id, scope.team_id, start, end, after=after, before=before)
    markers = action_markers(span, len(report.chart), actions)
    return replace(
        report,
        tough=tough,
        actions=actions,
        action_markers=markers,
        comments=comments,
        cx_comments=words,
        elements=elements,
    )


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
