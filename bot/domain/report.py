"""The team report model: both sides of customer experience for one team (or the workspace) and period.

Pure values: the service fills it from the database, and Block Kit, plain text, JSON and the chart are
all rendered from it. Pulse-derived numbers below the anonymity threshold are *suppressed*: they carry
only their n and no value, so no renderer can show what the model does not hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from bot.domain.chart import ChartPoint
from bot.domain.cxmetrics import CsatResult, CsatTally, NpsResult, NpsTally
from bot.domain.stats import (
    LagResult,
    MeanCI,
    Moments,
    change_beyond_noise,
    lagged_correlations,
    mean_ci,
    week_start,
)
from bot.domain.team_actions import ActionView, action_json
from bot.domain.tough import ToughSummary, summary_json

NEEDS: tuple[str, ...] = ("autonomy", "competence", "belonging")


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
    answered: int
    invited: int
    suppressed: bool  # fewer than k answered: the count itself is not shown

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
    polarity: float | None  # None = not scored (not English)
    posted_on: date


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
    lag: list[LagResult] = field(default_factory=list)
    lag_weeks_paired: int = 0
    tough: ToughSummary | None = None  # tough customer moments (bot.domain.tough), counts at k only
    actions: tuple[ActionView, ...] = ()  # the team's actions ("you said, we did"); none for the workspace


def need_result(need: str, current: Moments, previous: Moments, k: int) -> NeedResult:
    """A need's mean with CI and change; suppressed when fewer than k answers (then no value at all)."""
    if current.n < k:
        return NeedResult(need=need, n=current.n, suppressed=True)
    ci: MeanCI | None = mean_ci(current)
    assert ci is not None
    before = mean_ci(previous) if previous.n >= k else None
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
    if n < k:
        return EnpsResult(n=n, suppressed=True)
    return EnpsResult(n=n, suppressed=False, value=round(100.0 * (promoters - detractors) / n, 1))


def _round1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def strongest(lags: Sequence[LagResult]) -> LagResult | None:
    from bot.domain.stats import strongest_lag

    return strongest_lag(lags)


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
        "participation": (
            {"suppressed": True, "invited": participation.invited}
            if participation.suppressed
            else {"answered": participation.answered, "invited": participation.invited, "rate": participation.rate}
        ),
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
            },
        },
        "tough_moments": summary_json(report.tough),
        "actions": [action_json(action) for action in report.actions],
        "lag": [
            {
                "direction": _direction(lag.leader),
                "lag_weeks": lag.lag_weeks,
                "r": round(lag.r, 3),
                "ci_low": round(lag.low, 3),
                "ci_high": round(lag.high, 3),
                "n": lag.n,
            }
            for lag in report.lag
        ],
    }


def _direction(leader: str) -> str:
    return {"pulse": "pulse_leads_nps", "nps": "nps_leads_pulse"}.get(leader, "same_week")


CHART_POINTS = 12
LAG_HISTORY_WEEKS = 52
MAX_LAG_WEEKS = 8
MIN_LAG_PAIRS = 8


class PulsePart(NamedTuple):
    """Closed rounds' sums for the days that count in the same places (the service's query groups them):
    invited/answered from every round, the needs' sufficient statistics and eNPS counts only from rounds
    with at least k answers (the query applies k)."""

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

    __slots__ = ("answered", "enps", "invited", "sums")

    def __init__(self) -> None:
        self.invited = 0
        self.answered = 0
        self.sums = [0.0] * 9  # n, sum, squares for each need, in NEEDS order
        self.enps = [0, 0, 0]

    def add(self, row: PulsePart) -> None:
        self.invited += row.invited
        self.answered += row.answered
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
        return self.sums[3 * need_index + 1] / n if n >= k else None

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
    (ending on the report's last day) and the lag view's ISO weeks."""

    start: date
    end: date
    bucket_weeks: int  # one chart period, in weeks

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=self.period_days)

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bucket_days(self) -> int:
        return 7 * self.bucket_weeks

    @property
    def chart_days(self) -> int:
        return self.bucket_days * CHART_POINTS

    @property
    def lag_start(self) -> date:
        return week_start(self.end) - timedelta(weeks=LAG_HISTORY_WEEKS - 1)

    @property
    def lag_days(self) -> int:
        """Days from the lag view's first Monday to the report's last day."""
        return (self.end - self.lag_start).days

    @property
    def first_day(self) -> date:
        chart_start = self.end - timedelta(days=self.chart_days - 1)
        return min(self.previous_start, chart_start, self.lag_start)

    def places(self, day: date) -> Places:
        """Where a day on or before `end` counts: 1 current / -1 previous / 0 neither, the chart period's index
        (None before the chart) and the lag week's index (None before the lag view's first week).

        The rule is written in days back from `end`, as the service's SQL computes it (`back` >= 0 there).
        """
        back = (self.end - day).days
        if back < 0:
            raise ValueError(f"{day} is after the report's last day {self.end}")
        period = 1 if back < self.period_days else -1 if back < 2 * self.period_days else 0
        chart = CHART_POINTS - 1 - back // self.bucket_days if back < self.chart_days else None
        lag = (self.lag_days - back) // 7 if back <= self.lag_days else None
        return Places(period, chart, lag)


class ReportBuckets:
    """Every period a report shows, filled in one pass over the rows the service's query grouped by place."""

    def __init__(self) -> None:
        self.current_pulse = PulseTally()
        self.previous_pulse = PulseTally()
        self.chart_pulse = [PulseTally() for _ in range(CHART_POINTS)]
        self.lag_pulse = [PulseTally() for _ in range(LAG_HISTORY_WEEKS)]
        self.current_cx = CxTally()
        self.chart_cx = [CxTally() for _ in range(CHART_POINTS)]
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
        if row.metric == "nps":  # the chart and the lag view show NPS only
            if row.chart is not None:
                self.chart_cx[row.chart].add(row)
            if row.lag is not None:
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
) -> Report:
    """The report from rows covering `span.first_day`..`span.end`, grouped by their places; one pass."""
    buckets = ReportBuckets()
    for pulse_row in pulse_parts:
        buckets.add_pulse(pulse_row)
    for cx_row in cx_parts:
        buckets.add_cx(cx_row)

    current, previous = buckets.current_pulse, buckets.previous_pulse
    needs = [need_result(need, current.moments(i), previous.moments(i), k) for i, need in enumerate(NEEDS)]
    chart = []
    for index, (tally, cx) in enumerate(zip(buckets.chart_pulse, buckets.chart_cx, strict=True)):
        bucket_end = span.end - timedelta(days=span.bucket_days * (CHART_POINTS - 1 - index))
        chart.append(
            ChartPoint(
                label=bucket_end.strftime("%d.%m."),
                autonomy=tally.mean(0, k),
                competence=tally.mean(1, k),
                belonging=tally.mean(2, k),
                nps=cx.nps.result().score,
            )
        )
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
        participation=Participation(current.answered, current.invited, suppressed=current.answered < k),
        enps=enps_result(current.enps[0], current.enps[1], current.enps[2], k),
        nps=buckets.current_cx.nps.result(),
        csat=buckets.current_cx.csat.result(),
        wins=wins,
        chart=chart,
        lag=lagged_correlations(pulse_weekly, nps_weekly, max_lag=MAX_LAG_WEEKS, min_pairs=MIN_LAG_PAIRS),
        lag_weeks_paired=len(pulse_weekly.keys() & nps_weekly.keys()),
    )
