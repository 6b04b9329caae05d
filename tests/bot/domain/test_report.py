"""Which periods a day counts in: the report period, the previous one, a chart period, a lag week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.cxmetrics import combine_nps, nps_from_aggregate, nps_from_scores
from bot.domain.report import CxPart, CxTally, ReportSpan

END = date(2026, 3, 25)  # a Wednesday
START = END - timedelta(weeks=4) + timedelta(days=1)  # 2026-02-26
SPAN = ReportSpan(START, END, bucket_weeks=2)


def test_span_reads_back_to_the_earliest_day_any_part_needs() -> None:
    assert SPAN.previous_start == date(2026, 1, 29)
    assert SPAN.lag_start == date(2026, 3, 23) - timedelta(weeks=51)  # the Monday of END's week, 51 weeks back
    # 12 chart periods of two weeks end on END: 168 days. The lag view's 52 weeks reach further back.
    assert SPAN.first_day == SPAN.lag_start


@pytest.mark.parametrize(
    ("day", "period", "chart", "lag"),
    [
        (END, 1, 11, 51),
        (START, 1, 10, 47),  # 27 days back: the second-to-last two-week chart period
        (START - timedelta(days=1), -1, 9, 47),  # 28 days back: a new chart period
        (date(2026, 1, 29), -1, 8, 43),  # the previous period's first day (55 days back)
        (date(2026, 1, 28), 0, 7, 43),
        (END - timedelta(days=13), 1, 11, 49),  # the last chart period's first day
        (END - timedelta(days=14), 1, 10, 49),
        (END - timedelta(days=167), 0, 0, 27),  # the first chart period's first day
        (END - timedelta(days=168), 0, None, 27),
        (date(2026, 3, 23), 1, 11, 51),  # Monday of the last lag week
        (date(2026, 3, 22), 1, 11, 50),  # the Sunday before
        (SPAN.lag_start, 0, None, 0),
        (SPAN.lag_start - timedelta(days=1), 0, None, None),
    ],
)
def test_places_of_a_day(day: date, period: int, chart: int | None, lag: int | None) -> None:
    assert SPAN.places(day) == (period, chart, lag)


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
