"""The team report model: both sides of customer experience for one team (or the workspace) and period.

Pure values: the service fills it from the database, and Block Kit, plain text, JSON and the chart are
all rendered from it. Pulse-derived numbers below the anonymity threshold are *suppressed*: they carry
only their n and no value, so no renderer can show what the model does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.chart import ChartPoint
from bot.domain.cxmetrics import CsatResult, NpsResult
from bot.domain.stats import LagResult, MeanCI, Moments, change_beyond_noise, mean_ci

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


@dataclass(frozen=True)
class DailyPulse:
    """Closed rounds opened on one day (only rounds with at least k answers contribute their answers)."""

    day: date
    needs: dict[str, Moments]
    invited: int
    answered: int
    enps: tuple[int, int, int]  # promoters, passives, detractors


@dataclass(frozen=True)
class DailyCx:
    day: date
    nps: NpsResult
    csat: CsatResult


def pulse_between(days: Sequence[DailyPulse], start: date, end: date) -> DailyPulse:
    """Sum of the days in [start, end] (inclusive)."""
    needs = {need: Moments(0, 0.0, 0.0) for need in NEEDS}
    invited = answered = promoters = passives = detractors = 0
    for day in days:
        if start <= day.day <= end:
            for need in NEEDS:
                needs[need] = needs[need] + day.needs[need]
            invited += day.invited
            answered += day.answered
            promoters += day.enps[0]
            passives += day.enps[1]
            detractors += day.enps[2]
    return DailyPulse(start, needs, invited, answered, (promoters, passives, detractors))


def cx_between(days: Sequence[DailyCx], start: date, end: date) -> tuple[NpsResult, CsatResult]:
    from bot.domain.cxmetrics import combine_csat, combine_nps

    inside = [day for day in days if start <= day.day <= end]
    return combine_nps(day.nps for day in inside), combine_csat(day.csat for day in inside)


def pulse_index(totals: DailyPulse, k: int) -> float | None:
    """The weekly pulse index: the mean of the three needs' means, when each has at least k answers."""
    means = []
    for need in NEEDS:
        moments = totals.needs[need]
        if moments.n < k:
            return None
        means.append(moments.total / moments.n)
    return sum(means) / len(means)
