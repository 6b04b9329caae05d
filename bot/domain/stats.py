"""Small, dependency-free statistics for team reports: confidence intervals, eNPS, correlations and lags.

Standard library only. Everything here is a pure function over plain numbers so that the report
service can compute the same numbers for Block Kit, text, JSON and the chart.

- `Moments` holds the sufficient statistics (n, sum, sum of squares) so per-week aggregates can be
  combined without keeping individual answers.
- `mean_ci` gives a two-sided 95% Student t interval around the mean.
- `change_beyond_noise` calls a change real only when two 95% intervals do not overlap (conservative).
- `pearson`, `fisher_ci` and `lagged_correlations` look for a lead/lag relation between the weekly
  pulse and the weekly NPS.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Leader = Literal["pulse", "nps", "same"]

Z_975 = 1.959963984540054

# Two-sided 95% (0.975 quantile) of Student's t for df = 1..30.
_T_TABLE: tuple[float, ...] = (
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
)

_R_CLAMP = 0.999999


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of a sample: count, sum and sum of squares. `a + b` pools two samples."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    @classmethod
    def of(cls, values: Iterable[float]) -> Moments:
        n = 0
        total = 0.0
        squares = 0.0
        for v in values:
            x = float(v)
            n += 1
            total += x
            squares += x * x
        return cls(n=n, total=total, squares=squares)

    def __add__(self, other: object) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        return Moments(n=self.n + other.n, total=self.total + other.total, squares=self.squares + other.squares)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


@dataclass(frozen=True)
class MeanCI:
    """Mean with a two-sided 95% Student t interval. For n < 2 the interval is (-inf, inf)."""

    n: int
    mean: float
    low: float
    high: float


def t_critical_95(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (two-sided 95%); inf for df <= 0."""
    if df <= 0:
        return math.inf
    if df <= len(_T_TABLE):
        return _T_TABLE[df - 1]
    # Cornish-Fisher expansion of the t quantile around the normal quantile; error < 1e-6 for df > 30.
    z = Z_975
    d = float(df)
    z3, z5, z7, z9 = z**3, z**5, z**7, z**9
    return (
        z
        + (z3 + z) / (4 * d)
        + (5 * z5 + 16 * z3 + 3 * z) / (96 * d**2)
        + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * d**3)
        + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * d**4)
    )


def mean_ci(m: Moments) -> MeanCI | None:
    """95% interval for the mean from sufficient statistics; None when there is no data."""
    if m.n <= 0:
        return None
    mean = m.total / m.n
    if m.n < 2:
        return MeanCI(n=m.n, mean=mean, low=-math.inf, high=math.inf)
    variance = (m.squares - m.total * m.total / m.n) / (m.n - 1)
    if math.isnan(variance):
        half = math.inf
    else:
        variance = max(variance, 0.0)  # float cancellation can make a zero variance slightly negative
        half = t_critical_95(m.n - 1) * math.sqrt(variance / m.n)
    return MeanCI(n=m.n, mean=mean, low=mean - half, high=mean + half)


def change_beyond_noise(previous: MeanCI | None, current: MeanCI | None) -> bool:
    """True only when both intervals exist and do not overlap (touching counts as overlap)."""
    if previous is None or current is None:
        return False
    return current.low > previous.high or current.high < previous.low


@dataclass(frozen=True)
class Enps:
    n: int
    promoters: int
    passives: int
    detractors: int
    score: float | None


def enps(promoters: int, passives: int, detractors: int) -> Enps:
    """Employee NPS: % promoters (9-10) minus % detractors (0-6), from -100 to 100; None without answers."""
    if promoters < 0 or passives < 0 or detractors < 0:
        raise ValueError("counts must not be negative")
    n = promoters + passives + detractors
    score = None if n == 0 else 100.0 * (promoters - detractors) / n
    return Enps(n=n, promoters=promoters, passives=passives, detractors=detractors, score=score)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation; None when fewer than 3 pairs or either side has no variance."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys must have the same length")
    n = len(xs)
    if n < 3:
        return None
    mx = math.fsum(xs) / n
    my = math.fsum(ys) / n
    dx = [x - mx for x in xs]
    dy = [y - my for y in ys]
    # map(mul, ...) keeps the products' loop in C: a report computes 17 of these.
    sxx = math.fsum(map(operator.mul, dx, dx))
    syy = math.fsum(map(operator.mul, dy, dy))
    if sxx <= 0.0 or syy <= 0.0 or not math.isfinite(sxx) or not math.isfinite(syy):
        return None
    sxy = math.fsum(map(operator.mul, dx, dy))
    r = sxy / math.sqrt(sxx * syy)
    if math.isnan(r):
        return None
    return max(-1.0, min(1.0, r))


@dataclass(frozen=True)
class Correlation:
    n: int
    r: float
    low: float
    high: float


def fisher_ci(r: float, n: int) -> tuple[float, float]:
    """95% interval for a correlation via the Fisher z transform; (-1, 1) when n <= 3."""
    if n <= 3:
        return (-1.0, 1.0)
    rc = max(-_R_CLAMP, min(_R_CLAMP, r))
    z = math.atanh(rc)
    se = 1.0 / math.sqrt(n - 3)
    return (math.tanh(z - Z_975 * se), math.tanh(z + Z_975 * se))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> Correlation | None:
    """Pearson r with its Fisher 95% interval; None when r is undefined."""
    r = pearson(xs, ys)
    if r is None:
        return None
    low, high = fisher_ci(r, len(xs))
    return Correlation(n=len(xs), r=r, low=low, high=high)


@dataclass(frozen=True)
class LagResult:
    lag_weeks: int
    leader: Leader
    n: int
    r: float
    low: float
    high: float


def week_start(d: date) -> date:
    """The Monday of `d`'s ISO week."""
    return d - timedelta(days=d.weekday())


def _lag_result(
    leading: Sequence[float | None], following: Sequence[float | None], lag: int, leader: Leader, min_pairs: int
) -> LagResult | None:
    """leading[w] paired with following[w + lag], both series indexed by week."""
    pairs = [(x, y) for x, y in zip(leading, following[lag:], strict=False) if x is not None and y is not None]
    if len(pairs) < min_pairs:
        return None
    c = correlation([x for x, _ in pairs], [y for _, y in pairs])
    if c is None:
        return None
    return LagResult(lag_weeks=lag, leader=leader, n=c.n, r=c.r, low=c.low, high=c.high)


def _by_week(series: Mapping[date, float], first: int, weeks: int) -> list[float | None]:
    by_week: list[float | None] = [None] * weeks
    for day, value in series.items():
        if day.weekday() != 0:
            raise ValueError(f"weekly series are keyed by Mondays: {day} is a {day:%A}")
        by_week[(day.toordinal() - first) // 7] = float(value)
    return by_week


def lagged_correlations(
    pulse: Mapping[date, float], nps: Mapping[date, float], max_lag: int = 8, min_pairs: int = 8
) -> list[LagResult]:
    """Correlations between the weekly pulse and weekly NPS at lags 0..max_lag in both directions.

    Keys are the Monday of each ISO week. Lag 0 has leader "same". For lag k >= 1, leader "pulse"
    pairs pulse[w] with nps[w + k weeks] and leader "nps" pairs nps[w] with pulse[w + k weeks]
    (r is always reported as corr(pulse, nps)). Only lags with at least `min_pairs` pairs and a
    defined r are returned, ordered: lag 0, then pulse 1..max_lag, then nps 1..max_lag.
    """
    if not pulse or not nps:
        return []
    # Both series as lists indexed by week: each of the 2 * max_lag + 1 lags pairs two slices.
    first = min(min(pulse), min(nps)).toordinal()
    weeks = (max(max(pulse), max(nps)).toordinal() - first) // 7 + 1
    pulse_weeks, nps_weeks = _by_week(pulse, first, weeks), _by_week(nps, first, weeks)
    results = [_lag_result(pulse_weeks, nps_weeks, 0, "same", min_pairs)]
    results += [_lag_result(pulse_weeks, nps_weeks, k, "pulse", min_pairs) for k in range(1, max_lag + 1)]
    results += [_lag_result(nps_weeks, pulse_weeks, k, "nps", min_pairs) for k in range(1, max_lag + 1)]
    return [result for result in results if result is not None]


_LEADER_ORDER: Mapping[str, int] = {"same": 0, "pulse": 1, "nps": 2}


def strongest_lag(results: Sequence[LagResult]) -> LagResult | None:
    """The result with the largest |r|; ties go to the smaller lag, then "same" < "pulse" < "nps"."""
    if not results:
        return None
    return min(results, key=lambda res: (-abs(res.r), res.lag_weeks, _LEADER_ORDER.get(res.leader, 3)))
