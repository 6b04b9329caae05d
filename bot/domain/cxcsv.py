"""Customer-experience survey CSVs: decoding, header recognition, row validation and stable row keys.

Pure domain code: standard library only, no Slack and no database. Two file shapes are understood:

* "responses": one survey answer per line, with a date and a score. The score column decides the metric:
  a column named like NPS ("nps", "likelihood to recommend", "How likely are you to recommend us?") holds
  0–10 NPS answers, a CSAT column ("csat", "satisfaction") holds 1–5 answers. A generic "score"/"rating"
  column takes its metric from a per-row `metric` column (nps/csat) when there is one; without one it is
  NPS (0–10). A file may carry both an NPS and a CSAT column; every non-empty score becomes its own row.
* "aggregates": one precomputed figure per line: date, metric (nps/csat), value (NPS -100..100, CSAT
  percent 0..100) and an optional response count. Chosen when the header has a value and a metric column
  and no score-like column.

Dates are read as written (bot.domain.cxdates): the day/month order of a column is decided from the
column itself, or declared with `date_format=`. Scales (bot.domain.cxscales): NPS is 0–10, CSAT is read on
the scale the file uses, and a generic score whose values never exceed 5 is never taken as NPS. Such
decisions come from whole columns, so they hold for every row: the columns are tallied before the rows are
parsed, or, for a long file, beside the parse and confirmed at its end (`iter_cx_csv`, `provisional`). A
file that cannot be read right is refused with a mapping that reads it (`CxFileRejected.suggestion`).

Row keys identify a row across imports of a growing feed: "id:<metric>:<response id>" when the file has an
id column, else "h:" + a SHA-256 of the normalised row. Identical rows without an id (two customers giving
the same score on the same day) are told apart by their occurrence number within the file, so they are
not merged; appending rows to a feed never changes the keys of the rows already in it.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from operator import itemgetter
from typing import Any

from bot.domain.cxdates import DateColumnScan, parse_date, parse_order
from bot.domain.cxencoding import decode_bytes
from bot.domain.cxmapping import (
    FIRST_SEEN,
    METRIC_CONSTANTS,
    ROLES,
    column_number,
    format_mapping,
    parse_column_mapping,
)
from bot.domain.cxscales import (
    CSAT_DEFAULT,
    CSAT_SCALES,
    NO_ANSWER_WORDS,
    NPS_SCALE,
    Scale,
    csat_word,
    header_scale,
    parse_scale,
)

__all__ = ["ROLES", "decode_bytes", "format_mapping", "parse_column_mapping", "parse_date"]

METRICS: tuple[str, ...] = ("nps", "csat")

# Reason codes of RowRejection; each has the catalog key "cxfeed.reason.<code>" (bot/i18n/parts/cxfeed.py).
ROW_REJECTION_CODES: tuple[str, ...] = (
    "missing_date",
    "date_unparseable",
    "missing_score",
    "score_not_a_number",
    "score_not_integer",
    "score_out_of_range",
    "missing_metric",
    "metric_unknown",
    "missing_value",
    "value_not_a_number",
    "value_out_of_range",
    "count_invalid",
    "counts_invalid",
    "total_mismatch",
    "row_malformed",
)
# Codes of CxFileRejected; each has the catalog key "cxfeed.rejected.<code>".
FILE_REJECTION_CODES: tuple[str, ...] = (
    "empty",
    "no_header",
    "no_date",
    "no_date_column",
    "several_dates",
    "date_ambiguous",
    "date_conflict",
    "no_score",
    "score_is_csat",
    "csat_scale",
    "nps_looks_aggregate",
    "no_metric",
    "mapped_column_missing",
    "no_rows",
    "xlsx_unreadable",
    "xlsx_no_sheet",
)

SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}
VALUE_RANGES: dict[str, tuple[float, float]] = {"nps": (-100.0, 100.0), "csat": (0.0, 100.0)}

DETAIL_MAX_CHARS = 40
ROW_KEY_MAX_CHARS = 90
HEADER_SEARCH_LINES = 5  # leading junk lines (titles, notes) tolerated before the header
HEADER_MAX_PHYSICAL_LINES = 20  # a header cell with quoted newlines may span this many lines
EXTRA_HEADER_ROWS = 2  # survey-tool rows right under the header (question text, ImportId JSON)

# Header synonyms, compared after _normalise_header (lowercase, no whitespace, underscores or hyphens).
# Order matters within a role: the first synonym found in the header wins.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "responsedate",
        "submittedat",
        "submitted",
        "enddate",
        "recordeddate",
        "createdat",
        "created",
        "timestamp",
        "completedat",
        "finishedat",
        "datetime",
        "time",
        "surveydate",
        "responsedate",
        "completiondate",
        "completeddate",
        "päivämäärä",
        "vastausaika",
        "vastauspäivä",
        "päiväys",
        "pvm",
        "aika",
    ),
    "nps": (
        "nps",
        "npsscore",
        "netpromoterscore",
        "likelihoodtorecommend",
        "howlikelyareyoutorecommend",
        "suositteluhalukkuus",
        "suosittelu",
    ),
    "csat": ("csat", "csatscore", "satisfaction", "customersatisfaction", "tyytyväisyys", "asiakastyytyväisyys"),
    "score": ("score", "rating", "arvosana", "arvio", "pisteet"),
    "team": (
        "team",
        "teamname",
        "segment",
        "unit",
        "department",
        "tiimi",
        "yksikkö",
        "osasto",
        "group",
        "ryhmä",
        "store",
        "market",
        "tienda",
        "myymälä",
    ),
    "comment": (
        "comment",
        "comments",
        "feedback",
        "openfeedback",
        "text",
        "reason",
        "verbatim",
        "kommentti",
        "kommentit",
        "palaute",
        "avoinpalaute",
        "perustelu",
    ),
    "id": ("id", "responseid", "respondentid", "recordid", "submissionid", "vastausid", "tunniste"),
    "metric": ("metric", "type", "mittari", "tyyppi"),
    "value": ("value", "arvo"),
    "promoters": ("promoters", "promotores", "promoottorit", "suosittelijat"),
    "passives": ("passives", "neutros", "neutrals", "passiivit", "neutraalit"),
    "detractors": ("detractors", "detractores", "arvostelijat", "kriitikot"),
    "count": (
        "count",
        "responses",
        "n",
        "responsecount",
        "responsescount",
        "totalresponses",
        "vastaukset",
        "vastauksia",
        "vastausmäärä",
        "lkm",
    ),
}
_SYNONYM_ROLE: dict[str, str] = {}
_SYNONYM_RANK: dict[str, int] = {}
for _role, _names in _SYNONYMS.items():
    for _rank, _name in enumerate(_names):
        _SYNONYM_ROLE.setdefault(_name, _role)
        _SYNONYM_RANK.setdefault(_name, _rank)

# Words that make an unrecognised column a comment, an NPS or a CSAT column ("Q1_NPS", "Why this score?").
_COMMENT_WORDS = frozenset(
    {"comment", "comments", "feedback", "reason", "why", "verbatim", "kommentti", "palaute", "perustelu", "miksi"}
)
_NPS_FRAGMENTS = ("recommend", "likelihood", "suosittel")
_CSAT_FRAGMENTS = ("satisfaction", "satisfied", "tyytyv")
# "Q1_NPS_GROUP" holds promoter/passive/detractor categories, not scores.
_NOT_A_SCORE_WORDS = frozenset({"group", "category", "class", "segment", "ryhmä", "luokka", "text", "topics"})

_METRIC_VALUES: dict[str, str] = {
    "nps": "nps",
    "netpromoterscore": "nps",
    "csat": "csat",
    "customersatisfaction": "csat",
    "customersatisfactionscore": "csat",
    "csatscore": "csat",
    "npsscore": "nps",
}

_HEADER_JUNK = re.compile(r"[\s_\-.:?*()\[\]\"'\ufeff]+")
_WORDS = re.compile(r"[^\W_]+")
_SEP_LINE = re.compile(r'\s*"?sep=(.)"?\s*', re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_LETTER = re.compile(r"[^\W\d_]")
_SPACES = re.compile(r"[ \u00a0\u202f]")
_SPACED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?")
_GROUPED_COUNT = re.compile(r"\d{1,3}(?:([ \u00a0\u202f,.])\d{3})(?:\1\d{3})*")


# ---------------------------------------------------------------------------------------------------------
# Small parsers


def parse_number(text: str) -> float | None:
    """ "8", "8.0", "8,0", " 9 ", "87,5 %", "-12" → a float; None for anything else (no exponents, no NaN)."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    if text.endswith("%"):
        text = text[:-1].rstrip()
    text = text.replace("\u2212", "-")
    if not _NUMBER.fullmatch(text):
        if _SPACED_THOUSANDS.fullmatch(text):  # "1 234", "1 234,5": a space never is a decimal mark
            return float(_SPACES.sub("", text).replace(",", "."))
        return None
    return float(text.replace(",", "."))


def parse_count(text: str) -> int | None:
    """A response count: "1234", "1 234", "1,234", "1.234" (thousands separators) or "12.0"; else None."""
    text = text.strip()
    if _GROUPED_COUNT.fullmatch(text):
        return int(re.sub(r"[^\d]", "", text))
    number = parse_number(text)
    if number is None or not number.is_integer():
        return None
    return int(number)


# ---------------------------------------------------------------------------------------------------------
# Results


class CxFileRejected(Exception):
    """The file cannot be read right; nothing in it was stored. `code` is a catalog suffix (cxfeed.rejected.*),
    `column` and `detail` fill its text, and `suggestion` is a mapping that reads the file (or None)."""

    def __init__(
        self,
        code: str,
        found_columns: list[str] | None = None,
        *,
        column: str = "",
        detail: str = "",
        suggestion: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.found_columns: list[str] = list(found_columns or [])
        self.column = column
        self.detail = detail
        self.suggestion = suggestion
        super().__init__(f"{code}: {', '.join(self.found_columns)}" if self.found_columns else code)


@dataclass(slots=True)  # built once per row: plain slots are the cheapest to make
class CxResponseRow:
    line: int
    day: date
    metric: str  # "nps" | "csat"
    score: int
    team: str | None
    comment: str | None
    row_key: str
    scale_max: int | None = None  # a CSAT scale's top when it is not 1–5 (top two = scale_max - 1 and up)


@dataclass(slots=True)  # built once per row: plain slots are the cheapest to make
class CxAggregateRow:
    line: int
    day: date
    metric: str  # "nps" | "csat"
    value: float  # NPS -100..100, CSAT percent 0..100
    count: int | None
    team: str | None
    row_key: str


@dataclass(slots=True)  # built once per row: plain slots are the cheapest to make
class RowRejection:
    line: int
    code: str  # one of ROW_REJECTION_CODES
    detail: str  # the offending raw value, at most DETAIL_MAX_CHARS characters


CxRow = CxResponseRow | CxAggregateRow
CxItem = CxResponseRow | CxAggregateRow | RowRejection


@dataclass
class CxParseResult:
    shape: str  # "responses" | "aggregates"
    columns: list[str]
    rows_read: int
    rows: list[CxResponseRow | CxAggregateRow] = field(default_factory=list)
    rejections: list[RowRejection] = field(default_factory=list)


@dataclass(frozen=True)
class ScoreColumn:
    index: int
    metric: str | None  # "nps" | "csat" | None: a generic score whose metric a metric column gives per row
    scale: Scale


@dataclass(frozen=True)
class CxHeader:
    """How the file is read: its shape, which column plays which role (indexes or None), and the decisions
    taken from the whole column (date order, scales)."""

    shape: str
    columns: list[str]
    line: int  # physical line of the header
    delimiter: str
    date_index: int | None  # None: every row dated `first_seen` (date=@first-seen)
    score_columns: tuple[ScoreColumn, ...] = ()
    team_index: int | None = None
    comment_index: int | None = None
    id_index: int | None = None
    metric_index: int | None = None
    value_index: int | None = None
    count_index: int | None = None
    metric_constant: str | None = None
    counts: tuple[int, int, int] | None = None  # promoter, passive and detractor count columns
    date_order: str | None = None  # "dmy" | "mdy" for numeric day/month pairs
    first_seen: date | None = None
    notes: tuple[tuple[str, str], ...] = ()  # (catalog suffix cxfeed.note.*, detail) shown in the summary


# ---------------------------------------------------------------------------------------------------------
# Header recognition


def _normalise_header(name: str) -> str:
    return _HEADER_JUNK.sub("", name.lower())


def _sniff_delimiter(line: str) -> str:
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])  # ties: dict order prefers the comma
    return best if counts[best] else ","


def _fuzzy_role(name: str) -> str | None:
    lowered = name.lower()
    words = set(_WORDS.findall(lowered))
    if words & _COMMENT_WORDS:
        return "comment"
    if words & _NOT_A_SCORE_WORDS:
        return None
    if "nps" in words or any(fragment in lowered for fragment in _NPS_FRAGMENTS):
        return "nps"
    if "csat" in words or any(fragment in lowered for fragment in _CSAT_FRAGMENTS):
        return "csat"
    return None


_DATE_WORDS = frozenset({"date", "timestamp", "päivämäärä", "pvm", "päiväys", "vastausaika", "aikaleima", "fecha"})
_DATE_PREFERRED = ("survey", "response", "answer", "submitted", "completion", "completed", "resolved", "vastaus")


def _date_like(name: str) -> bool:
    """Date headers by pattern: survey_date, Completion Date, Timestamp, created_at, päivämäärä, pvm."""
    lowered = name.strip().lower()
    words = set(_WORDS.findall(lowered.replace("_", " ")))
    if words & _DATE_WORDS or lowered.endswith(("_at", " at", "date", "pvm", "päivämäärä", "aika")):
        return True
    return any(word in lowered for word in ("päivämäärä", "timestamp"))


def _normalise_mapping(mapping: dict[str, str] | None) -> dict[str, str]:
    if not mapping:
        return {}
    normalised: dict[str, str] = {}
    for role, column in mapping.items():
        key = role.strip().lower()
        if key not in ROLES:
            raise ValueError(f"unknown role '{role}' (use one of: {', '.join(ROLES)})")
        if not column or not column.strip():
            raise ValueError(f"'{key}' has no column name")
        normalised[key] = column.strip()
    return normalised


@dataclass
class _Plan:
    """Roles assigned from the header alone; `finish` turns it into a CxHeader once the columns are read."""

    columns: list[str]
    line: int
    delimiter: str
    explicit: dict[str, str]
    roles: dict[str, int]
    date_candidates: list[int]
    scores: list[tuple[int, str | None]]  # (index, "nps" | "csat" | None)
    fuzzy: set[int]  # score columns found by words in a long header, not by name or mapping
    shape: str
    metric_constant: str | None
    first_seen: bool

    @property
    def strength(self) -> int:
        return int(bool(self.date_candidates) or self.first_seen) + int(bool(self.scores) or self.shape == "aggregates")


def _find_column(found: list[str], normalised: list[str], wanted: str) -> int | None:
    index = next((i for i, cell in enumerate(found) if cell.lower() == wanted.lower()), None)
    if index is None:
        wanted_normalised = _normalise_header(wanted)
        index = next((i for i, cell in enumerate(normalised) if cell and cell == wanted_normalised), None)
    if index is None:
        number = column_number(wanted)
        if number is not None and number < len(found):
            index = number
    return index


def _plan(columns: list[str], mapping: dict[str, str] | None, *, line: int = 1, delimiter: str = ",") -> _Plan:
    found = [cell.strip().lstrip("\ufeff").strip() for cell in columns]
    if not any(found):
        raise CxFileRejected("no_header", found)
    normalised = [_normalise_header(cell) for cell in found]
    roles: dict[str, int] = {}
    explicit = _normalise_mapping(mapping)
    metric_constant = None
    first_seen = False
    for role, wanted in explicit.items():
        if role in ("date_format", "scale", "sheet"):
            continue
        if role == "metric" and wanted.lower() in METRIC_CONSTANTS:
            metric_constant = wanted.lower()
            continue
        if role == "date" and wanted.lower() == FIRST_SEEN:
            first_seen = True
            continue
        index = _find_column(found, normalised, wanted)
        if index is None:
            raise CxFileRejected("mapped_column_missing", found, column=wanted)
        roles[role] = index
    taken = set(roles.values())
    score_mapped = any(role in explicit for role in ("score", "nps", "csat"))
    shape_aggregates = "value" in explicit

    def open_role(role: str) -> bool:
        if role in roles or (role == "date" and first_seen):
            return False
        if role in ("score", "nps", "csat"):
            return not score_mapped and not shape_aggregates
        return True

    # Exact synonyms; within a role the best-ranked synonym wins, then the leftmost column.
    best: dict[str, tuple[int, int]] = {}
    for index, name in enumerate(normalised):
        exact = _SYNONYM_ROLE.get(name)
        if exact is None or index in taken or not open_role(exact):
            continue
        rank = (_SYNONYM_RANK[name], index)
        if exact not in best or rank < best[exact]:
            best[exact] = rank
    for exact, (_rank, index) in best.items():
        roles[exact] = index
        taken.add(index)
    # Date columns by pattern (survey_date, Completion Date, created_at): one is taken, several are a choice.
    date_candidates: list[int] = []
    if "date" in roles:
        date_candidates = [roles["date"]]
    elif not first_seen:
        date_candidates = [i for i, name in enumerate(found) if i not in taken and name and _date_like(name)]
    # Descriptive names ("How likely are you to recommend us?", "Q1_NPS", "Why this score?").
    fuzzy: dict[str, list[int]] = {}
    for index, name in enumerate(found):
        if index in taken or normalised[index] in _SYNONYM_ROLE or index in date_candidates:
            continue
        guessed = _fuzzy_role(name)
        if guessed is not None and open_role(guessed):
            fuzzy.setdefault(guessed, []).append(index)
    for role in ("comment",):
        if role in fuzzy:
            roles[role] = fuzzy[role][0]
    scores: list[tuple[int, str | None]] = []
    fuzzy_scores: set[int] = set()
    for metric in ("nps", "csat"):
        if metric in roles:
            scores.append((roles[metric], metric))
        for index in fuzzy.get(metric, []):
            scores.append((index, metric))
            fuzzy_scores.add(index)
    if "score" in roles and (not scores or "score" in explicit):
        scores.append((roles["score"], None))
    value_header = found[roles["value"]] if "value" in roles else ""
    if (
        not scores
        and "value" in roles
        and (shape_aggregates or "metric" in roles or metric_constant or _metric_of_header(value_header) is not None)
    ):
        shape = "aggregates"
        if metric_constant is None and "metric" not in roles:
            metric_constant = _metric_of_header(value_header)
    else:
        shape = "responses"
    return _Plan(
        columns=found,
        line=line,
        delimiter=delimiter,
        explicit=explicit,
        roles=roles,
        date_candidates=date_candidates,
        scores=sorted(scores),
        fuzzy=fuzzy_scores,
        shape=shape,
        metric_constant=metric_constant,
        first_seen=first_seen,
    )


def _metric_of_header(name: str) -> str | None:
    words = set(_WORDS.findall(name.lower().replace("_", " ")))
    if "nps" in words or "npsscore" in words:
        return "nps"
    if "csat" in words:
        return "csat"
    return None


# ---------------------------------------------------------------------------------------------------------
# The column scan: the decisions' evidence, tallied from whole columns


@dataclass
class _NumberStats:
    numbers: int = 0
    words: int = 0  # satisfaction words ("very satisfied", "good")
    other: int = 0  # neither a number nor a word Pulssi knows
    non_integer: int = 0
    outside: int = 0  # numbers outside 0–10
    low: float | None = None
    high: float | None = None
    examples: list[str] = field(default_factory=list)  # values outside 0–10

    def feed(self, raw: str, times: int = 1) -> None:
        """Count `raw` (a stripped cell) `times` times: the scan tallies repeated cells and feeds each once."""
        if not raw or raw.lower() in NO_ANSWER_WORDS:
            return
        number = parse_number(raw)
        if number is None:
            if csat_word(raw) is not None:
                self.words += times
            else:
                self.other += times
            return
        self.numbers += times
        if not number.is_integer():
            self.non_integer += times
        if self.low is None or number < self.low:
            self.low = number
        if self.high is None or number > self.high:
            self.high = number
        if number < 0 or number > 10:
            self.outside += times
            if len(self.examples) < 3:
                self.examples.append(raw)


@dataclass
class _Scan:
    dates: DateColumnScan | None
    numbers: dict[int, _NumberStats]
    dated: dict[int, int]  # column -> values that read as dates (only when no date column is known)
    non_empty: dict[int, int]
    rows: int = 0


# Distinct cells a column remembers while it is read (the scan's tallies, the parse's decoded dates and
# scores). Dates and scores repeat, so a few thousand cover a million rows; a column of distinct values
# (timestamps to the second) stops adding at this bound and is read cell by cell, in bounded memory.
MEMO_LIMIT = 20_000


SCAN_CHUNK = 500  # records the scan takes at a time: their distinct cells are counted in C


class _ColumnTally:
    """The column scan, record by record: `add` takes records as they are read, `result` gives the _Scan of
    everything added. The same tally is run before the parse (the whole file, or the beginning of it) and
    beside it (see CxRowStream.confirm), so the two readings of a column never differ."""

    def __init__(self, plan: _Plan) -> None:
        date_index = plan.roles.get("date") if len(plan.date_candidates) == 1 else None
        if date_index is None and len(plan.date_candidates) == 1:
            date_index = plan.date_candidates[0]
        self.date_index = date_index
        indexes = [index for index, _metric in plan.scores]
        if plan.shape == "aggregates" and "value" in plan.roles:
            indexes.append(plan.roles["value"])
        self.look_for_dates = date_index is None and not plan.first_seen
        self.scan = _Scan(
            DateColumnScan() if date_index is not None else None, {i: _NumberStats() for i in indexes}, {}, {}
        )
        # Each distinct cell is decoded once: a date's order evidence doesn't depend on how often it occurs
        # (only whether every ambiguous one has a time), and a score's counts are tallied and fed with their
        # number at the end.
        self.seen_dates: set[str] = set()
        self.tallies: list[tuple[int, dict[str, int]]] = [(index, {}) for index in indexes]
        self.width = max([*indexes, -1 if date_index is None else date_index]) + 1

    def add(self, records: list[list[str]], *, kept: bool = False) -> None:
        """Count `records` (a chunk): their distinct date and score cells are found in C (dict.fromkeys,
        Counter, in order of first appearance), and only those are looked at in Python. A chunk that would fill
        a column's memory (MEMO_LIMIT) is read cell by cell, so the result doesn't depend on the chunks' sizes.
        `kept`: blank records are already left out."""
        if not kept:
            records = [record for record in records if record and (record[0].strip() or "".join(record).strip())]
        if not records:
            return
        width = self.width
        if min(map(len, records)) < width:
            records = [record if len(record) >= width else record + [""] * (width - len(record)) for record in records]
        scan = self.scan
        if self.look_for_dates and scan.rows < 200:
            non_empty, dated = scan.non_empty, scan.dated
            for record in records[: 200 - scan.rows]:
                for index, cell in enumerate(record):
                    cell = cell.strip()
                    if cell:
                        non_empty[index] = non_empty.get(index, 0) + 1
                        if _LETTER.search(cell) is None and parse_date(cell, "dmy") is not None:
                            dated[index] = dated.get(index, 0) + 1
        scan.rows += len(records)
        if self.date_index is not None:
            dates, seen_dates = scan.dates, self.seen_dates
            assert dates is not None
            distinct = dict.fromkeys(map(itemgetter(self.date_index), records))
            new = distinct.keys() - seen_dates  # in C: a long file's chunks mostly repeat days already seen
            if new and len(seen_dates) + len(new) <= MEMO_LIMIT:
                seen_dates.update(new)
                for cell in distinct:  # in order of first appearance, so the examples are the first ones
                    if cell in new:
                        dates.feed(cell.strip())
            elif new:
                for cell in map(itemgetter(self.date_index), records):
                    if cell not in seen_dates:
                        if len(seen_dates) < MEMO_LIMIT:
                            seen_dates.add(cell)
                        dates.feed(cell.strip())
        for index, tally in self.tallies:
            counted = Counter(map(itemgetter(index), records))
            if len(tally) + len(counted) <= MEMO_LIMIT:
                for cell, times in counted.items():
                    tally[cell] = tally.get(cell, 0) + times
                continue
            stats = scan.numbers[index]
            for record in records:
                cell = record[index]
                count = tally.get(cell)
                if count is not None:
                    tally[cell] = count + 1
                elif len(tally) < MEMO_LIMIT:
                    tally[cell] = 1
                else:
                    stats.feed(cell.strip())

    def result(self) -> _Scan:
        """The scan of every record added so far (the tally itself goes on unchanged)."""
        scan = self.scan
        numbers = {
            index: dataclasses.replace(stats, examples=list(stats.examples)) for index, stats in scan.numbers.items()
        }
        dates = dataclasses.replace(scan.dates) if scan.dates is not None else None
        for index, tally in self.tallies:
            stats = numbers[index]
            for cell, count in tally.items():  # in order of first appearance, so the examples are the first ones
                stats.feed(cell.strip(), count)
        return _Scan(dates, numbers, dict(scan.dated), dict(scan.non_empty), scan.rows)


def _scan(plan: _Plan, records: Iterator[list[str]]) -> _Scan:
    tally = _ColumnTally(plan)
    while chunk := list(islice(records, SCAN_CHUNK)):
        tally.add(chunk)
    return tally.result()


def _finish(plan: _Plan, scan: _Scan, today: date | None) -> CxHeader:
    """Decisions from the whole columns; raises CxFileRejected with the mapping that reads the file."""
    found = plan.columns
    explicit = plan.explicit
    fix: dict[str, str] = dict(explicit)
    problems: list[CxFileRejected] = []
    notes: list[tuple[str, str]] = []

    def refuse(code: str, *, column: str = "", detail: str = "") -> None:
        problems.append(CxFileRejected(code, found, column=column, detail=detail))

    # The date column.
    date_index: int | None = None
    date_order: str | None = None
    if plan.first_seen:
        if today is None:
            raise ValueError("date=@first-seen needs today's date")
    elif len(plan.date_candidates) == 1:
        date_index = plan.date_candidates[0]
    elif plan.date_candidates:
        ranked = sorted(
            plan.date_candidates,
            key=lambda i: (not any(word in found[i].lower() for word in _DATE_PREFERRED), i),
        )
        refuse("several_dates", column=found[ranked[0]], detail=", ".join(found[i] for i in plan.date_candidates))
        fix["date"] = found[ranked[0]]
    elif any(parse_date(cell, "dmy") for cell in found):
        raise CxFileRejected("no_header", found)  # the first line is data: the file has no header
    else:
        holding = [i for i, count in scan.dated.items() if count and count >= 0.9 * scan.non_empty.get(i, 0)]
        if holding:
            refuse("no_date_column", column=found[holding[0]])
            fix["date"] = found[holding[0]]
        else:
            refuse("no_date")
            fix["date"] = FIRST_SEEN
    declared = explicit.get("date_format")
    if declared:
        order = parse_order(declared)
        date_order = order if order in ("dmy", "mdy") else None
    elif scan.dates is not None and date_index is not None:
        decided = scan.dates.decided
        if decided == "conflict":
            refuse(
                "date_conflict",
                column=found[date_index],
                detail=f"{scan.dates.day_first} / {scan.dates.month_first}",
            )
        elif decided is not None:
            date_order = decided
        elif scan.dates.ambiguous:
            # Only answers are timestamped as they come in; a row per period is dated by the period.
            close = scan.dates.closeness() if plan.shape == "responses" else None
            if close is not None:
                date_order = close
                notes.append(("date_order_close", "m/d/y" if close == "mdy" else "d/m/y"))
            else:
                # Only the admin knows the order: no mapping is suggested, the text names both.
                refuse("date_ambiguous", column=found[date_index])
                fix["date_format"] = "?"

    # Score columns and their scales.
    score_columns: list[ScoreColumn] = []
    declared_scale = parse_scale(explicit["scale"]) if "scale" in explicit else None
    kept_scores: list[tuple[int, str | None]] = []
    for index, metric in plan.scores:
        stats = scan.numbers.get(index, _NumberStats())
        if index in plan.fuzzy and stats.numbers + stats.words == 0 and stats.other:
            continue  # "Recommend: Strongly agree" is a Likert item, not a score
        kept_scores.append((index, metric))
    others_named = [i for i, _m in kept_scores]
    for index, metric in kept_scores:
        stats = scan.numbers.get(index, _NumberStats())
        name = found[index]
        stated = header_scale(name)
        role_name = next(
            (
                r
                for r in ("nps", "csat", "score")
                if explicit.get(r) and _find_column(found, [_normalise_header(c) for c in found], explicit[r]) == index
            ),
            None,
        )
        if metric is None and plan.roles.get("metric") is not None:
            score_columns.append(ScoreColumn(index, None, NPS_SCALE))
            continue
        if metric is None:
            # A generic score/rating: NPS only when its answers go above 5 (or the header says 0-10).
            if stated == NPS_SCALE or (stats.high is not None and stats.high > 5 and stated is None):
                metric = "nps"
            elif stats.numbers or stats.words:
                refuse("score_is_csat", column=name, detail=_number_text(stats.high))
                fix.pop(role_name or "score", None)
                fix["csat"] = name
                continue
            else:
                metric = "nps"
        if metric == "nps":
            # Values outside 0–10 in more than one answer in twenty are results (an NPS per row), not answers.
            if stats.outside > 2 and stats.outside * 20 > stats.numbers:
                refuse("nps_looks_aggregate", column=name, detail=", ".join(stats.examples))
                fix.pop(role_name or "nps", None)
                fix["value"] = name
                if "count" in plan.roles:
                    fix["count"] = found[plan.roles["count"]]
                if _metric_of_header(name) is None:
                    fix["metric"] = "nps"
                continue
            score_columns.append(ScoreColumn(index, "nps", NPS_SCALE))
            continue
        # CSAT: declared, stated in the header, or 1–5 when no answer goes above 5.
        scale = declared_scale or (stated if stated in CSAT_SCALES else None)
        if scale is None:
            if stats.high is not None and stats.high > 5:
                guess = "0-10" if (stats.low == 0 and stats.high > 7) else ("1-7" if stats.high <= 7 else "1-10")
                refuse("csat_scale", column=name, detail=_number_text(stats.high))
                if role_name == "csat" or len(others_named) == 1:
                    fix["csat"] = name
                    fix["scale"] = guess
                else:
                    # Another score column is the survey's question: read that one alone.
                    for other_index, other_metric in kept_scores:
                        if other_index != index and other_metric in ("nps", "csat"):
                            fix.setdefault(other_metric, found[other_index])
                continue
            scale = CSAT_DEFAULT
        score_columns.append(ScoreColumn(index, "csat", scale))

    shape = plan.shape
    counts: tuple[int, int, int] | None = None
    if shape == "aggregates":
        if "metric" not in plan.roles and plan.metric_constant is None:
            refuse("no_metric", column=found[plan.roles["value"]])
            fix["metric"] = "nps"
        if all(role in plan.roles for role in ("promoters", "passives", "detractors")):
            counts = (plan.roles["promoters"], plan.roles["passives"], plan.roles["detractors"])
    elif not score_columns and not problems:
        refuse("no_score")

    if problems:
        first = problems[0]
        suggestion = None if fix == explicit else fix
        if first.code == "no_score" or fix.get("date_format") == "?":
            suggestion = None
        raise CxFileRejected(first.code, found, column=first.column, detail=first.detail, suggestion=suggestion)
    roles = plan.roles
    return CxHeader(
        shape=shape,
        columns=found,
        line=plan.line,
        delimiter=plan.delimiter,
        date_index=date_index,
        score_columns=tuple(sorted(score_columns, key=lambda c: c.index)),
        team_index=roles.get("team"),
        comment_index=roles.get("comment"),
        id_index=roles.get("id"),
        metric_index=roles.get("metric"),
        value_index=roles.get("value") if shape == "aggregates" else None,
        count_index=roles.get("count") if shape == "aggregates" else None,
        metric_constant=plan.metric_constant,
        counts=counts,
        date_order=date_order,
        first_seen=today if plan.first_seen else None,
        notes=tuple(notes),
    )


def _number_text(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if number.is_integer() else str(number)


def resolve_header(
    columns: list[str],
    mapping: dict[str, str] | None = None,
    *,
    line: int = 1,
    delimiter: str = ",",
    rows: Iterable[list[str]] = (),
    today: date | None = None,
) -> CxHeader:
    """Assign roles to header cells, deciding from `rows` (the data records); CxFileRejected when the file
    cannot be read right with them."""
    plan = _plan(columns, mapping, line=line, delimiter=delimiter)
    return _finish(plan, _scan(plan, iter(rows)), today)


# ---------------------------------------------------------------------------------------------------------
# Streaming parse


def _detail(raw: str) -> str:
    return raw if len(raw) <= DETAIL_MAX_CHARS else raw[: DETAIL_MAX_CHARS - 1] + "…"


def _metric_of(raw: str) -> str | None:
    lowered = raw.strip().lower()
    return _METRIC_VALUES.get(lowered) or _METRIC_VALUES.get(_normalise_header(lowered))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _id_key(metric: str, identifier: str) -> str:
    key = f"id:{metric}:{identifier}"
    if len(key) <= ROW_KEY_MAX_CHARS:
        return key
    return f"id:{metric}:#{_sha(identifier)[:40]}"


def hash_key(content: str, occurrence: int) -> str:
    """The key of the nth identical row without an id (n from 0)."""
    if occurrence == 0:
        return "h:" + _sha(content)[:40]
    return "h:" + _sha(f"{content}\x1f#{occurrence}")[:40]


def header_to_json(header: CxHeader) -> str:
    """The decisions of a parse, kept so the tail of a grown feed is read exactly as its start was."""
    data = dataclasses.asdict(header)
    data["first_seen"] = None
    return json.dumps(data)


def header_from_json(text: str, today: date) -> CxHeader:
    data = json.loads(text)
    data["score_columns"] = tuple(
        ScoreColumn(c["index"], c["metric"], Scale(c["scale"]["low"], c["scale"]["high"]))
        for c in data["score_columns"]
    )
    data["counts"] = tuple(data["counts"]) if data["counts"] else None
    data["notes"] = tuple(tuple(note) for note in data["notes"])
    data["first_seen"] = today if data["date_index"] is None else None
    return CxHeader(**data)


def _score_value(raw: str, metric: str, scale: Scale) -> tuple[int, int | None] | str:
    """A non-empty score cell (stripped) as (score, scale_max), or the code of the row's rejection.

    `scale_max` is the scale's top for a CSAT that is not 1–5 (satisfied = its top two answers), else None."""
    number = parse_number(raw)
    if number is None:
        word = csat_word(raw) if metric == "csat" and scale == CSAT_DEFAULT else None
        if word is None:
            return "score_not_a_number"
        number = float(word)
    if not number.is_integer():
        return "score_not_integer"
    score = int(number)
    if not scale.low <= score <= scale.high:
        return "score_out_of_range"
    return score, (scale.high if metric == "csat" and scale != CSAT_DEFAULT else None)


# A response row as the parse makes it: CxResponseRow's fields, in its order, as a plain tuple. An import
# stores these straight from the parse (a million rows were a million objects, a fifth of the parse's time);
# iterating a CxRowStream gives CxResponseRow objects made from them.
CxResponseValues = tuple[int, date, str, int, str | None, str | None, str, int | None]
Adder = Callable[[Any], None]

CHUNK_RECORDS = 1000  # records parsed per chunk the stream hands on


@dataclass
class _Check:
    """What a provisional stream needs to confirm its decisions at its end (see CxRowStream.confirm)."""

    plan: _Plan
    today: date | None
    tally: _ColumnTally  # the whole file's columns, tallied as the stream reads them
    opener: Callable[[], Iterator[str]]
    line_offset: int


class CxRowStream(Iterator[CxItem]):
    """Rows and rejections of a CSV after its header, in file order; `rows_read` counts data records so far.
    `totals_dropped` counts aggregate rows without a team that were the sum of their team rows.

    Iterating gives CxResponseRow / CxAggregateRow / RowRejection objects; `chunks()` gives the same in
    lists, response rows as CxResponseValues tuples (the import's path)."""

    def __init__(
        self,
        header: CxHeader,
        lines: Iterator[str],
        line_offset: int,
        prior: Callable[[Callable[[int], str]], int] | None = None,
        check: _Check | None = None,
    ) -> None:
        """`prior`, when reading only the tail of a grown feed, says how many identical rows the unchanged
        part held (given the key of the nth occurrence), so tail rows get the keys a full read gives.
        `check`: the stream is provisional (see iter_cx_csv), and tallies what it reads into `check.tally`."""
        self.header = header
        self._check = check
        self.rows_read = 0
        self.totals_dropped = 0
        self.lines_consumed = line_offset  # physical lines read so far, the header's included
        self._prior = prior
        self._occurrences: dict[bytes, int] = {}
        self._chunks: Iterator[list[Any]] = self._generate(lines, line_offset)
        if header.shape == "aggregates":
            self._chunks = self._without_totals(self._chunks)
        self._items: Iterator[CxItem] = (
            CxResponseRow(*item) if item.__class__ is tuple else item for chunk in self._chunks for item in chunk
        )

    def __iter__(self) -> CxRowStream:
        return self

    def __next__(self) -> CxItem:
        return next(self._items)

    def chunks(self) -> Iterator[list[CxResponseValues | CxAggregateRow | RowRejection]]:
        """The rest of the stream in lists, in file order; response rows are CxResponseValues tuples."""
        return self._chunks

    @property
    def provisional(self) -> bool:
        """Whether the header's decisions were taken from the file's beginning alone (see `confirm`)."""
        return self._check is not None

    def confirm(self) -> CxRowStream | None:
        """Once a provisional stream is read to its end: None when the whole file is read as its beginning
        was (always, for a stream that isn't provisional). Otherwise the rows read were read with decisions the
        whole file doesn't bear out: CxFileRejected when the whole file is refused (a day/month order a later
        value contradicts, a CSAT answer above 5 under a 1–5 reading, …), else a new stream that reads the
        file again with the whole file's decisions. Either way the rows already given out are not to be kept."""
        check = self._check
        if check is None:
            return None
        final = _finish(check.plan, check.tally.result(), check.today)
        if final == self.header:
            return None
        return CxRowStream(final, islice(check.opener(), check.line_offset, None), check.line_offset)

    def _hash_key(self, content: str) -> str:
        """Key of a row without an id; the nth identical row of the file gets a key of its own."""
        digest = hashlib.sha256(content.encode("utf-8", errors="surrogatepass")).digest()
        short = digest[:16]
        seen = self._occurrences.get(short)
        if seen is None:
            seen = 0 if self._prior is None else self._prior(lambda n: hash_key(content, n))
        self._occurrences[short] = seen + 1
        if seen == 0:
            return "h:" + digest.hex()[:40]
        return hash_key(content, seen)

    def _generate(self, lines: Iterator[str], line_offset: int) -> Iterator[list[Any]]:
        reader = csv.reader(lines, delimiter=self.header.delimiter)
        process = self._responder() if self.header.shape == "responses" else self._aggregates
        extra_budget = EXTRA_HEADER_ROWS
        last_line = 0  # physical line where the previous record ended
        good_line = 0  # ... and where the last well-formed one ended
        rows_read = 0
        chunk: list[Any] = []
        # (first line, record) of the chunk's records, read a chunk at a time: one call per chunk, not per row
        pending: list[tuple[int, list[str]]] = []
        hold = pending.append
        tally = self._check.tally if self._check is not None else None
        records_of = itemgetter(1)
        while True:
            try:
                for record in reader:  # a for loop, restarted after a malformed record (csv.Error)
                    start = line_offset + last_line + 1
                    last_line = good_line = reader.line_num
                    if not (record and (record[0].strip() or "".join(record).strip())):
                        continue  # blank line, or every cell empty
                    if extra_budget:
                        extra_budget -= 1
                        if self._is_extra_header_row(record):
                            if tally is not None:  # the column scan reads it too
                                tally.add([record], kept=True)
                            continue
                        extra_budget = 0
                    hold((start, record))
                    if len(pending) == CHUNK_RECORDS:
                        rows_read += CHUNK_RECORDS
                        if tally is not None:
                            tally.add(list(map(records_of, pending)), kept=True)
                        process(pending, chunk.append)
                        self.rows_read, self.lines_consumed = rows_read, line_offset + good_line
                        yield chunk
                        chunk = []
                        pending.clear()
            except csv.Error as error:
                if reader.line_num == last_line:  # no progress: give up rather than loop
                    break
                rows_read += len(pending) + 1
                if tally is not None:
                    tally.add(list(map(records_of, pending)), kept=True)
                process(pending, chunk.append)  # the records before it first: rejections stay in file order
                pending.clear()
                chunk.append(RowRejection(line_offset + last_line + 1, "row_malformed", _detail(str(error))))
                last_line = reader.line_num
                extra_budget = 0
                continue
            break
        rows_read += len(pending)
        if tally is not None:
            tally.add(list(map(records_of, pending)), kept=True)
        process(pending, chunk.append)
        self.rows_read, self.lines_consumed = rows_read, line_offset + good_line
        if chunk:
            yield chunk

    def _without_totals(self, chunks: Iterator[list[Any]]) -> Iterator[list[Any]]:
        """Scorecards add a row without a team that is the total of the team rows of its day and metric;
        storing both would count every answer twice. Aggregate files are small: they are held whole."""
        held = [item for chunk in chunks for item in chunk]
        by_group: dict[tuple[date, str], list[CxAggregateRow]] = {}
        for item in held:
            if isinstance(item, CxAggregateRow):
                by_group.setdefault((item.day, item.metric), []).append(item)
        drop: set[int] = set()
        mismatched: dict[int, str] = {}
        for rows in by_group.values():
            totals = [row for row in rows if not row.team]
            teams = [row for row in rows if row.team]
            if not totals or not teams:
                continue
            team_sum = sum(row.count or 0 for row in teams)
            for total in totals:
                if total.count is not None and all(row.count is not None for row in teams) and total.count == team_sum:
                    drop.add(id(total))
                else:
                    mismatched[id(total)] = f"{total.count} ≠ {team_sum}"
        kept: list[Any] = []
        for item in held:
            if id(item) in drop:
                self.totals_dropped += 1
            elif id(item) in mismatched and isinstance(item, CxAggregateRow):
                kept.append(RowRejection(item.line, "total_mismatch", mismatched[id(item)]))
            else:
                kept.append(item)
        if kept:
            yield kept

    def _is_extra_header_row(self, record: list[str]) -> bool:
        header = self.header
        size = len(record)
        if header.date_index is None:
            return False
        raw_date = record[header.date_index].strip() if header.date_index < size else ""
        if not raw_date or not _LETTER.search(raw_date) or parse_date(raw_date, header.date_order) is not None:
            return False
        if header.shape == "responses":
            indexes = [column.index for column in header.score_columns]
        else:
            indexes = [header.value_index] if header.value_index is not None else []
        scores = [record[index].strip() for index in indexes if index < size]
        if any(parse_number(score) is not None or csat_word(score) is not None for score in scores):
            return False
        if any(cell.lstrip().startswith('{"ImportId"') for cell in record):
            return True
        return any(_LETTER.search(score) for score in scores)

    def _day_value(self, cell: str) -> date | str:
        """A date cell as a date, or the code of the row's rejection ("missing_date", "date_unparseable")."""
        raw = cell.strip()
        if not raw:
            return "missing_date"
        return parse_date(raw, self.header.date_order) or "date_unparseable"

    def _day(self, record: list[str], line: int) -> date | RowRejection:
        index = self.header.date_index
        if index is None:
            assert self.header.first_seen is not None
            return self.header.first_seen
        cell = record[index] if index < len(record) else ""
        day = self._day_value(cell)
        if isinstance(day, str):
            return RowRejection(line, day, _detail(cell.strip()))
        return day

    @staticmethod
    def _cell(record: list[str], index: int | None) -> str:
        if index is None or index >= len(record):
            return ""
        return record[index].strip()

    def _aggregates(self, pending: list[tuple[int, list[str]]], add: Adder) -> None:
        aggregate = self._aggregate
        for line, record in pending:
            aggregate(record, line, add)

    def _responder(self) -> Callable[[list[tuple[int, list[str]]], Adder], None]:
        """The reader of a chunk's response records ((first line, record) pairs), with the header's decisions
        bound once: it adds a CxResponseValues tuple per non-empty score (or the row's RowRejection).

        Each distinct date and score cell is decoded once (by `_day_value`, `_score_value`) and remembered, up
        to MEMO_LIMIT per column: a million rows repeat a few hundred days and eleven scores. A file with one
        score column of a known metric (the usual export) is read by `respond_one`, the same steps as
        `respond` written out in one loop over the chunk: a call per row was a tenth of the import."""
        header = self.header
        date_index = header.date_index
        first_seen = header.first_seen
        team_index, comment_index, id_index = header.team_index, header.comment_index, header.id_index
        metric_index = header.metric_index
        used = [i for i in (date_index, team_index, comment_index, id_index, metric_index) if i is not None]
        width = max([*used, *(column.index for column in header.score_columns)]) + 1
        day_value = self._day_value
        days: dict[str, date | str] = {}
        iso_days: dict[date, str] = {}
        # (index, metric or None, scale, remembered cells) per score column; a column whose metric comes
        # from the metric cell of each row is decoded cell by cell.
        ScoreValue = tuple[int, int | None] | str
        columns: list[tuple[int, str | None, Scale, dict[str, ScoreValue]]] = [
            (column.index, column.metric, column.scale, {}) for column in header.score_columns
        ]
        single = len(columns) == 1
        hash_key = self._hash_key
        dated_keys = date_index is not None

        def score_of(cell: str, metric: str, scale: Scale) -> tuple[int, int | None] | str:
            raw = cell.strip()
            return _score_value(raw, metric, scale) if raw else "missing_score"

        def item(
            record: list[str], line: int, day: date, metric: str, value: tuple[int, int | None], team: str | None
        ) -> CxResponseValues:
            comment = record[comment_index].strip().replace("\r\n", "\n") or None if comment_index is not None else None
            identifier = record[id_index].strip() if id_index is not None else ""
            score, scale_max = value
            if identifier:
                key = _id_key(metric, identifier)
            else:
                when = ""
                if dated_keys:
                    when = iso_days.get(day) or iso_days.setdefault(day, day.isoformat())
                team_key = team.lower() if team else ""
                key = hash_key(f"{when}\x1f{metric}\x1f{score}\x1f{team_key}\x1f{comment or ''}\x1f")
            return line, day, metric, score, team, comment, key, scale_max

        def respond(record: list[str], line: int, add: Adder) -> None:
            if len(record) < width:
                record = record + [""] * (width - len(record))
            if date_index is None:
                assert first_seen is not None
                day: date | str = first_seen
            else:
                cell = record[date_index]
                found = days.get(cell)
                if found is None:
                    found = day_value(cell)
                    if len(days) < MEMO_LIMIT:
                        days[cell] = found
                day = found
                if day.__class__ is str:
                    add(RowRejection(line, str(day), "" if day == "missing_date" else _detail(cell.strip())))
                    return
            assert isinstance(day, date)
            team = record[team_index].strip() or None if team_index is not None else None
            produced = False
            for index, metric, scale, remembered in columns:
                cell = record[index]
                if metric is None:
                    if not cell.strip():
                        continue
                    raw_metric = record[metric_index].strip() if metric_index is not None else ""
                    row_metric = _metric_of(raw_metric) if raw_metric else None
                    if row_metric is None:
                        code = "missing_metric" if not raw_metric else "metric_unknown"
                        add(RowRejection(line, code, _detail(raw_metric)))
                        produced = True
                        continue
                    value = score_of(cell, row_metric, NPS_SCALE if row_metric == "nps" else CSAT_DEFAULT)
                else:
                    row_metric = metric
                    known = remembered.get(cell)
                    if known is None:
                        known = score_of(cell, metric, scale)
                        if len(remembered) < MEMO_LIMIT:
                            remembered[cell] = known
                    value = known
                if value.__class__ is str:
                    if value == "missing_score":
                        if single:
                            add(RowRejection(line, "missing_score", ""))
                            return
                        continue
                    add(RowRejection(line, str(value), _detail(cell.strip())))
                else:
                    assert not isinstance(value, str)
                    add(item(record, line, day, row_metric, value, team))
                produced = True
            if not produced:
                add(RowRejection(line, "missing_score", ""))

        def respond_all(pending: list[tuple[int, list[str]]], add: Adder) -> None:
            for line, record in pending:
                respond(record, line, add)

        if not single or columns[0][1] is None:
            return respond_all
        score_index, only_metric, only_scale, scores = columns[0]
        assert only_metric is not None
        id_prefix = f"id:{only_metric}:"

        def respond_one(pending: list[tuple[int, list[str]]], add: Adder) -> None:
            metric = only_metric
            assert date_index is not None or first_seen is not None
            day: Any = first_seen  # a date, or a rejection's code (str); Any: no isinstance per row for mypy
            value: Any  # (score, scale_max), or a rejection's code
            for line, record in pending:
                if len(record) < width:
                    record = record + [""] * (width - len(record))
                if date_index is not None:
                    cell = record[date_index]
                    found = days.get(cell)
                    if found is None:
                        found = day_value(cell)
                        if len(days) < MEMO_LIMIT:
                            days[cell] = found
                    day = found
                    if day.__class__ is str:
                        add(RowRejection(line, str(day), "" if day == "missing_date" else _detail(cell.strip())))
                        continue
                cell = record[score_index]
                value = scores.get(cell)
                if value is None:
                    value = score_of(cell, metric, only_scale)
                    if len(scores) < MEMO_LIMIT:
                        scores[cell] = value
                if value.__class__ is str:
                    add(RowRejection(line, str(value), "" if value == "missing_score" else _detail(cell.strip())))
                    continue
                score, scale_max = value
                team = record[team_index].strip() or None if team_index is not None else None
                comment = None
                if comment_index is not None:
                    comment = record[comment_index].strip() or None
                    if comment is not None and "\r" in comment:
                        comment = comment.replace("\r\n", "\n")
                identifier = record[id_index].strip() if id_index is not None else ""
                if identifier:
                    key = id_prefix + identifier
                    if len(key) > ROW_KEY_MAX_CHARS:
                        key = _id_key(metric, identifier)
                else:
                    when = ""
                    if dated_keys:
                        when = iso_days.get(day) or iso_days.setdefault(day, day.isoformat())
                    team_key = team.lower() if team else ""
                    key = hash_key(f"{when}\x1f{metric}\x1f{score}\x1f{team_key}\x1f{comment or ''}\x1f")
                add((line, day, metric, score, team, comment, key, scale_max))

        return respond_one

    def _aggregate(self, record: list[str], line: int, add: Adder) -> None:
        header = self.header
        day = self._day(record, line)
        if isinstance(day, RowRejection):
            add(day)
            return
        cell = self._cell
        metric = header.metric_constant
        if metric is None:
            raw_metric = cell(record, header.metric_index)
            if not raw_metric:
                add(RowRejection(line, "missing_metric", ""))
                return
            metric = _metric_of(raw_metric)
            if metric is None:
                add(RowRejection(line, "metric_unknown", _detail(raw_metric)))
                return
        count: int | None = None
        if header.counts is not None and metric == "nps":
            # Promoter/passive/detractor counts give the exact NPS where the value column is rounded.
            raws = [cell(record, index) for index in header.counts]
            numbers = [parse_count(raw) for raw in raws]
            if any(number is None or number < 0 for number in numbers) or not sum(n or 0 for n in numbers):
                add(RowRejection(line, "counts_invalid", _detail("/".join(raws))))
                return
            promoters, passives, detractors = (n or 0 for n in numbers)
            count = promoters + passives + detractors
            value = 100.0 * (promoters - detractors) / count
            raw_count = cell(record, header.count_index)
            if raw_count and parse_count(raw_count) != count:
                add(RowRejection(line, "counts_invalid", _detail(f"{raw_count} ≠ {count}")))
                return
        else:
            raw_value = cell(record, header.value_index)
            if not raw_value:
                add(RowRejection(line, "missing_value", ""))
                return
            parsed = parse_number(raw_value)
            if parsed is None:
                add(RowRejection(line, "value_not_a_number", _detail(raw_value)))
                return
            value = parsed
            low, high = VALUE_RANGES[metric]
            if not low <= value <= high:
                add(RowRejection(line, "value_out_of_range", _detail(raw_value)))
                return
            raw_count = cell(record, header.count_index)
            if raw_count:
                parsed_count = parse_count(raw_count)
                if parsed_count is None or parsed_count < 1:
                    add(RowRejection(line, "count_invalid", _detail(raw_count)))
                    return
                count = parsed_count
        team = cell(record, header.team_index) or None
        identifier = cell(record, header.id_index)
        if identifier:
            key = _id_key(metric, identifier)
        else:
            team_key = team.lower() if team else ""
            count_key = "" if count is None else str(count)
            when = "" if header.date_index is None else day.isoformat()
            key = self._hash_key(f"{when}\x1f{metric}\x1f{value!r}\x1f{team_key}\x1f\x1f{count_key}")
        add(CxAggregateRow(line, day, metric, value, count, team, key))


LinesSource = Iterable[str] | Callable[[], Iterator[str]]


def _read_header(lines: Iterator[str], mapping: dict[str, str] | None) -> tuple[_Plan, int]:
    """Find the header among the first lines; returns its plan and the number of physical lines consumed."""
    consumed = 0
    delimiter: str | None = None
    candidates = 0
    first_problem: CxFileRejected | None = None
    best: tuple[_Plan, int] | None = None
    for line in lines:
        consumed += 1
        text = line.lstrip("\ufeff") if consumed == 1 else line
        if not text.strip():
            continue
        if candidates == 0 and delimiter is None:
            sep = _SEP_LINE.fullmatch(text.rstrip("\r\n"))
            if sep:
                delimiter = sep.group(1)
                continue
        header_line = consumed
        physical = [text]
        while "".join(physical).count('"') % 2 and len(physical) < HEADER_MAX_PHYSICAL_LINES:
            following = next(lines, None)
            if following is None:
                break
            consumed += 1
            physical.append(following)
        used = delimiter or _sniff_delimiter(physical[0])
        try:
            cells = next(csv.reader(physical, delimiter=used), [])
        except csv.Error:
            cells = []
        try:
            plan = _plan(cells, mapping, line=header_line, delimiter=used)
        except CxFileRejected as problem:
            if first_problem is None:
                first_problem = problem
        else:
            if best is None or plan.strength > best[0].strength:
                best = (plan, consumed)
            if plan.strength == 2:
                break
        candidates += 1
        if candidates >= HEADER_SEARCH_LINES:
            break
    if best is not None and (best[0].strength or first_problem is None):
        return best
    raise first_problem or CxFileRejected("empty", [])


def _records(lines: Iterator[str], delimiter: str) -> Iterator[list[str]]:
    """The well-formed records (the scan skips malformed ones; the parse reports them)."""
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            yield from reader  # restarted after a malformed record
        except csv.Error:
            continue
        return


# Records the decisions are first taken from when the file is longer: the rest of the file is read once,
# parsed and stored with them while its columns are tallied beside the parse (CxRowStream.confirm).
PREFIX_RECORDS = 20_000


def iter_cx_csv(
    text_lines: LinesSource,
    mapping: dict[str, str] | None = None,
    *,
    today: date | None = None,
    provisional: bool = False,
) -> tuple[CxHeader, CxRowStream]:
    """Streaming parse: the header now (CxFileRejected if the file can't be read right), rows and rejections
    as they are read.

    `text_lines` are the file's physical lines with their line endings (a file opened with newline="",
    or io.StringIO(text, newline="")), or a function that opens them afresh: the file is read twice, once to
    decide how to read its columns and once to parse it (once, with `provisional`: below). Line numbers in
    rows and rejections are 1-based physical lines where the record starts. Rows whose every cell is empty
    are skipped silently.

    `provisional`: a file of responses longer than PREFIX_RECORDS records whose beginning settles every
    decision is read once, not twice: the decisions are taken from its first PREFIX_RECORDS records, and the
    stream tallies the columns as it parses them. Whoever stores its rows calls `stream.confirm()` at the end,
    which says whether the whole file is read the same way (see CxRowStream.confirm). A beginning that
    settles nothing (a refusal, or a date column whose day/month order no value there decides) is read on to
    the end first, as without `provisional`.
    """
    if callable(text_lines):
        opener: Callable[[], Iterator[str]] = text_lines
    else:
        held = text_lines if isinstance(text_lines, list) else list(text_lines)
        opener = lambda: iter(held)  # noqa: E731
    plan, consumed = _read_header(opener(), mapping)
    records = _records(islice(opener(), consumed, None), plan.delimiter)
    tally = _ColumnTally(plan)
    if provisional and plan.shape == "responses":
        read = 0
        while read < PREFIX_RECORDS and (chunk := list(islice(records, min(SCAN_CHUNK, PREFIX_RECORDS - read)))):
            tally.add(chunk)
            read += len(chunk)
        following = next(records, None)
        if following is not None:
            try:
                header = _finish(plan, tally.result(), today)
            except CxFileRejected:
                header = None
            if header is not None and _settled(plan, tally.scan):
                check = _Check(plan, today, _ColumnTally(plan), opener, consumed)
                return header, CxRowStream(header, islice(opener(), consumed, None), consumed, check=check)
            tally.add([following])
    while chunk := list(islice(records, SCAN_CHUNK)):
        tally.add(chunk)
    header = _finish(plan, tally.result(), today)
    return header, CxRowStream(header, islice(opener(), consumed, None), consumed)


def _settled(plan: _Plan, scan: _Scan) -> bool:
    """Whether the day/month order of the date column, as far as it was read, holds whatever follows: declared,
    decided by a value, or never asked (no numeric pair). An undecided pair is read to the end of the file,
    where a value may still decide it."""
    if "date_format" in plan.explicit or scan.dates is None:
        return True
    return scan.dates.decided in ("dmy", "mdy") or scan.dates.ambiguous == 0


def parse_cx_csv(text: str, mapping: dict[str, str] | None = None, *, today: date | None = None) -> CxParseResult:
    """Parse a whole decoded file; good rows are kept and bad ones reported by line (see iter_cx_csv)."""
    header, stream = iter_cx_csv(io.StringIO(text, newline="").readlines(), mapping, today=today)
    rows: list[CxResponseRow | CxAggregateRow] = []
    rejections: list[RowRejection] = []
    add_row, add_rejection = rows.append, rejections.append
    for item in stream:
        if isinstance(item, RowRejection):
            add_rejection(item)
        else:
            add_row(item)
    return CxParseResult(
        shape=header.shape, columns=list(header.columns), rows_read=stream.rows_read, rows=rows, rejections=rejections
    )
