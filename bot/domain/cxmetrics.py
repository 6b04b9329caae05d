"""NPS and CSAT arithmetic for customer-experience feeds. Pure domain code: standard library only.

NPS: promoters answer 9–10, passives 7–8, detractors 0–6; the score is 100 × (promoters − detractors) / n,
between -100 and 100. CSAT: the share of 4–5 answers on a 1–5 scale, as a percent.

Results are combined by their response counts (sum of value × n / sum of n), never by averaging
averages: a day with NPS 50 from 100 answers and a day with NPS 0 from 300 answers make 12.5, not 25.

Aggregate rows (a precomputed value with an optional response count) carry no breakdown, so results built
from them have None counts (promoters, satisfied, ...). An aggregate row without a count weighs as one
response (n = 1): it still counts, but a row with a real count is never outweighed by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class NpsResult:
    n: int
    promoters: int | None
    passives: int | None
    detractors: int | None
    score: float | None  # -100..100; None when n == 0


@dataclass(frozen=True)
class CsatResult:
    n: int
    satisfied: int | None
    percent: float | None  # 0..100; None when n == 0


def nps_from_scores(scores: Iterable[int]) -> NpsResult:
    """NPS of 0–10 answers; values outside 0..10 raise ValueError (the CSV parser never lets them through)."""
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"NPS answers are 0..10, got {score}")
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1
    n = promoters + passives + detractors
    score_value = 100.0 * (promoters - detractors) / n if n else None
    return NpsResult(n, promoters, passives, detractors, score_value)


def csat_from_scores(scores: Iterable[int]) -> CsatResult:
    """CSAT of 1–5 answers: the percent of 4s and 5s. Values outside 1..5 raise ValueError."""
    n = satisfied = 0
    for score in scores:
        if not 1 <= score <= 5:
            raise ValueError(f"CSAT answers are 1..5, got {score}")
        n += 1
        if score >= 4:
            satisfied += 1
    return CsatResult(n, satisfied, 100.0 * satisfied / n if n else None)


def _weight(count: int | None) -> int:
    if count is None:
        return 1
    if count < 1:
        raise ValueError(f"an aggregate's response count must be positive, got {count}")
    return count


def nps_from_aggregate(value: float, count: int | None) -> NpsResult:
    """A precomputed NPS (-100..100) from `count` responses; no count weighs as one response."""
    if not -100.0 <= value <= 100.0:
        raise ValueError(f"NPS is between -100 and 100, got {value}")
    return NpsResult(_weight(count), None, None, None, float(value))


def csat_from_aggregate(value: float, count: int | None) -> CsatResult:
    """A precomputed CSAT percent (0..100) from `count` responses; no count weighs as one response."""
    if not 0.0 <= value <= 100.0:
        raise ValueError(f"CSAT is a percent between 0 and 100, got {value}")
    return CsatResult(_weight(count), None, float(value))


class NpsTally:
    """Adds NPS parts as they come (no list kept): the one place where parts are combined by their n."""

    __slots__ = ("detractors", "n", "passives", "promoters", "weighted")

    def __init__(self) -> None:
        self.n = 0
        self.weighted = 0.0
        # None once a part without a breakdown (an aggregate row) took part.
        self.promoters: int | None = 0
        self.passives: int | None = 0
        self.detractors: int | None = 0

    def add(self, n: int, promoters: int | None, passives: int | None, detractors: int | None, score: float) -> None:
        if n <= 0:
            return
        self.n += n
        self.weighted += score * n
        if (
            self.promoters is None
            or self.passives is None
            or self.detractors is None
            or promoters is None
            or passives is None
            or detractors is None
        ):
            self.promoters = self.passives = self.detractors = None
        else:
            self.promoters += promoters
            self.passives += passives
            self.detractors += detractors

    def add_counts(self, promoters: int, passives: int, detractors: int) -> None:
        """Answers counted by category (the per-day counts of response rows)."""
        n = promoters + passives + detractors
        if n:
            self.add(n, promoters, passives, detractors, 100.0 * (promoters - detractors) / n)

    def result(self) -> NpsResult:
        n = self.n
        if n == 0:
            return NpsResult(0, 0, 0, 0, None)
        promoters, passives, detractors = self.promoters, self.passives, self.detractors
        if promoters is not None and passives is not None and detractors is not None:
            return NpsResult(n, promoters, passives, detractors, 100.0 * (promoters - detractors) / n)
        return NpsResult(n, None, None, None, self.weighted / n)


class CsatTally:
    """Adds CSAT parts as they come, weighted by n; `satisfied` is None once a part lacks it."""

    __slots__ = ("n", "satisfied", "weighted")

    def __init__(self) -> None:
        self.n = 0
        self.weighted = 0.0
        self.satisfied: int | None = 0

    def add(self, n: int, satisfied: int | None, percent: float) -> None:
        if n <= 0:
            return
        self.n += n
        self.weighted += percent * n
        if self.satisfied is None or satisfied is None:
            self.satisfied = None
        else:
            self.satisfied += satisfied

    def add_counts(self, n: int, satisfied: int) -> None:
        if n:
            self.add(n, satisfied, 100.0 * satisfied / n)

    def result(self) -> CsatResult:
        if self.n == 0:
            return CsatResult(0, 0, None)
        if self.satisfied is not None:
            return CsatResult(self.n, self.satisfied, 100.0 * self.satisfied / self.n)
        return CsatResult(self.n, None, self.weighted / self.n)


def combine_nps(results: Iterable[NpsResult]) -> NpsResult:
    """One NPS from many, weighted by n. Counts are summed when every part has them, else None."""
    tally = NpsTally()
    for result in results:
        if result.score is not None:
            tally.add(result.n, result.promoters, result.passives, result.detractors, result.score)
    return tally.result()


def combine_csat(results: Iterable[CsatResult]) -> CsatResult:
    """One CSAT from many, weighted by n. `satisfied` is summed when every part has it, else None."""
    tally = CsatTally()
    for result in results:
        if result.percent is not None:
            tally.add(result.n, result.satisfied, result.percent)
    return tally.result()
