"""The team report model: both sides of customer experience for one team (or the workspace) and period.

Pure values: the service fills it from the database, and Block Kit, plain text, JSON and the chart are
all rendered from it. Pulse-derived numbers below the anonymity threshold are *suppressed*: they carry
only their n and no value, so no renderer can show what the model does not hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from bot.domain.anonymity import is_reportable
from bot.domain.chart import ActionMarker, ChartPoint, NeedPoint
from bot.domain.cxelements import ElementComparison, comparison_json
from bot.domain.cxmetrics import CsatResult, CsatTally, NpsResult, NpsTally
from bot.domain.cxwords import CustomerWords, words_json
from bot.domain.feedback import PulseComments, comments_json
from bot.domain.questions import NEEDS as NEEDS
from bot.domain.stats import (
    LagAnalysis,
    LagResult,
    MeanCI,
    Moments,
    change_beyond_noise,
    lag_analysis,
    mean_ci,
    week_start,
)
from bot.domain.team_actions import ActionView, action_json
from bot.domain.tough import ToughSummary, summary_json


@dataclass(frozen=True)
class NeedResult:
    need: str
    n: int
    suppressed: bool
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    change: float | None = None  # against the previous period of equal length
    beyond_noise: bool = False  # True only when the two 95% intervals do not overlap


@dataclass(frozen=True)
class Participation:
    answered: int  # both counts only from rounds that reached k (a round below k would show by differencing)
    invited: int
    suppressed: bool  # no round reached k: there is no count to show

    @property
    def rate(self) -> float | None:
        if self.suppressed or self.invited == 0:
            return None
        return round(100.0 * self.answered / self.invited, 1)


@dataclass(frozen=True)
class EnpsResult:
    n: int
    suppressed: bool
    value: float | None = None


@dataclass(frozen=True)
class TopWin:
    text: str
    reactions: int
    author_id: str
    polarity: float | None  # None = not scored (neither Finnish nor English, or too few known words)
    posted_on: date
    from_tough: bool = False  # its author marked it as the recovery of an earlier tough moment of theirs


@dataclass(frozen=True)
class WinsSummary:
    count: int
    colleagues_thanked: int
    scored: int
    mean_polarity: float | None
    top: TopWin | None


@dataclass
class Report:
    workspace_id: str
    team_name: str | None  # None: the whole workspace
    start: date
    end: date
    anonymity_min: int
    needs: list[NeedResult]
    participation: Participation
    enps: EnpsResult
    nps: NpsResult
    csat: CsatResult
    wins: WinsSummary
    chart: list[ChartPoint] = field(default_factory=list)
    lag: LagAnalysis = field(default_factory=lambda: LagAnalysis(lags=(), standout=None, weeks_paired=0))
    round_open: bool = False  # a pulse round is collecting answers now: its results come after it closes
    tough: ToughSummary | None = None  # tough customer moments (bot.domain.tough), counts at k only
    actions: tuple[ActionView, ...] = ()  # the team's actions ("you said, we did"); none for the workspace
    comments: PulseComments | None = None  # the team's pulse comments (bot.domain.feedback), at k only
    cx_comments: CustomerWords | None = None  # customers' own words beside NPS, masked (bot.domain.cxwords)
    elements: ElementComparison | None = None  # wins per CX element vs the elements customers mention
    action_markers: tuple[ActionMarker, ...] = ()  # the actions on their needs' trend (see `action_markers`)


def need_result(need: str, current: Moments, previous: Moments, k: int) -> NeedResult:
    """A need's mean with CI and change; suppressed when fewer than k answers (then no value at all)."""
    if not is_reportable(current.n, k):
        return NeedResult(need=need, n=current.n, suppressed=True)
    ci: MeanCI | None = mean_ci(current)
    assert ci is not None
    before = mean_ci(previous) if is_reportable(previous.n, k) else None
    change = round(ci.mean - before.mean, 2) if before is not None else None
    return NeedResult(
        need=need,
        n=current.n,
        suppressed=False,
        mean=round(ci.mean, 2),
        ci_low=_finite(ci.low),
        ci_high=_finite(ci.high),
        change=change,
        beyond_noise=change_beyond_noise(before, ci),
    )


def _finite(value: float) -> float | None:
    return round(value, 2) if value == value and abs(value) != float("inf") else None


def enps_result(promoters: int, passives: int, detractors: int, k: int) -> EnpsResult:
    n = promoters + passives + detractors
    if not is_reportable(n, k):
        return EnpsResult(n=n, suppressed=True)
    return EnpsResult(n=n, suppressed=False, value=round(100.0 * (promoters - detractors) / n, 1))


def _round1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def report_json(report: Report) -> dict[str, Any]:
    """The documented, stable JSON shape (see the README: "Report JSON")."""
    needs: dict[str, Any] = {}
    for need in report.needs:
        if need.suppressed:
            needs[need.need] = {"suppressed": True, "n": need.n}
        else:
            needs[need.need] = {
                "mean": need.mean,
                "ci_low": need.ci_low,
                "ci_high": need.ci_high,
                "n": need.n,
                "change": need.change,
                "beyond_noise": need.beyond_noise,
            }
    participation = report.participation
    enps: dict[str, Any] = (
        {"suppressed": True, "n": report.enps.n}
        if report.enps.suppressed
        else {"value": report.enps.value, "n": report.enps.n}
    )
    top = report.wins.top
    return {
        "workspace": report.workspace_id,
        "team": report.team_name,
        "period": {"start": report.start.isoformat(), "end": report.end.isoformat()},
        "anonymity_min": report.anonymity_min,
        "needs": needs,
        "participation": {
            **(
                {"suppressed": True}
                if participation.suppressed
                else {"answered": participation.answered, "invited": participation.invited, "rate": participation.rate}
            ),
            "round_open": report.round_open,
        },
        "enps": enps,
        "nps": {
            "value": _round1(report.nps.score),
            "n": report.nps.n,
            "promoters": report.nps.promoters,
            "passives": report.nps.passives,
            "detractors": report.nps.detractors,
        },
        "csat": {"value": _round1(report.csat.percent), "n": report.csat.n},
        "wins": {
            "count": report.wins.count,
            "colleagues_thanked": report.wins.colleagues_thanked,
            "scored": report.wins.scored,
            "mean_polarity": None if report.wins.mean_polarity is None else round(report.wins.mean_polarity, 2),
            "top": None
            if top is None
            else {
                "text": top.text,
                "reactions": top.reactions,
                "author": top.author_id,
                "polarity": None if top.polarity is None else round(top.polarity, 2),
                "posted_on": top.posted_on.isoformat(),
                "from_tough": top.from_tough,
            },
        },
        "tough_moments": summary_json(report.tough),
        "pulse_comments": comments_json(report.comments),
        "cx_comments": words_json(report.cx_comments),
        "cx_elements": comparison_json(report.elements),
        "actions": [action_json(action) for action in report.actions],
        "lag": {
            "method": "week-over-week changes; Bartlett effective n; Bonferroni over the lags tested",
            "weeks_paired": report.lag.weeks_paired,
            "tested": report.lag.tested,
            "alpha": report.lag.alpha,
            "standout": None if report.lag.standout is None else _lag_json(report.lag.standout),
            "lags": [_lag_json(lag) for lag in report.lag.lags],
        },
        "chart": [_chart_point_json(point) for point in report.chart],
    }


def _lag_json(lag: LagResult) -> dict[str, Any]:
    return {
        "direction": _direction(lag.leader),
        "lag_weeks": lag.lag_weeks,
        "r": round(lag.r, 3),
        "ci_low": round(lag.low, 3),  # simultaneous 95% (Bonferroni over the lags tested)
        "ci_high": round(lag.high, 3),
        "n": lag.n,
        "n_eff": round(lag.n_eff, 1),
        "p": round(lag.p, 4),
    }


def _chart_point_json(point: ChartPoint) -> dict[str, Any]:
    def need(value: NeedPoint | None) -> dict[str, Any] | None:
        return None if value is None else {"mean": value.mean, "ci_low": value.low, "ci_high": value.high, "n": value.n}

    return {
        "label": point.label,
        "previous": point.previous,
        "hidden": point.hidden,
        "autonomy": need(point.autonomy),
        "competence": need(point.competence),
        "belonging": need(point.belonging),
        "pulse_n": point.pulse_n,
        "enps": point.enps,
        "enps_n": point.enps_n,
        "nps": point.nps,
        "nps_n": point.nps_n,
        "csat": point.csat,
        "csat_n": point.csat_n,
    }


def _direction(leader: str) -> str:
    return {"pulse": "pulse_leads_nps", "nps": "nps_leads_pulse"}.get(leader, "same_week")


DEFAULT_WEEKS = 12  # a report's period when none is asked for, in Slack, the shell and on Home
MAX_WEEKS = 260  # the longest report period, in the shell and in Slack alike
MAX_POINTS_PER_PERIOD = 7  # a chart period widens beyond the team's cadence to keep the chart readable
LAG_HISTORY_WEEKS = 52
MAX_LAG_WEEKS = 8
MIN_LAG_PAIRS = 8


class PulsePart(NamedTuple):
    """Closed rounds' sums for the days that count in the same places (the service's query groups them):
    invited/answered only from rounds with at least k answers (the query applies `anonymity.reportable_condition`);
    each need's sufficient statistics and the eNPS counts only from rounds where that measure's own count reached
    k (`anonymity.round_feeds`)."""

    period: int  # 1 the report's period, -1 the previous one, 0 neither (see ReportSpan.places)
    chart: int | None  # the chart period's index, None before the chart
    lag: int | None  # the lag view's week index, None before its first week
    invited: int
    answered: int
    autonomy_n: int
    autonomy_sum: float
    autonomy_sq: float
    competence_n: int
    competence_sum: float
    competence_sq: float
    belonging_n: int
    belonging_sum: float
    belonging_sq: float
    enps_promoters: int
    enps_passives: int
    enps_detractors: int
    rounds: int  # closed rounds of any size (only to tell a period below k from one without a round)


class CxPart(NamedTuple):
    """CX of one metric for the days that count in the same places: response rows counted by category, or
    aggregate rows with their response-weighted mean value."""

    period: int
    chart: int | None
    lag: int | None
    metric: str  # "nps" | "csat"
    n: int  # answers (aggregate rows: their response counts, each row without one weighing as one)
    promoters: int
    passives: int
    detractors: int
    satisfied: int
    value: float | None  # aggregate rows' NPS or CSAT percent, weighted by n; None for counted answers


class Places(NamedTuple):
    period: int
    chart: int | None
    lag: int | None


class PulseTally:
    """Sums of PulsePart rows for one period, added as they come."""

    __slots__ = ("answered", "enps", "invited", "rounds", "sums")

    def __init__(self) -> None:
        self.invited = 0
        self.answered = 0
        self.rounds = 0
        self.sums = [0.0] * 9  # n, sum, squares for each need, in NEEDS order
        self.enps = [0, 0, 0]

    def add(self, row: PulsePart) -> None:
        self.invited += row.invited
        self.answered += row.answered
        self.rounds += row.rounds
        sums = self.sums
        sums[0] += row.autonomy_n
        sums[1] += row.autonomy_sum
        sums[2] += row.autonomy_sq
        sums[3] += row.competence_n
        sums[4] += row.competence_sum
        sums[5] += row.competence_sq
        sums[6] += row.belonging_n
        sums[7] += row.belonging_sum
        sums[8] += row.belonging_sq
        enps = self.enps
        enps[0] += row.enps_promoters
        enps[1] += row.enps_passives
        enps[2] += row.enps_detractors

    def moments(self, need_index: int) -> Moments:
        n, total, squares = self.sums[3 * need_index : 3 * need_index + 3]
        return Moments(int(n), total, squares)

    def mean(self, need_index: int, k: int) -> float | None:
        """The need's mean, or None below k answers."""
        n = self.sums[3 * need_index]
        return self.sums[3 * need_index + 1] / n if is_reportable(int(n), k) else None

    def index(self, k: int) -> float | None:
        """The pulse index: the mean of the three needs' means, when each has at least k answers."""
        means = [self.mean(i, k) for i in range(len(NEEDS))]
        if any(mean is None for mean in means):
            return None
        return sum(m for m in means if m is not None) / len(means)


class CxTally:
    __slots__ = ("csat", "nps")

    def __init__(self) -> None:
        self.nps = NpsTally()
        self.csat = CsatTally()

    def add(self, row: CxPart) -> None:
        if row.metric == "nps":
            if row.value is None:
                self.nps.add_counts(row.promoters, row.passives, row.detractors)
            else:
                self.nps.add(row.n, None, None, None, row.value)
        elif row.value is None:
            self.csat.add_counts(row.n, row.satisfied)
        else:
            self.csat.add(row.n, None, row.value)


@dataclass(frozen=True)
class ReportSpan:
    """The days a report reads: its period, the previous period of equal length, the chart's periods
    (the report's period and the previous one, each cut into periods counted back from its last day) and
    the lag view's ISO weeks."""

    start: date
    end: date
    bucket_weeks: int  # the team's cadence: one chart period, in weeks, unless the report is long

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=self.period_days)

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bucket_days(self) -> int:
        """One chart period: the cadence, wider for long reports, never longer than the report's period."""
        widest = 7 * math.ceil(self.period_days / (7 * MAX_POINTS_PER_PERIOD))
        return min(self.period_days, max(7 * self.bucket_weeks, widest))

    @property
    def period_points(self) -> int:
        """Chart periods in the report's period (the oldest may be shorter), and as many in the previous."""
        return math.ceil(self.period_days / self.bucket_days)

    @property
    def chart_points(self) -> int:
        return 2 * self.period_points

    def chart_point_start(self, index: int) -> date:
        """The first day of chart period `index` (0 is the previous period's oldest)."""
        current = index >= self.period_points
        back_index = (self.chart_points - 1 - index) if current else (self.period_points - 1 - index)
        last = self.end if current else self.end - timedelta(days=self.period_days)
        return last - timedelta(days=min((back_index + 1) * self.bucket_days, self.period_days) - 1)

    @property
    def lag_start(self) -> date:
        return week_start(self.end) - timedelta(weeks=LAG_HISTORY_WEEKS - 1)

    @property
    def lag_days(self) -> int:
        """Days from the lag view's first Monday to the report's last day."""
        return (self.end - self.lag_start).days

    @property
    def first_day(self) -> date:
        return min(self.previous_start, self.lag_start)

    def places(self, day: date) -> Places:
        """Where a day on or before `end` counts: 1 current / -1 previous / 0 neither, the chart period's index
        (None before the chart) and the lag week's index (None before the lag view's first week).

        The rule is written in days back from `end`, as the service's SQL computes it (`back` >= 0 there).
        """
        back = (self.end - day).days
        if back < 0:
            raise ValueError(f"{day} is after the report's last day {self.end}")
        period = 1 if back < self.period_days else -1 if back < 2 * self.period_days else 0
        chart: int | None = None
        if period == 1:
            chart = self.chart_points - 1 - back // self.bucket_days
        elif period == -1:
            chart = self.period_points - 1 - (back - self.period_days) // self.bucket_days
        lag = (self.lag_days - back) // 7 if back <= self.lag_days else None
        return Places(period, chart, lag)


class ReportBuckets:
    """Every period a report shows, filled in one pass over the rows the service's query grouped by place."""

    def __init__(self, chart_points: int) -> None:
        self.current_pulse = PulseTally()
        self.previous_pulse = PulseTally()
        self.chart_pulse = [PulseTally() for _ in range(chart_points)]
        self.lag_pulse = [PulseTally() for _ in range(LAG_HISTORY_WEEKS)]
        self.current_cx = CxTally()
        self.chart_cx = [CxTally() for _ in range(chart_points)]
        self.lag_cx = [CxTally() for _ in range(LAG_HISTORY_WEEKS)]

    def add_pulse(self, row: PulsePart) -> None:
        if row.period == 1:
            self.current_pulse.add(row)
        elif row.period == -1:
            self.previous_pulse.add(row)
        if row.chart is not None:
            self.chart_pulse[row.chart].add(row)
        if row.lag is not None:
            self.lag_pulse[row.lag].add(row)

    def add_cx(self, row: CxPart) -> None:
        if row.period == 1:
            self.current_cx.add(row)
        if row.chart is not None:
            self.chart_cx[row.chart].add(row)
        if row.metric == "nps" and row.lag is not None:  # the lag view reads NPS only
            self.lag_cx[row.lag].add(row)


def assemble_report(
    *,
    workspace_id: str,
    team_name: str | None,
    span: ReportSpan,
    k: int,
    pulse_parts: Iterable[PulsePart],
    cx_parts: Iterable[CxPart],
    wins: WinsSummary,
    round_open: bool = False,
) -> Report:
    """The report from rows covering `span.first_day`..`span.end`, grouped by their places; one pass."""
    buckets = ReportBuckets(span.chart_points)
    for pulse_row in pulse_parts:
        buckets.add_pulse(pulse_row)
    for cx_row in cx_parts:
        buckets.add_cx(cx_row)

    current, previous = buckets.current_pulse, buckets.previous_pulse
    needs = [need_result(need, current.moments(i), previous.moments(i), k) for i, need in enumerate(NEEDS)]
    chart = chart_points(span, buckets, k)
    pulse_weekly: dict[date, float] = {}
    nps_weekly: dict[date, float] = {}
    first_monday = span.lag_start
    for week, (tally, cx) in enumerate(zip(buckets.lag_pulse, buckets.lag_cx, strict=True)):
        monday = first_monday + timedelta(weeks=week)
        weekly_index = tally.index(k)
        if weekly_index is not None:
            pulse_weekly[monday] = weekly_index
        weekly_nps = cx.nps.result().score
        if weekly_nps is not None:
            nps_weekly[monday] = weekly_nps
    return Report(
        workspace_id=workspace_id,
        team_name=team_name,
        start=span.start,
        end=span.end,
        anonymity_min=k,
        needs=needs,
        participation=Participation(
            current.answered, current.invited, suppressed=not is_reportable(current.answered, k)
        ),
        enps=enps_result(current.enps[0], current.enps[1], current.enps[2], k),
        nps=buckets.current_cx.nps.result(),
        csat=buckets.current_cx.csat.result(),
        wins=wins,
        chart=chart,
        lag=_rounded(lag_analysis(pulse_weekly, nps_weekly, max_lag=MAX_LAG_WEEKS, min_pairs=MIN_LAG_PAIRS)),
        round_open=round_open,
    )


def _rounded_lag(lag: LagResult) -> LagResult:
    return replace(
        lag,
        r=round(lag.r, 3),
        low=round(lag.low, 3),
        high=round(lag.high, 3),
        n_eff=round(lag.n_eff, 1),
        p=round(lag.p, 4),
    )


def _rounded(analysis: LagAnalysis) -> LagAnalysis:
    """The lag view as every rendering shows it: rounded once here, so text, blocks and JSON can't disagree."""
    standout = None if analysis.standout is None else _rounded_lag(analysis.standout)
    return replace(analysis, lags=tuple(_rounded_lag(lag) for lag in analysis.lags), standout=standout)


def _need_point(tally: PulseTally, index: int, k: int) -> NeedPoint | None:
    moments = tally.moments(index)
    if not is_reportable(moments.n, k):
        return None
    ci = mean_ci(moments)
    assert ci is not None
    return NeedPoint(mean=round(ci.mean, 2), low=_finite(ci.low), high=_finite(ci.high), n=moments.n)


def _round_or_none(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def action_markers(span: ReportSpan, chart_length: int, actions: Iterable[ActionView]) -> tuple[ActionMarker, ...]:
    """Each action's commitment and completion as marks in the chart periods their days fall in; days outside
    the chart (or in a dropped, empty previous period) have none."""
    dropped = span.chart_points - chart_length  # `chart_points` drops an empty previous period
    markers = []
    for action in actions:
        for day, done in ((action.created_on, False), (action.done_on, True)):
            if day is None or not span.first_day <= day <= span.end:
                continue
            index = span.places(day).chart
            if index is not None and index >= dropped:
                markers.append(ActionMarker(action.need, index - dropped, done, "" if done else action.text))
    return tuple(markers)


def chart_points(span: ReportSpan, buckets: ReportBuckets, k: int) -> list[ChartPoint]:
    """The chart's periods: the previous period's (dropped when it has no data at all, as before a team's
    first round) and the report's. Pulse values below k are left out and the period marked hidden."""
    points = []
    for index, (tally, cx) in enumerate(zip(buckets.chart_pulse, buckets.chart_cx, strict=True)):
        needs = [_need_point(tally, i, k) for i in range(len(NEEDS))]
        shown_n = max((need.n for need in needs if need is not None), default=0)
        enps = enps_result(tally.enps[0], tally.enps[1], tally.enps[2], k)
        nps, csat = cx.nps.result(), cx.csat.result()
        points.append(
            ChartPoint(
                label=span.chart_point_start(index).strftime("%d.%m."),
                previous=index < span.period_points,
                hidden=tally.rounds > 0 and shown_n == 0,
                autonomy=needs[0],
                competence=needs[1],
                belonging=needs[2],
                pulse_n=shown_n,
                enps=enps.value,
                enps_n=0 if enps.suppressed else enps.n,
                nps=_round_or_none(nps.score),
                nps_n=nps.n if nps.score is not None else 0,
                csat=_round_or_none(csat.percent),
                csat_n=csat.n if csat.percent is not None else 0,
            )
        )
    previous = points[: span.period_points]
    if not any(p.hidden or p.pulse_n or p.nps_n or p.csat_n for p in previous):
        return points[span.period_points :]
    return points
