"""Dates as survey exports write them, read as the calendar date the respondent saw.

Accepted: ISO 8601 (`2026-03-01`, `2026-03-01T23:30:00-05:00`), `yyyy/mm/dd`, Finnish `d.m.yyyy`, numeric
day/month pairs (`25/12/2021`, `9/8/18`, `05-01-2020`) whose order is decided per column, and month names
in English and Finnish (`26-Aug-23`, `Aug 26, 2023`, `3. joulukuuta 2025`, `3.12.2025`). Each may carry a
time (`12:38:43 PM`, `klo 9.15`) and an offset (`GMT+8`, `+02:00`, `Z`): the date is the one written, an
offset never moves it to another day.

The order of a numeric pair is a property of the column, not of a cell: `DateColumnScan` reads the column
once, and one value whose first number is over 12 (`25/12/2021`) makes the whole column day/month, one
whose second number is over 12 makes it month/day. An admin may declare it (`date_format=d/m/y`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

ORDERS: dict[str, str] = {
    # date_format= values (lower-cased, separators ignored) -> order of a numeric pair
    "dmy": "dmy",
    "ddmmyyyy": "dmy",
    "ddmmyy": "dmy",
    "mdy": "mdy",
    "mmddyyyy": "mdy",
    "mmddyy": "mdy",
    "ymd": "ymd",
    "yyyymmdd": "ymd",
}

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("jan", "january", "tammi", "tammikuu", "tammikuuta"),
        ("feb", "february", "helmi", "helmikuu", "helmikuuta"),
        ("mar", "march", "maalis", "maaliskuu", "maaliskuuta"),
        ("apr", "april", "huhti", "huhtikuu", "huhtikuuta"),
        ("may", "touko", "toukokuu", "toukokuuta"),
        ("jun", "june", "kesä", "kesäkuu", "kesäkuuta"),
        ("jul", "july", "heinä", "heinäkuu", "heinäkuuta"),
        ("aug", "august", "elo", "elokuu", "elokuuta"),
        ("sep", "sept", "september", "syys", "syyskuu", "syyskuuta"),
        ("oct", "october", "loka", "lokakuu", "lokakuuta"),
        ("nov", "november", "marras", "marraskuu", "marraskuuta"),
        ("dec", "december", "joulu", "joulukuu", "joulukuuta"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

# A time after the date: "T23:30", " 12:38:43 PM", " klo 9.15", with an optional offset or zone.
_TIME = (
    r"(?:(?:\s*T\s*|\s+|\s*,\s*)(?:klo\s+)?(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:[.,]\d+)?)?"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?)?)?"
)
_TIME_REST = re.compile(_TIME)
# A time of exactly midnight after a date: " 0:00", " 00:00:00", " 12:00 AM" (dates exported as date-times).
_MIDNIGHT = re.compile(r"\s(?:0?0[:.]00(?:[:.]00(?:[.,]0+)?)?(?!\s*[AaPp])|12[:.]00(?:[:.]00)?\s*[Aa]\.?[Mm])\b")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_SLASH_YMD = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME)
_FINNISH_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})" + _TIME)
_PAIR = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})" + _TIME)
_DAY_NAME = re.compile(r"(\d{1,2})\.?[\s/-]*([^\W\d_]+)\.?[\s/,-]*(\d{4}|\d{2})" + _TIME)
_NAME_DAY = re.compile(r"([^\W\d_]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})" + _TIME)
_WEEKDAY = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|ma|ti|ke|to|pe|la|su|maanantai|tiistai|keskiviikko|torstai|perjantai|lauantai|sunnuntai)\.?,?\s+",
    re.IGNORECASE,
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _named(text: str) -> date | None:
    text = _WEEKDAY.sub("", text)  # "Tue, 26 Aug 2023", "tiistai 3. joulukuuta 2025"
    match = _DAY_NAME.fullmatch(text)
    if match:
        month = _MONTHS.get(match.group(2).lower())
        return _make(_year(match.group(3)), month, int(match.group(1))) if month else None
    match = _NAME_DAY.fullmatch(text)
    if match:
        month = _MONTHS.get(match.group(1).lower())
        return _make(_year(match.group(3)), month, int(match.group(2))) if month else None
    return None


def numeric_pair(text: str) -> tuple[int, int, int] | None:
    """(first, second, year) of a date written as two numbers and a year ("9/8/18", "25-12-2021")."""
    match = _PAIR.fullmatch(text.strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), _year(match.group(3))


def parse_date(text: str, order: str | None = None) -> date | None:
    """The calendar date of a cell, or None. A numeric pair needs `order` ("dmy" or "mdy") unless one of
    its numbers is over 12; without an order an ambiguous pair is None (see DateColumnScan)."""
    text = text.strip()
    # The common ISO case first, without the general patterns.
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and (len(text) == 10 or _TIME_REST.fullmatch(text, 10)):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    match = _ISO_DATE.fullmatch(text) or _SLASH_YMD.fullmatch(text)
    if match:
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    pair = numeric_pair(text)
    if pair is not None:
        first, second, year = pair
        if order == "mdy" or (order is None and second > 12 >= first):
            return _make(year, first, second)
        if order == "dmy" or (order is None and first > 12 >= second):
            return _make(year, second, first)
        return None
    match = _FINNISH_DATE.fullmatch(text)
    if match:
        return _make(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return _named(text)


def parse_order(text: str) -> str | None:
    """`date_format` text ("d/m/y", "mm/dd/yyyy", "y-m-d") -> "dmy" | "mdy" | "ymd", or None."""
    return ORDERS.get(re.sub(r"[^a-z]", "", text.lower()))


@dataclass
class DateColumnScan:
    """Reads a date column once to decide the order of its numeric pairs.

    `decided` is "dmy" or "mdy" when a value settles it, "conflict" when values settle it both ways.
    Without a deciding value, the spans of both readings are kept: a column of response timestamps whose
    dates lie within a fortnight one way and months apart the other (11/1, 11/2, 11/4/2019) is read the
    close way, and the summary says so. A midnight time (`1/3/2026 0:00`) is a date written as a date-time,
    not a timestamp: a monthly column written so (1/1, 1/2, 1/3/2026 0:00) is months apart one way and
    days the other too, and only its writer knows which.
    """

    pairs: int = 0
    day_first: str | None = None  # first value proving d/m
    month_first: str | None = None  # first value proving m/d
    first_ambiguous: str | None = None
    with_time: int = 0
    ambiguous: int = 0
    _dm_low: date | None = None
    _dm_high: date | None = None
    _md_low: date | None = None
    _md_high: date | None = None

    def feed(self, raw: str) -> None:
        if len(raw) >= 10 and raw[4] == "-":  # ISO: no order to decide
            return
        pair = numeric_pair(raw)
        if pair is None:
            return
        first, second, year = pair
        self.pairs += 1
        if first > 12 >= second:
            if self.day_first is None:
                self.day_first = raw
            return
        if second > 12 >= first:
            if self.month_first is None:
                self.month_first = raw
            return
        if first > 12 or second > 12:
            return
        self.ambiguous += 1
        if self.first_ambiguous is None:
            self.first_ambiguous = raw
        if ":" in raw and not _MIDNIGHT.search(raw):
            self.with_time += 1
        day_month, month_day = _make(year, second, first), _make(year, first, second)
        if day_month is not None:
            self._dm_low = min(self._dm_low or day_month, day_month)
            self._dm_high = max(self._dm_high or day_month, day_month)
        if month_day is not None:
            self._md_low = min(self._md_low or month_day, month_day)
            self._md_high = max(self._md_high or month_day, month_day)

    @property
    def decided(self) -> str | None:
        if self.day_first and self.month_first:
            return "conflict"
        if self.day_first:
            return "dmy"
        if self.month_first:
            return "mdy"
        return None

    def closeness(self) -> str | None:
        """The order under which timestamped answers are days apart while the other reading spreads them over
        months; None when the column gives no such evidence (dates without times, or similar spans)."""
        if not self.ambiguous or self.with_time < self.ambiguous:
            return None
        if None in (self._dm_low, self._dm_high, self._md_low, self._md_high):
            return None
        assert self._dm_low and self._dm_high and self._md_low and self._md_high
        dm_span = (self._dm_high - self._dm_low).days
        md_span = (self._md_high - self._md_low).days
        if md_span <= 14 and dm_span >= 56:
            return "mdy"
        if dm_span <= 14 and md_span >= 56:
            return "dmy"
        return None
