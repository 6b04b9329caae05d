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

Dates are read as written: "2026-03-01T23:30:00-05:00" is 1 March, the date the respondent saw. Accepted:
ISO 8601 (with or without time and offset), yyyy/mm/dd and Finnish d.m.yyyy, each optionally with a time.
Slashed day/month orders (1/3/2026) are rejected because 1 March and 3 January cannot be told apart.

Row keys identify a row across imports of a growing feed: "id:<metric>:<response id>" when the file has an
id column, else "h:" + a SHA-256 of the normalised row. Identical rows without an id (two customers giving
the same score on the same day) are told apart by their occurrence number within the file, so they are
not merged; appending rows to a feed never changes the keys of the rows already in it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

ROLES: tuple[str, ...] = ("date", "score", "nps", "csat", "metric", "team", "comment", "id", "value", "count")
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
    "row_malformed",
)
# Codes of CxFileRejected; each has the catalog key "cxfeed.rejected.<code>".
FILE_REJECTION_CODES: tuple[str, ...] = ("empty", "no_header", "no_date", "no_score", "mapped_column_missing")

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
        "päivämäärä",
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
    "team": ("team", "teamname", "segment", "unit", "department", "tiimi", "yksikkö", "osasto", "group", "ryhmä"),
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
    "count": ("count", "responses", "n", "responsecount", "responsescount", "vastaukset", "vastauksia", "lkm"),
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
_TIME = (
    r"(?:(?:\s*T\s*|\s+)(?:klo\s+)?(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:[.,]\d+)?)?"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)
_TIME_REST = re.compile(_TIME)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_SLASH_YMD = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME)
_FINNISH_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_LETTER = re.compile(r"[^\W\d_]")


# ---------------------------------------------------------------------------------------------------------
# Small parsers


def parse_column_mapping(text: str) -> dict[str, str]:
    """Parse "score=Q1_NPS, date=Finished at" into {"score": "Q1_NPS", "date": "Finished at"}.

    Items are separated by commas, semicolons or newlines; role names are case-insensitive. Raises
    ValueError with a readable message for an empty text, an item without "=", an unknown role, a role
    without a column name or a role given twice.
    """
    items = [item.strip() for item in re.split(r"[,;\n]", text or "")]
    items = [item for item in items if item]
    if not items:
        raise ValueError("no columns given (use role=column, e.g. score=Q1_NPS, date=Finished at)")
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"'{item}' is not role=column")
        role_text, column = item.split("=", 1)
        role = role_text.strip().lower()
        if role not in ROLES:
            raise ValueError(f"unknown role '{role_text.strip()}' (use one of: {', '.join(ROLES)})")
        column = column.strip()
        if len(column) >= 2 and column[0] == column[-1] and column[0] in "\"'":
            column = column[1:-1].strip()
        if not column:
            raise ValueError(f"'{role}' has no column name")
        if role in mapping:
            raise ValueError(f"'{role}' is given twice")
        mapping[role] = column
    return mapping


def decode_bytes(data: bytes) -> str:
    """Bytes of a CSV export to text, without a byte order mark. Never raises.

    UTF-8 with or without BOM; UTF-16 LE/BE with BOM (Excel "Unicode text") or without one, recognised
    by its NUL bytes; UTF-32 with BOM; anything that is not valid UTF-8 is read as Windows-1252.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        guess = _utf16_without_bom(data)
        if guess:
            text = data.decode(guess, errors="replace")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a NUL in every other byte; which half says the byte order."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.3 and even <= pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def parse_date(text: str) -> date | None:
    """The calendar date of a cell, or None. See the module docstring for the accepted formats."""
    text = text.strip()
    # The common ISO case first, without the general patterns.
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and (len(text) == 10 or _TIME_REST.fullmatch(text, 10)):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    match = _ISO_DATE.fullmatch(text) or _SLASH_YMD.fullmatch(text)
    if match:
        year, month, day = match.group(1, 2, 3)
    else:
        match = _FINNISH_DATE.fullmatch(text)
        if not match:
            return None
        day, month, year = match.group(1, 2, 3)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_number(text: str) -> float | None:
    """ "8", "8.0", "8,0", " 9 ", "87,5 %", "-12" → a float; None for anything else (no exponents, no NaN)."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    if text.endswith("%"):
        text = text[:-1].rstrip()
    text = text.replace("\u2212", "-")
    if not _NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "."))


# ---------------------------------------------------------------------------------------------------------
# Results


class CxFileRejected(Exception):
    """The header is unusable; nothing in the file was read. `code` is a catalog suffix (cxfeed.rejected.*)."""

    def __init__(self, code: str, found_columns: list[str] | None = None) -> None:
        self.code = code
        self.found_columns: list[str] = list(found_columns or [])
        super().__init__(f"{code}: {', '.join(self.found_columns)}" if self.found_columns else code)


@dataclass(frozen=True)
class CxResponseRow:
    line: int
    day: date
    metric: str  # "nps" | "csat"
    score: int
    team: str | None
    comment: str | None
    row_key: str


@dataclass(frozen=True)
class CxAggregateRow:
    line: int
    day: date
    metric: str  # "nps" | "csat"
    value: float  # NPS -100..100, CSAT percent 0..100
    count: int | None
    team: str | None
    row_key: str


@dataclass(frozen=True)
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
class CxHeader:
    """What the header row says: the file's shape and which column plays which role (indexes or None)."""

    shape: str
    columns: list[str]
    line: int  # physical line of the header
    delimiter: str
    date_index: int
    score_columns: tuple[tuple[int, str | None], ...]  # (index, fixed metric or None for a generic score)
    team_index: int | None = None
    comment_index: int | None = None
    id_index: int | None = None
    metric_index: int | None = None
    value_index: int | None = None
    count_index: int | None = None


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


def resolve_header(
    columns: list[str], mapping: dict[str, str] | None = None, *, line: int = 1, delimiter: str = ","
) -> CxHeader:
    """Assign roles to header cells; raises CxFileRejected when the file cannot be read with them."""
    found = [cell.strip().lstrip("\ufeff").strip() for cell in columns]
    normalised = [_normalise_header(cell) for cell in found]
    roles: dict[str, int] = {}
    explicit = _normalise_mapping(mapping)
    for role, wanted in explicit.items():
        index = next((i for i, cell in enumerate(found) if cell.lower() == wanted.lower()), None)
        if index is None:
            wanted_normalised = _normalise_header(wanted)
            index = next((i for i, cell in enumerate(normalised) if cell and cell == wanted_normalised), None)
        if index is None:
            raise CxFileRejected("mapped_column_missing", found)
        roles[role] = index
    taken = set(roles.values())
    score_mapped = any(role in explicit for role in ("score", "nps", "csat"))

    def open_role(role: str) -> bool:
        if role in roles:
            return False
        return not (score_mapped and role in ("score", "nps", "csat"))

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
    # Descriptive names ("How likely are you to recommend us?", "Q1_NPS", "Why this score?").
    for index, name in enumerate(found):
        if index in taken or normalised[index] in _SYNONYM_ROLE:
            continue
        fuzzy = _fuzzy_role(name)
        if fuzzy is not None and open_role(fuzzy):
            roles[fuzzy] = index
            taken.add(index)

    if not any(found):
        raise CxFileRejected("no_header", found)
    if "date" not in roles:
        if any(parse_date(cell) for cell in found):
            raise CxFileRejected("no_header", found)
        raise CxFileRejected("no_date", found)
    score_columns: list[tuple[int, str | None]] = []
    if "nps" in roles:
        score_columns.append((roles["nps"], "nps"))
    if "csat" in roles:
        score_columns.append((roles["csat"], "csat"))
    if "score" in roles and (not score_columns or "score" in explicit):
        score_columns.append((roles["score"], None))
    if not score_columns and "value" in roles and "metric" in roles:
        shape = "aggregates"
    elif score_columns:
        shape = "responses"
    else:
        raise CxFileRejected("no_score", found)
    return CxHeader(
        shape=shape,
        columns=found,
        line=line,
        delimiter=delimiter,
        date_index=roles["date"],
        score_columns=tuple(sorted(score_columns)),
        team_index=roles.get("team"),
        comment_index=roles.get("comment"),
        id_index=roles.get("id"),
        metric_index=roles.get("metric"),
        value_index=roles.get("value") if shape == "aggregates" else None,
        count_index=roles.get("count") if shape == "aggregates" else None,
    )


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


class CxRowStream(Iterator[CxItem]):
    """Rows and rejections of a CSV after its header, in file order; `rows_read` counts data records so far."""

    def __init__(self, header: CxHeader, lines: Iterator[str], line_offset: int) -> None:
        self.header = header
        self.rows_read = 0
        self._occurrences: dict[bytes, int] = {}
        self._items = self._generate(lines, line_offset)

    def __iter__(self) -> CxRowStream:
        return self

    def __next__(self) -> CxItem:
        return next(self._items)

    def _hash_key(self, content: str) -> str:
        """Key of a row without an id; the nth identical row of the file gets a key of its own."""
        digest = hashlib.sha256(content.encode("utf-8", errors="surrogatepass")).digest()
        short = digest[:16]
        seen = self._occurrences.get(short, 0)
        self._occurrences[short] = seen + 1
        if seen == 0:
            return "h:" + digest.hex()[:40]
        return "h:" + _sha(f"{content}\x1f#{seen}")[:40]

    def _generate(self, lines: Iterator[str], line_offset: int) -> Iterator[CxItem]:
        reader = csv.reader(lines, delimiter=self.header.delimiter)
        process = self._response if self.header.shape == "responses" else self._aggregate
        extra_budget = EXTRA_HEADER_ROWS
        last_line = 0
        out: list[CxItem] = []
        while True:
            start = line_offset + last_line + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if reader.line_num == last_line:  # no progress: give up rather than loop
                    return
                last_line = reader.line_num
                self.rows_read += 1
                extra_budget = 0
                yield RowRejection(start, "row_malformed", _detail(str(error)))
                continue
            last_line = reader.line_num
            if not "".join(record).strip():
                continue  # blank line, or every cell empty
            if extra_budget:
                extra_budget -= 1
                if self._is_extra_header_row(record):
                    continue
                extra_budget = 0
            self.rows_read += 1
            item = process(record, start, out)
            if item is not None:
                yield item
            elif out:
                yield from out
                out.clear()

    def _is_extra_header_row(self, record: list[str]) -> bool:
        header = self.header
        size = len(record)
        raw_date = record[header.date_index].strip() if header.date_index < size else ""
        if not raw_date or not _LETTER.search(raw_date) or parse_date(raw_date) is not None:
            return False
        if header.shape == "responses":
            indexes = [index for index, _metric in header.score_columns]
        else:
            indexes = [header.value_index] if header.value_index is not None else []
        scores = [record[index].strip() for index in indexes if index < size]
        if any(parse_number(score) is not None for score in scores):
            return False
        if any(cell.lstrip().startswith('{"ImportId"') for cell in record):
            return True
        return any(_LETTER.search(score) for score in scores)

    def _day(self, record: list[str], line: int) -> date | RowRejection:
        index = self.header.date_index
        raw = record[index].strip() if index < len(record) else ""
        if not raw:
            return RowRejection(line, "missing_date", "")
        day = parse_date(raw)
        if day is None:
            return RowRejection(line, "date_unparseable", _detail(raw))
        return day

    @staticmethod
    def _cell(record: list[str], index: int | None) -> str:
        if index is None or index >= len(record):
            return ""
        return record[index].strip()

    def _response(self, record: list[str], line: int, out: list[CxItem]) -> CxItem | None:
        """One row or rejection is returned; with several score columns the results go to `out`."""
        header = self.header
        day = self._day(record, line)
        if isinstance(day, RowRejection):
            return day
        cell = self._cell
        team = cell(record, header.team_index) or None
        comment = cell(record, header.comment_index).replace("\r\n", "\n") or None
        identifier = cell(record, header.id_index)
        columns = header.score_columns
        if len(columns) == 1:
            index, fixed_metric = columns[0]
            raw = cell(record, index)
            if not raw:
                return RowRejection(line, "missing_score", "")
            return self._score_item(record, line, day, raw, fixed_metric, team, comment, identifier)
        cells = [(cell(record, index), metric) for index, metric in columns]
        if not any(raw for raw, _metric in cells):
            return RowRejection(line, "missing_score", "")
        for raw, fixed_metric in cells:
            if raw:
                out.append(self._score_item(record, line, day, raw, fixed_metric, team, comment, identifier))
        return None

    def _score_item(
        self,
        record: list[str],
        line: int,
        day: date,
        raw: str,
        metric: str | None,
        team: str | None,
        comment: str | None,
        identifier: str,
    ) -> CxItem:
        if metric is None:
            metric_index = self.header.metric_index
            if metric_index is None:
                metric = "nps"
            else:
                raw_metric = self._cell(record, metric_index)
                if not raw_metric:
                    return RowRejection(line, "missing_metric", "")
                metric = _metric_of(raw_metric)
                if metric is None:
                    return RowRejection(line, "metric_unknown", _detail(raw_metric))
        number = parse_number(raw)
        if number is None:
            return RowRejection(line, "score_not_a_number", _detail(raw))
        if not number.is_integer():
            return RowRejection(line, "score_not_integer", _detail(raw))
        low, high = SCORE_RANGES[metric]
        score = int(number)
        if not low <= score <= high:
            return RowRejection(line, "score_out_of_range", _detail(raw))
        if identifier:
            key = _id_key(metric, identifier)
        else:
            team_key = team.lower() if team else ""
            key = self._hash_key(f"{day.isoformat()}\x1f{metric}\x1f{score}\x1f{team_key}\x1f{comment or ''}\x1f")
        return CxResponseRow(line, day, metric, score, team, comment, key)

    def _aggregate(self, record: list[str], line: int, out: list[CxItem]) -> CxItem | None:
        header = self.header
        day = self._day(record, line)
        if isinstance(day, RowRejection):
            return day
        cell = self._cell
        raw_metric = cell(record, header.metric_index)
        if not raw_metric:
            return RowRejection(line, "missing_metric", "")
        metric = _metric_of(raw_metric)
        if metric is None:
            return RowRejection(line, "metric_unknown", _detail(raw_metric))
        raw_value = cell(record, header.value_index)
        if not raw_value:
            return RowRejection(line, "missing_value", "")
        value = parse_number(raw_value)
        if value is None:
            return RowRejection(line, "value_not_a_number", _detail(raw_value))
        low, high = VALUE_RANGES[metric]
        if not low <= value <= high:
            return RowRejection(line, "value_out_of_range", _detail(raw_value))
        raw_count = cell(record, header.count_index)
        count: int | None = None
        if raw_count:
            number = parse_number(raw_count)
            if number is None or not number.is_integer() or number < 1:
                return RowRejection(line, "count_invalid", _detail(raw_count))
            count = int(number)
        team = cell(record, header.team_index) or None
        identifier = cell(record, header.id_index)
        if identifier:
            key = _id_key(metric, identifier)
        else:
            team_key = team.lower() if team else ""
            count_key = "" if count is None else str(count)
            key = self._hash_key(f"{day.isoformat()}\x1f{metric}\x1f{value!r}\x1f{team_key}\x1f\x1f{count_key}")
        return CxAggregateRow(line, day, metric, value, count, team, key)


def _read_header(lines: Iterator[str], mapping: dict[str, str] | None) -> tuple[CxHeader, int]:
    """Find the header among the first lines; returns it and the number of physical lines consumed."""
    consumed = 0
    delimiter: str | None = None
    candidates = 0
    first_problem: CxFileRejected | None = None
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
            return resolve_header(cells, mapping, line=header_line, delimiter=used), consumed
        except CxFileRejected as problem:
            if first_problem is None:
                first_problem = problem
        candidates += 1
        if candidates >= HEADER_SEARCH_LINES:
            break
    raise first_problem or CxFileRejected("empty", [])


def iter_cx_csv(text_lines: Iterable[str], mapping: dict[str, str] | None = None) -> tuple[CxHeader, CxRowStream]:
    """Streaming parse: the header now (CxFileRejected if unusable), rows and rejections as they are read.

    `text_lines` are the file's physical lines with their line endings (a file opened with newline="",
    or io.StringIO(text, newline="")); line numbers in rows and rejections are 1-based physical lines
    where the record starts. Rows whose every cell is empty are skipped silently.
    """
    lines = iter(text_lines)
    header, consumed = _read_header(lines, mapping)
    return header, CxRowStream(header, lines, consumed)


def parse_cx_csv(text: str, mapping: dict[str, str] | None = None) -> CxParseResult:
    """Parse a whole decoded file; good rows are kept and bad ones reported by line (see iter_cx_csv)."""
    header, stream = iter_cx_csv(io.StringIO(text, newline=""), mapping)
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
