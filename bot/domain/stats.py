"""Small, dependency-free statistics for team reports: confidence intervals, eNPS, correlations and lags.

Standard library only. Everything here is a pure function over plain numbers so that the report
service can compute the same numbers for Block Kit, text, JSON and the chart.

- `Moments` holds the sufficient statistics (n, sum, sum of squares) so per-week aggregates can be
  combined without keeping individual answers.
- `mean_ci` gives a two-sided 95% Student t interval around the mean.
- `change_beyond_noise` calls a change real only when two 95% intervals do not overlap (conservative).
- `proportion_difference_ci` (Newcombe's hybrid score interval from two Wilson intervals) and
  `share_rose_beyond_noise`: a share (NPS detractors) rose only when the 95% interval of the rise is above 0.
- `lag_analysis` looks for a lead/lag relation between the weekly pulse and the weekly NPS honestly:
  week-over-week changes, Bartlett's effective n, and Bonferroni over the lags tested.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
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


def wilson_interval(part: int, n: int, z: float = Z_975) -> tuple[float, float]:
    """The Wilson score interval of the proportion part/n (0..1); well behaved at 0, 1 and small n."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = part / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion_difference_ci(
    before_part: int, before_n: int, after_part: int, after_n: int
) -> tuple[float, float, float] | None:
    """after share - before share, with its 95% interval (Newcombe 1998, method 10: hybrid score from two
    Wilson intervals, which keeps its coverage with small counts and shares near 0 or 1). None without data."""
    if before_n <= 0 or after_n <= 0:
        return None
    p1, p2 = before_part / before_n, after_part / after_n
    l1, u1 = wilson_interval(before_part, before_n)
    l2, u2 = wilson_interval(after_part, after_n)
    difference = p2 - p1
    low = difference - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = difference + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return difference, low, high


def share_rose_beyond_noise(before_part: int, before_n: int, after_part: int, after_n: int) -> bool:
    """True only when the whole 95% interval of the share's rise is above zero."""
    found = proportion_difference_ci(before_part, before_n, after_part, after_n)
    return found is not None and found[1] > 0


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
    """One lag's correlation of week-over-week changes, with its effective sample size and p-value.

    `n` counts paired changes; `n_eff` is `n` shrunk by Bartlett's correction for autocorrelation;
    `low`/`high` is a *simultaneous* 95% interval (Bonferroni over every lag tested), so "the interval
    excludes 0" and "the lag survives the correction" say the same thing.
    """

    lag_weeks: int
    leader: Leader
    n: int
    r: float
    low: float
    high: float
    n_eff: float = 0.0
    p: float = 1.0  # two-sided, for this lag alone (not corrected)


@dataclass(frozen=True)
class LagAnalysis:
    """Every lag tested, and the one that stands out from noise after correcting for how many were tested."""

    lags: tuple[LagResult, ...]
    standout: LagResult | None
    weeks_paired: int  # weeks with both a pulse index and an NPS (levels, before differencing)
    alpha: float = 0.05  # family-wise: the chance that noise alone names a lag

    @property
    def tested(self) -> int:
        return len(self.lags)


LAG_ALPHA = 0.05


def week_start(d: date) -> date:
    """The Monday of `d`'s ISO week."""
    return d - timedelta(days=d.weekday())


def normal_quantile(p: float) -> float:
    """The standard normal quantile for 0 < p < 1 (bisection on erfc: exact to 1e-12, used once a report)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be between 0 and 1")
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-13:
            break
    return (low + high) / 2


def _autocorrelation(values: Sequence[float], lag: int) -> float:
    n = len(values)
    mean = math.fsum(values) / n
    dev = [v - mean for v in values]
    denominator = math.fsum(map(operator.mul, dev, dev))
    if denominator <= 0.0:
        return 0.0
    return math.fsum(map(operator.mul, dev[:-lag], dev[lag:])) / denominator


def bartlett_effective_n(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Effective number of independent pairs for a correlation of two autocorrelated series.

    Bartlett (1946): var(r) ~ (1 + 2 sum_j rho_xx(j) rho_yy(j)) / n, the sum over lags j = 1..n/5 as in
    Pyper & Peterman (1998). The correction only ever shrinks n: noise in the estimated autocorrelations
    must not make a result look surer than the plain count of pairs allows.
    """
    n = len(xs)
    if n < 3:
        return float(n)
    inflation = 1.0 + 2.0 * math.fsum(
        _autocorrelation(xs, j) * _autocorrelation(ys, j) for j in range(1, max(1, n // 5) + 1)
    )
    return float(n) / max(1.0, inflation)


def _changes(levels: Sequence[float | None]) -> list[float | None]:
    """Week-over-week changes: None where either week is missing. Random walks have white changes, so
    correlating changes (not levels) removes the shared-trend illusion."""
    return [None] + [
        None if before is None or after is None else after - before for before, after in itertools.pairwise(levels)
    ]


def _lag_result(
    leading: Sequence[float | None], following: Sequence[float | None], lag: int, leader: Leader, min_pairs: int
) -> LagResult | None:
    """leading[w] paired with following[w + lag], both series indexed by week; the interval is filled later."""
    pairs = [(x, y) for x, y in zip(leading, following[lag:], strict=False) if x is not None and y is not None]
    if len(pairs) < min_pairs:
        return None
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    r = pearson(xs, ys)
    if r is None:
        return None
    n_eff = bartlett_effective_n(xs, ys)
    if n_eff <= 3.0:
        p = 1.0
    else:
        z = math.atanh(max(-_R_CLAMP, min(_R_CLAMP, r))) * math.sqrt(n_eff - 3.0)
        p = math.erfc(abs(z) / math.sqrt(2.0))
    return LagResult(lag_weeks=lag, leader=leader, n=len(pairs), r=r, low=-1.0, high=1.0, n_eff=n_eff, p=p)


def _simultaneous(result: LagResult, z_crit: float) -> LagResult:
    if result.n_eff <= 3.0:
        return result
    z = math.atanh(max(-_R_CLAMP, min(_R_CLAMP, result.r)))
    half = z_crit / math.sqrt(result.n_eff - 3.0)
    return replace(result, low=math.tanh(z - half), high=math.tanh(z + half))


def _by_week(series: Mapping[date, float], first: int, weeks: int) -> list[float | None]:
    by_week: list[float | None] = [None] * weeks
    for day, value in series.items():
        if day.weekday() != 0:
            raise ValueError(f"weekly series are keyed by Mondays: {day} is a {day:%A}")
        by_week[(day.toordinal() - first) // 7] = float(value)
    return by_week


def lag_analysis(
    pulse: Mapping[date, float],
    nps: Mapping[date, float],
    max_lag: int = 8,
    min_pairs: int = 8,
    alpha: float = LAG_ALPHA,
) -> LagAnalysis:
    """Correlations of the week-over-week changes of the pulse and of NPS at lags 0..max_lag both ways.

    Keys are the Monday of each ISO week. Lag 0 has leader "same". For lag k >= 1, leader "pulse" pairs
    the pulse's change in week w with NPS's change in week w + k, leader "nps" the other way round (r is
    always corr(pulse, nps)). Only lags with at least `min_pairs` paired changes and a defined r are
    tested, ordered: lag 0, then pulse 1..max_lag, then nps 1..max_lag.

    Each lag's p-value uses Fisher's z with Bartlett's effective n. The lag with the smallest p is the
    `standout` only when p < alpha / (lags tested) (Bonferroni); the intervals are the matching
    simultaneous 95% intervals.
    """
    paired = len(pulse.keys() & nps.keys())
    if not pulse or not nps:
        return LagAnalysis(lags=(), standout=None, weeks_paired=paired, alpha=alpha)
    first = min(min(pulse), min(nps)).toordinal()
    weeks = (max(max(pulse), max(nps)).toordinal() - first) // 7 + 1
    pulse_changes = _changes(_by_week(pulse, first, weeks))
    nps_changes = _changes(_by_week(nps, first, weeks))
    found = [_lag_result(pulse_changes, nps_changes, 0, "same", min_pairs)]
    found += [_lag_result(pulse_changes, nps_changes, k, "pulse", min_pairs) for k in range(1, max_lag + 1)]
    found += [_lag_result(nps_changes, pulse_changes, k, "nps", min_pairs) for k in range(1, max_lag + 1)]
    tested = [result for result in found if result is not None]
    if not tested:
        return LagAnalysis(lags=(), standout=None, weeks_paired=paired, alpha=alpha)
    z_crit = normal_quantile(1.0 - alpha / (2 * len(tested)))
    lags = tuple(_simultaneous(result, z_crit) for result in tested)
    best = strongest_lag(lags)
    standout = best if best is not None and best.p < alpha / len(lags) else None
    return LagAnalysis(lags=lags, standout=standout, weeks_paired=paired, alpha=alpha)


_LEADER_ORDER: Mapping[str, int] = {"same": 0, "pulse": 1, "nps": 2}


def strongest_lag(results: Sequence[LagResult]) -> LagResult | None:
    """The result with the smallest p (the largest |r| when p is equal, as for equal n_eff); ties go to the
    smaller lag, then "same" < "pulse" < "nps"."""
    if not results:
        return None
    return min(results, key=lambda res: (res.p, -abs(res.r), res.lag_weeks, _LEADER_ORDER.get(res.leader, 3)))
