"""Dates as exports write them: month names (EN, FI), 12-hour times, offsets, and the per-column day/month order."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.cxdates import DateColumnScan, parse_date, parse_order


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("26-Aug-23", None, date(2023, 8, 26)),
        ("31-Jul-18", None, date(2018, 7, 31)),
        ("Aug 26, 2023", None, date(2023, 8, 26)),
        ("26 August 2023", None, date(2023, 8, 26)),
        ("Tue, 26 Aug 2023", None, date(2023, 8, 26)),
        ("3. joulukuuta 2025", None, date(2025, 12, 3)),
        ("3 joulukuu 2025", None, date(2025, 12, 3)),
        ("tiistai 3. joulukuuta 2025", None, date(2025, 12, 3)),
        ("26-Foo-23", None, None),
        ("2019/10/01 12:38:43 PM GMT+8", None, date(2019, 10, 1)),
        ("2019/10/01 11:59:59 pm GMT-3", None, date(2019, 10, 1)),
        ("2026-03-01T23:30:00+02:00", None, date(2026, 3, 1)),  # the date as written, never moved by the offset
        ("2026-03-01 23:30 UTC+2", None, date(2026, 3, 1)),
        ("25/12/2021", None, date(2021, 12, 25)),  # one number over 12: unambiguous on its own
        ("12/25/2021", None, date(2021, 12, 25)),
        ("1/9/21", None, None),  # ambiguous without the column's order
        ("1/9/21", "dmy", date(2021, 9, 1)),
        ("1/9/21", "mdy", date(2021, 1, 9)),
        ("9/8/18 15:29", "mdy", date(2018, 9, 8)),
        ("05/01/2020 13:03:00", "dmy", date(2020, 1, 5)),
        ("11/1/2019 8:51:12", "mdy", date(2019, 11, 1)),
        ("05-01-2020", "dmy", date(2020, 1, 5)),
        ("31/02/2021", "dmy", None),
        ("25/12/2021", "mdy", None),  # a declared order is kept: 25 is no month
        ("1.3.2026", None, date(2026, 3, 1)),  # Finnish d.m.yyyy is always day first
        ("2024-10-30 15:15:11.744884", None, date(2024, 10, 30)),
    ],
)
def test_parse_date(text: str, order: str | None, expected: date | None) -> None:
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("d/m/y", "dmy"), ("DD/MM/YYYY", "dmy"), ("m/d/y", "mdy"), ("mm-dd-yy", "mdy"), ("y-m-d", "ymd"), ("x", None)],
)
def test_parse_order(text: str, expected: str | None) -> None:
    assert parse_order(text) == expected


@pytest.mark.parametrize(
    ("values", "decided", "close"),
    [
        (["1/9/21", "7/11/21", "25/12/2021"], "dmy", None),  # one value over 12 decides the column
        (["9/8/18 15:29", "8/31/18 18:37"], "mdy", None),
        (["1/2/2021", "3/4/2021"], None, None),  # stays ambiguous: refused with date_format
        (["13/1/2021", "1/13/2021"], "conflict", None),
        (["11/1/2019 8:51:12", "11/2/2019 9:00:00", "11/4/2019 10:00:00"], None, "mdy"),
        (["1/11/2019 8:51:12", "2/11/2019 9:00:00", "4/11/2019 10:00:00"], None, "dmy"),
        (["1/12/2025", "1/1/2026", "1/2/2026"], None, None),  # monthly dates without times: no guess
        (["1/1/2026 0:00", "1/2/2026 0:00", "1/3/2026 0:00"], None, None),  # ... or with midnight: no guess
        (["1/1/2026 00:00:00", "1/2/2026 00:00:00", "1/4/2026 00:00:00"], None, None),
        (["1/1/2026 12:00:00 AM", "1/2/2026 12:00:00 AM", "1/4/2026 12:00 AM"], None, None),
        (["11/1/2019 8:51", "11/2/2019 12:00 PM", "11/4/2019 0:00:00"], None, None),  # a midnight: no guess
        (["11/1/2019 8:51", "11/2/2019 12:00 PM", "11/4/2019 12:38:43 AM"], None, "mdy"),
        (["2026-03-01", "1.3.2026"], None, None),
    ],
)
def test_column_scan_decides_the_order(values: list[str], decided: str | None, close: str | None) -> None:
    scan = DateColumnScan()
    for value in values:
        scan.feed(value)
    assert scan.decided == decided
    assert scan.closeness() == close
