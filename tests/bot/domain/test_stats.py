from __future__ import annotations

import itertools
import math
import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.stats import (
    Enps,
    LagResult,
    MeanCI,
    Moments,
    bartlett_effective_n,
    change_beyond_noise,
    correlation,
    enps,
    fisher_ci,
    lag_analysis,
    mean_ci,
    normal_quantile,
    pearson,
    proportion_difference_ci,
    share_rose_beyond_noise,
    strongest_lag,
    t_critical_95,
    week_start,
)

MONDAY = date(2025, 1, 6)


@pytest.mark.parametrize(
    ("df", "expected", "tol"),
    [
        (1, 12.706, 0.001),
        (2, 4.303, 0.001),
        (3, 3.182, 0.001),
        (10, 2.228, 0.001),
        (29, 2.045, 0.001),
        (30, 2.042, 0.001),
        (31, 2.040, 0.001),
        (40, 2.021, 0.001),
        (60, 2.000, 0.01),
        (120, 1.980, 0.01),
        (1000, 1.962, 0.01),
        (10**9, 1.95996, 0.0001),
    ],
)
def test_t_critical_95(df: int, expected: float, tol: float) -> None:
    assert t_critical_95(df) == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize("df", [0, -1, -100])
def test_t_critical_95_no_degrees_of_freedom_is_infinite(df: int) -> None:
    assert t_critical_95(df) == math.inf


def test_t_critical_95_decreases_towards_normal() -> None:
    values = [t_critical_95(df) for df in range(1, 500)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert all(v > 1.959963 for v in values)


@pytest.mark.parametrize(
    ("values", "mean", "half"),
    [
        ([3, 4, 5], 4.0, 4.303 * 1 / math.sqrt(3)),
        ([1, 2, 3, 4, 5], 3.0, 2.776 * math.sqrt(2.5) / math.sqrt(5)),
        ([2, 2, 2, 2], 2.0, 0.0),
        ([4.5, 4.5], 4.5, 0.0),
        ([1, 5], 3.0, 12.706 * math.sqrt(8) / math.sqrt(2)),
    ],
)
def test_mean_ci_known_data(values: list[float], mean: float, half: float) -> None:
    ci = mean_ci(Moments.of(values))
    assert ci is not None
    assert ci.n == len(values)
    assert ci.mean == pytest.approx(mean)
    assert ci.low == pytest.approx(mean - half, abs=2e-3)
    assert ci.high == pytest.approx(mean + half, abs=2e-3)


def test_mean_ci_empty_is_none() -> None:
    assert mean_ci(Moments()) is None
    assert mean_ci(Moments.of([])) is None


def test_mean_ci_single_value_is_unbounded() -> None:
    assert mean_ci(Moments.of([4])) == MeanCI(n=1, mean=4.0, low=-math.inf, high=math.inf)


def test_mean_ci_clamps_negative_variance_from_float_error() -> None:
    # squares slightly below total**2 / n: variance would be a tiny negative number.
    ci = mean_ci(Moments(n=3, total=0.3, squares=0.03 - 1e-18))
    assert ci is not None
    assert ci.low == pytest.approx(0.1)
    assert ci.high == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([], []),
        ([1.0], []),
        ([1.0, 2.0], [3.0]),
        ([3, 4, 5], [1, 1, 2, 5]),
        ([0.5, -2.25], [7.0, 8.0, 9.0]),
    ],
)
def test_moments_addition_equals_concatenation(a: list[float], b: list[float]) -> None:
    combined = Moments.of(a) + Moments.of(b)
    direct = Moments.of(a + b)
    assert combined.n == direct.n
    assert combined.total == pytest.approx(direct.total)
    assert combined.squares == pytest.approx(direct.squares)


def test_moments_add_other_type_is_type_error() -> None:
    with pytest.raises(TypeError):
        _ = Moments() + 1


def _ci(low: float, high: float) -> MeanCI:
    return MeanCI(n=10, mean=(low + high) / 2, low=low, high=high)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (_ci(3.0, 3.5), _ci(3.6, 4.0), True),  # clear rise
        (_ci(3.6, 4.0), _ci(3.0, 3.5), True),  # clear drop
        (_ci(3.0, 3.7), _ci(3.6, 4.0), False),  # overlap
        (_ci(3.0, 3.6), _ci(3.6, 4.0), False),  # touching counts as overlap
        (_ci(3.0, 4.0), _ci(3.2, 3.4), False),  # nested
        (None, _ci(3.6, 4.0), False),
        (_ci(3.0, 3.5), None, False),
        (None, None, False),
        (MeanCI(1, 1.0, -math.inf, math.inf), _ci(4.0, 4.5), False),
    ],
)
def test_change_beyond_noise(previous: MeanCI | None, current: MeanCI | None, expected: bool) -> None:
    assert change_beyond_noise(previous, current) is expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((10, 0, 0), Enps(10, 10, 0, 0, 100.0)),
        ((0, 0, 7), Enps(7, 0, 0, 7, -100.0)),
        ((0, 5, 0), Enps(5, 0, 5, 0, 0.0)),
        ((5, 3, 2), Enps(10, 5, 3, 2, 30.0)),
        ((1, 1, 1), Enps(3, 1, 1, 1, 0.0)),
        ((1, 0, 3), Enps(4, 1, 0, 3, -50.0)),
        ((0, 0, 0), Enps(0, 0, 0, 0, None)),
    ],
)
def test_enps(counts: tuple[int, int, int], expected: Enps) -> None:
    assert enps(*counts) == expected


def test_enps_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        enps(-1, 0, 0)


@pytest.mark.parametrize(
    ("xs", "ys", "expected"),
    [
        ([1, 2, 3, 4], [2, 4, 6, 8], 1.0),
        ([1, 2, 3, 4], [8, 6, 4, 2], -1.0),
        ([1, 2, 3], [10, 20, 30], 1.0),
        ([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], 0.8),
        ([1, 2, 3, 4], [1, -1, -1, 1], 0.0),
    ],
)
def test_pearson(xs: list[float], ys: list[float], expected: float) -> None:
    r = pearson(xs, ys)
    assert r is not None
    assert r == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("xs", "ys"),
    [
        ([], []),
        ([1, 2], [3, 4]),  # n < 3
        ([1, 1, 1, 1], [1, 2, 3, 4]),  # zero variance in x
        ([1, 2, 3, 4], [5, 5, 5, 5]),  # zero variance in y
    ],
)
def test_pearson_undefined(xs: list[float], ys: list[float]) -> None:
    assert pearson(xs, ys) is None
    assert correlation(xs, ys) is None


def test_pearson_length_mismatch() -> None:
    with pytest.raises(ValueError):
        pearson([1, 2, 3], [1, 2])


@pytest.mark.parametrize(
    ("r", "n", "low", "high"),
    [
        (0.5, 20, 0.071, 0.770),
        (0.0, 28, -0.373, 0.373),
        (-0.5, 20, -0.770, -0.071),
        (0.9, 10, 0.622, 0.976),
        (0.3, 3, -1.0, 1.0),
        (0.3, 0, -1.0, 1.0),
    ],
)
def test_fisher_ci(r: float, n: int, low: float, high: float) -> None:
    lo, hi = fisher_ci(r, n)
    assert lo == pytest.approx(low, abs=0.005)
    assert hi == pytest.approx(high, abs=0.005)


@pytest.mark.parametrize("r", [1.0, -1.0])
def test_fisher_ci_perfect_correlation_is_finite(r: float) -> None:
    lo, hi = fisher_ci(r, 10)
    assert -1.0 <= lo <= hi <= 1.0
    assert math.isfinite(lo)
    assert math.isfinite(hi)


@pytest.mark.parametrize(
    ("d", "monday"),
    [
        (date(2025, 1, 6), date(2025, 1, 6)),  # Monday
        (date(2025, 1, 8), date(2025, 1, 6)),  # Wednesday
        (date(2025, 1, 12), date(2025, 1, 6)),  # Sunday
        (date(2025, 1, 1), date(2024, 12, 30)),  # across the year boundary
    ],
)
def test_week_start(d: date, monday: date) -> None:
    assert week_start(d) == monday
    assert week_start(d).weekday() == 0


def _weeks(count: int) -> list[date]:
    return [MONDAY + timedelta(weeks=i) for i in range(count)]


def _pulse_series(count: int, seed: int = 7) -> dict[date, float]:
    rng = random.Random(seed)
    return {w: round(rng.uniform(1.0, 5.0), 3) for w in _weeks(count)}


def _walk(rng: random.Random, weeks: int, step: float, start: float) -> list[float]:
    level, out = start, []
    for _ in range(weeks):
        level += rng.gauss(0.0, step)
        out.append(level)
    return out


def _weekly(values: list[float], first: int = 0) -> dict[date, float]:
    return {MONDAY + timedelta(weeks=first + i): v for i, v in enumerate(values)}


def _independent_walks(seed: int, weeks: int = 52) -> tuple[dict[date, float], dict[date, float]]:
    """A pulse index and an NPS that drift on their own, like real weekly series with trends."""
    rng = random.Random(seed)
    return _weekly(_walk(rng, weeks, 0.1, 3.5)), _weekly(_walk(rng, weeks, 5.0, 20.0))


def _two_week_lead(seed: int, weeks: int = 52) -> tuple[dict[date, float], dict[date, float]]:
    """NPS follows the pulse's level two weeks later, plus its own noise (sd 3 against a signal of 4 a week)."""
    rng = random.Random(seed)
    pulse = _walk(rng, weeks, 0.1, 3.5)
    nps = [40.0 * (pulse[w - 2] - 3.5) + rng.gauss(0.0, 3.0) for w in range(2, weeks)]
    return _weekly(pulse), _weekly(nps, first=2)


@pytest.mark.parametrize("seed", range(20))
def test_a_built_in_two_week_lead_is_found(seed: int) -> None:
    analysis = lag_analysis(*_two_week_lead(seed))
    assert analysis.tested == 17
    best = analysis.standout
    assert best is not None
    assert (best.leader, best.lag_weeks) == ("pulse", 2)
    assert best.r > 0.5 and best.low > 0.0  # the simultaneous interval excludes 0
    assert best.p < analysis.alpha / analysis.tested


@pytest.mark.parametrize("leader", ["nps", "same"])
def test_the_other_directions_are_found_too(leader: str) -> None:
    pulse, nps = _two_week_lead(3)
    if leader == "nps":  # swap the roles: the pulse follows NPS two weeks later
        pulse, nps = {d: v / 40.0 for d, v in nps.items()}, {d: v * 40.0 for d, v in pulse.items()}
        expected = ("nps", 2)
    else:
        nps = {d - timedelta(weeks=2): v for d, v in nps.items()}  # NPS moved back: the same week
        expected = ("same", 0)
    best = lag_analysis(pulse, nps).standout
    assert best is not None and (best.leader, best.lag_weeks) == expected


def test_independent_random_walks_show_no_lag_in_at_least_95_of_100_seeds() -> None:
    named = [seed for seed in range(100) if lag_analysis(*_independent_walks(seed)).standout is not None]
    assert len(named) <= 5, named


def _todays_method_names_a_lag(pulse: dict[date, float], nps: dict[date, float]) -> bool:
    """The method this replaces: raw levels, the strongest of 17 lags, a Fisher interval for independent weeks."""
    best = None
    for lag in range(9):
        for lead, follow in ((pulse, nps), (nps, pulse)) if lag else ((pulse, nps),):
            weeks = [w for w in sorted(lead) if w + timedelta(weeks=lag) in follow]
            c = correlation([lead[w] for w in weeks], [follow[w + timedelta(weeks=lag)] for w in weeks])
            if c is not None and (best is None or abs(c.r) > abs(best.r)):
                best = c
    return best is not None and (best.low > 0 or best.high < 0)


def test_todays_method_fails_the_independent_walks() -> None:
    """Why the change: trends make unrelated series correlate, and the best of 17 looks like a finding."""
    named = sum(_todays_method_names_a_lag(*_independent_walks(seed)) for seed in range(100))
    assert named > 50


def test_lag_analysis_order_and_min_pairs() -> None:
    pulse = _pulse_series(21, seed=1)
    nps = {w: v * 3 for w, v in _pulse_series(21, seed=2).items()}
    results = lag_analysis(pulse, nps, max_lag=8, min_pairs=8).lags
    keys = [(r.leader, r.lag_weeks) for r in results]
    expected = [("same", 0)] + [("pulse", k) for k in range(1, 9)] + [("nps", k) for k in range(1, 9)]
    assert keys == expected  # 21 weeks: 20 changes, even lag 8 leaves 12 pairs
    assert [r.n for r in results[:3]] == [20, 19, 18]
    assert all(-1.0 <= r.r <= 1.0 and r.low <= r.r <= r.high and 0 < r.n_eff <= r.n for r in results)

    # With only 13 weeks (12 changes), lags 5..8 leave fewer than 8 pairs and are not tested.
    cutoff = MONDAY + timedelta(weeks=13)
    short_pulse = {w: v for w, v in pulse.items() if w < cutoff}
    short_nps = {w: v for w, v in nps.items() if w < cutoff}
    analysis = lag_analysis(short_pulse, short_nps)
    keys = [(r.leader, r.lag_weeks) for r in analysis.lags]
    assert keys == [("same", 0)] + [("pulse", k) for k in range(1, 5)] + [("nps", k) for k in range(1, 5)]
    assert analysis.tested == 9 and analysis.weeks_paired == 13


@pytest.mark.parametrize("weeks", [0, 1, 5, 8])
def test_lag_analysis_with_fewer_than_min_pairs_tests_nothing(weeks: int) -> None:
    pulse = _pulse_series(weeks)
    nps = {w: 10 * v for w, v in pulse.items()}
    analysis = lag_analysis(pulse, nps)
    assert analysis.lags == () and analysis.standout is None and analysis.weeks_paired == weeks
    assert strongest_lag(analysis.lags) is None


def test_lag_analysis_skips_undefined_r() -> None:
    pulse = dict.fromkeys(_weeks(12), 4.0)  # no change at all
    nps = {w: float(i * i) for i, w in enumerate(_weeks(12))}
    assert lag_analysis(pulse, nps).lags == ()


def test_lag_analysis_ignores_unpaired_weeks_and_changes_across_gaps() -> None:
    pulse = _pulse_series(12)
    nps = {w: 10 * v for w, v in pulse.items()}
    nps[MONDAY + timedelta(weeks=40)] = 0.0  # no pulse that week
    del nps[MONDAY + timedelta(weeks=5)]  # a missing week: the changes into and out of it are missing
    analysis = lag_analysis(pulse, nps, max_lag=0)
    assert len(analysis.lags) == 1
    assert analysis.lags[0].n == 9  # 11 changes, two of them across the gap
    assert analysis.lags[0].r == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("phi", "low", "high"),
    [
        (0.0, 0.8, 1.0),  # white noise: about n, never more
        (0.9, 0.0, 0.35),  # both strongly autocorrelated: far fewer independent pairs
    ],
)
def test_bartlett_effective_n(phi: float, low: float, high: float) -> None:
    rng = random.Random(5)
    n = 200

    def ar1() -> list[float]:
        x, out = 0.0, []
        for _ in range(n):
            x = phi * x + rng.gauss(0.0, 1.0)
            out.append(x)
        return out

    n_eff = bartlett_effective_n(ar1(), ar1())
    assert low * n <= n_eff <= high * n


@pytest.mark.parametrize(
    ("p", "z"),
    [(0.5, 0.0), (0.975, 1.959963984540054), (0.025, -1.959963984540054), (1 - 0.05 / 34, 2.9738)],
)
def test_normal_quantile(p: float, z: float) -> None:
    assert normal_quantile(p) == pytest.approx(z, abs=1e-4)


def _lag(leader: str, lag: int, r: float) -> LagResult:
    # Equal n_eff: the smallest p is the largest |r|.
    p = math.erfc(abs(math.atanh(r)) * math.sqrt(7) / math.sqrt(2))
    return LagResult(lag_weeks=lag, leader=leader, n=10, r=r, low=-1.0, high=1.0, n_eff=10, p=p)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], None),
        ([_lag("pulse", 1, 0.4)], ("pulse", 1)),
        ([_lag("same", 0, 0.2), _lag("pulse", 3, -0.7), _lag("nps", 1, 0.6)], ("pulse", 3)),  # |r| counts
        ([_lag("pulse", 3, 0.5), _lag("nps", 2, 0.5)], ("nps", 2)),  # tie: smaller lag
        ([_lag("nps", 2, 0.5), _lag("pulse", 2, -0.5)], ("pulse", 2)),  # tie: pulse before nps
        ([_lag("pulse", 1, 0.5), _lag("same", 0, 0.5), _lag("nps", 1, 0.5)], ("same", 0)),
        ([_lag("nps", 4, -0.9), _lag("pulse", 4, 0.9)], ("pulse", 4)),
    ],
)
def test_strongest_lag(results: list[LagResult], expected: tuple[str, int] | None) -> None:
    best = strongest_lag(results)
    if expected is None:
        assert best is None
    else:
        assert best is not None
        assert (best.leader, best.lag_weeks) == expected


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60))
def test_mean_is_inside_its_ci(values: list[float]) -> None:
    ci = mean_ci(Moments.of(values))
    assert ci is not None
    assert ci.n == len(values)
    assert ci.low <= ci.mean <= ci.high
    assert min(values) - 1e-6 <= ci.mean <= max(values) + 1e-6


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=0, max_size=60))
def test_pearson_is_between_minus_one_and_one(pairs: list[tuple[float, float]]) -> None:
    xs = [x for x, _ in pairs]
    ys = [y for _, y in pairs]
    r = pearson(xs, ys)
    if r is not None:
        assert -1.0 <= r <= 1.0
        lo, hi = fisher_ci(r, len(xs))
        assert -1.0 <= lo <= hi <= 1.0


def test_lag_analysis_refuses_a_series_not_keyed_by_mondays() -> None:
    pulse = _pulse_series(10)
    tuesdays = {w + timedelta(days=1): v for w, v in pulse.items()}
    with pytest.raises(ValueError, match="keyed by Mondays"):
        lag_analysis(pulse, tuesdays)
    with pytest.raises(ValueError, match="keyed by Mondays"):
        lag_analysis(tuesdays, tuesdays)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10.
        ((48, 80), (56, 70), (0.2, 0.0524, 0.3339)),
        ((0, 20), (0, 10), (0.0, -0.1611, 0.2775)),
    ],
)
def test_proportion_difference_ci_matches_newcombe(
    before: tuple[int, int], after: tuple[int, int], expected: tuple[float, float, float]
) -> None:
    found = proportion_difference_ci(before[0], before[1], after[0], after[1])
    assert found is not None
    assert [round(v, 4) for v in found] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("before", "after", "rose"),
    [
        ((10, 100), (35, 100), True),
        ((10, 60), (14, 60), False),  # noise at these counts
        ((10, 100), (5, 100), False),  # a fall is not a rise
        ((0, 0), (5, 10), False),  # nothing to compare with
        ((1, 5), (4, 5), False),  # too few answers to tell
    ],
)
def test_share_rose_beyond_noise(before: tuple[int, int], after: tuple[int, int], rose: bool) -> None:
    assert share_rose_beyond_noise(before[0], before[1], after[0], after[1]) is rose
