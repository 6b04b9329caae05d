"""Which periods a day counts in: the report period, the previous one, a chart period, a lag week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.cxmetrics import combine_nps, nps_from_aggregate, nps_from_scores
from bot.domain.report import MAX_POINTS_PER_PERIOD, CxPart, CxTally, ReportSpan

END = date(2026, 3, 25)  # a Wednesday
START = END - timedelta(weeks=4) + timedelta(days=1)  # 2026-02-26
SPAN = ReportSpan(START, END, bucket_weeks=2)


def test_span_reads_back_to_the_earliest_day_any_part_needs() -> None:
    assert SPAN.previous_start == date(2026, 1, 29)
    assert SPAN.lag_start == date(2026, 3, 23) - timedelta(weeks=51)  # the Monday of END's week, 51 weeks back
    # The chart covers the period and the previous one; the lag view's 52 weeks reach further back.
    assert SPAN.first_day == SPAN.lag_start
    assert (SPAN.bucket_days, SPAN.period_points, SPAN.chart_points) == (14, 2, 4)


@pytest.mark.parametrize(
    ("day", "period", "chart", "lag"),
    [
        (END, 1, 3, 51),
        (START, 1, 2, 47),  # 27 days back: the period's first two-week chart period
        (START - timedelta(days=1), -1, 1, 47),  # 28 days back: the previous period's last chart period
        (date(2026, 1, 29), -1, 0, 43),  # the previous period's first day (55 days back)
        (date(2026, 1, 28), 0, None, 43),  # before the previous period: not on the chart
        (END - timedelta(days=13), 1, 3, 49),  # the last chart period's first day
        (END - timedelta(days=14), 1, 2, 49),
        (date(2026, 3, 23), 1, 3, 51),  # Monday of the last lag week
        (date(2026, 3, 22), 1, 3, 50),  # the Sunday before
        (SPAN.lag_start, 0, None, 0),
        (SPAN.lag_start - timedelta(days=1), 0, None, None),
    ],
)
def test_places_of_a_day(day: date, period: int, chart: int | None, lag: int | None) -> None:
    assert SPAN.places(day) == (period, chart, lag)


@pytest.mark.parametrize(
    ("days", "cadence_weeks", "bucket_days", "period_points"),
    [
        (28, 2, 14, 2),  # a 4-week digest of a fortnightly team
        (28, 1, 7, 4),
        (7, 2, 7, 1),  # a chart period is never longer than the report's period
        (10, 1, 7, 2),  # --from/--to: the oldest chart period is shorter (3 days)
        (84, 1, 14, 6),  # 12 weekly points would crowd a phone: two-week periods
        (728, 1, 105, 7),  # 104 weeks: at most 7 points a period
        (728, 26, 182, 4),  # a slow cadence stays
    ],
)
def test_chart_periods_fit_the_report(days: int, cadence_weeks: int, bucket_days: int, period_points: int) -> None:
    span = ReportSpan(END - timedelta(days=days - 1), END, cadence_weeks)
    assert (span.bucket_days, span.period_points) == (bucket_days, period_points)
    assert span.period_points <= MAX_POINTS_PER_PERIOD
    # Chart periods start where the days are placed, and the current ones cover exactly the report's period.
    starts = [span.chart_point_start(i) for i in range(span.chart_points)]
    assert starts[span.period_points] == span.start
    assert starts[0] == span.previous_start
    for index, first in enumerate(starts):
        assert span.places(first).chart == index
        if first > span.previous_start:
            assert span.places(first - timedelta(days=1)).chart == index - 1
    assert span.places(span.previous_start - timedelta(days=1)).chart is None


def test_a_day_after_the_report_has_no_place() -> None:
    with pytest.raises(ValueError, match="after the report's last day"):
        SPAN.places(END + timedelta(days=1))


def test_cx_tally_combines_counts_and_aggregates_like_combine_nps() -> None:
    counted = nps_from_scores([10, 9, 8, 3, 6, 10])
    rows = [
        CxPart(1, 11, 51, "nps", counted.n, 3, 1, 2, 0, None),
        CxPart(1, 11, 51, "nps", 300, 0, 0, 0, 0, 0.0),  # an aggregate row: NPS 0 from 300 answers
    ]
    tally = CxTally()
    for row in rows:
        tally.add(row)
    assert tally.nps.result() == combine_nps([counted, nps_from_aggregate(0.0, 300)])
    assert tally.nps.result().promoters is None  # an aggregate has no breakdown
