"""CX survey CSV parsing: encodings, delimiters, headers, dates, numbers, line numbers and row keys."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.cxcsv import (
    FILE_REJECTION_CODES,
    ROLES,
    ROW_REJECTION_CODES,
    CxAggregateRow,
    CxFileRejected,
    CxParseResult,
    CxResponseRow,
    RowRejection,
    decode_bytes,
    format_mapping,
    iter_cx_csv,
    parse_column_mapping,
    parse_count,
    parse_cx_csv,
    parse_date,
    parse_number,
)
from bot.i18n import catalogs


def responses(result_rows: list[CxResponseRow | CxAggregateRow]) -> list[CxResponseRow]:
    assert all(isinstance(row, CxResponseRow) for row in result_rows)
    return [row for row in result_rows if isinstance(row, CxResponseRow)]


def rejections(text: str) -> list[tuple[int, str, str]]:
    return [(r.line, r.code, r.detail) for r in parse_cx_csv(text).rejections]


# --- column mapping -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("score=Q1_NPS, date=Finished at", {"score": "Q1_NPS", "date": "Finished at"}),
        ("SCORE = Q1 ;Date=Pvm", {"score": "Q1", "date": "Pvm"}),
        (
            "nps=Q1,csat=Q2,team=Unit,comment=Why,id=Response ID",
            {"nps": "Q1", "csat": "Q2", "team": "Unit", "comment": "Why", "id": "Response ID"},
        ),
        ('date="End Date",', {"date": "End Date"}),
        ("metric=Type\nvalue=Arvo\ncount=N", {"metric": "Type", "value": "Arvo", "count": "N"}),
    ],
)
def test_parse_column_mapping(text: str, expected: dict[str, str]) -> None:
    assert parse_column_mapping(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no columns"),
        ("  ,  ", "no columns"),
        ("foo=Bar", "unknown role 'foo' (use one of: " + ", ".join(ROLES) + ")"),
        ("score=", "'score' has no column name"),
        ("score", "'score' is not role=column"),
        ("score=A, score=B", "'score' is given twice"),
    ],
)
def test_parse_column_mapping_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_column_mapping(text)
    assert message in str(error.value)


# --- decoding -------------------------------------------------------------------------------------------

TEXT = "date;nps;kommentti\n2026-03-01;9;Hyvä palvelu – kiitos\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32"],
)
def test_decode_bytes(data: bytes) -> None:
    assert decode_bytes(data) == TEXT


def test_decode_bytes_falls_back_to_cp1252() -> None:
    assert decode_bytes("Hyvä – €".encode("cp1252")) == "Hyvä – €"


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xff", b"\x81\x8d\x8f", bytes(range(256)), b"\xff\xfe\x00"])
def test_decode_bytes_never_raises(data: bytes) -> None:
    assert isinstance(decode_bytes(data), str)


def test_excel_unicode_text_parses() -> None:
    data = b"\xff\xfe" + "date\tnps\tteam\r\n1.3.2026\t10\tTuki\r\n".encode("utf-16-le")
    rows = responses(parse_cx_csv(decode_bytes(data)).rows)
    assert [(r.line, r.day, r.score, r.team) for r in rows] == [(2, date(2026, 3, 1), 10, "Tuki")]


# --- dates and numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        (" 2026-03-01 ", date(2026, 3, 1)),
        ("2026-03-01T10:00:00Z", date(2026, 3, 1)),
        ("2026-03-01T10:00:00.123456Z", date(2026, 3, 1)),
        ("2026-03-01 10:00", date(2026, 3, 1)),
        ("2026-03-01T23:30:00-05:00", date(2026, 3, 1)),  # the date as written, not converted to UTC
        ("2026-03-01T10:00:00+0200", date(2026, 3, 1)),
        ("2026-3-1", date(2026, 3, 1)),
        ("1.3.2026", date(2026, 3, 1)),
        ("01.03.2026", date(2026, 3, 1)),
        ("1.3.2026 9:15", date(2026, 3, 1)),
        ("1.3.2026 klo 9.15", date(2026, 3, 1)),
        ("2026/03/01", date(2026, 3, 1)),
        ("2026/3/1 10:00:00", date(2026, 3, 1)),
        ("2026-02-29", None),  # not a leap year
        ("31.2.2026", None),
        ("2026-03-01T25:00", None),
        ("1/3/2026", None),  # day-first or month-first? ambiguous, so rejected
        ("03/01/2026", None),
        ("1.3.26", None),
        ("March 1, 2026", date(2026, 3, 1)),
        ("", None),
        ("yesterday", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8", 8.0),
        ("8.0", 8.0),
        ("8,0", 8.0),
        (" 9 ", 9.0),
        ("87,5 %", 87.5),
        ("87.5%", 87.5),
        ("-12", -12.0),
        ("−12,5", -12.5),
        ("+3", 3.0),
        (",5", 0.5),
        ("", None),
        ("x", None),
        ("nan", None),
        ("inf", None),
        ("1e3", None),
        ("1_000", None),
        ("8-9", None),
        ("²", None),
    ],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


# --- delimiters, BOM, sep= line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "date,nps,team\n2026-03-01,9,Tuki\n2026-03-02,3,Myynti\n",
        "date;nps;team\n2026-03-01;9;Tuki\n2026-03-02;3;Myynti\n",
        "date\tnps\tteam\n2026-03-01\t9\tTuki\n2026-03-02\t3\tMyynti\n",
        "\ufeffdate,nps,team\n2026-03-01,9,Tuki\n2026-03-02,3,Myynti\n",
        "date,nps,team\r\n2026-03-01,9,Tuki\r\n2026-03-02,3,Myynti\r\n",
        '"date";"nps";"team"\n"2026-03-01";"9";"Tuki"\n"2026-03-02";"3";"Myynti"\n',
    ],
    ids=["comma", "semicolon", "tab", "bom", "crlf", "quoted"],
)
def test_delimiters(text: str) -> None:
    result = parse_cx_csv(text)
    assert (result.shape, result.columns, result.rows_read) == ("responses", ["date", "nps", "team"], 2)
    rows = responses(result.rows)
    assert [(r.line, r.day, r.metric, r.score, r.team) for r in rows] == [
        (2, date(2026, 3, 1), "nps", 9, "Tuki"),
        (3, date(2026, 3, 2), "nps", 3, "Myynti"),
    ]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("sep=;\ndate;nps;comment\n2026-03-01;9;hyvä, nopea\n", [3]),
        ('"sep=,"\ndate,nps\n2026-03-01,9\n', [3]),
        ("SEP=\t\ndate\tnps\n2026-03-01\t9\n", [3]),
        ("\n\nsep=;\n\ndate;nps\n\n2026-03-01;9\n", [7]),
    ],
)
def test_sep_line_sets_the_delimiter(text: str, lines: list[int]) -> None:
    result = parse_cx_csv(text)
    assert [row.line for row in result.rows] == lines
    assert result.rejections == []


def test_semicolon_wins_over_commas_inside_quotes() -> None:
    text = 'date;"Why, really?";nps\n2026-03-01;"fast, kind";10\n'
    rows = responses(parse_cx_csv(text).rows)
    assert [(r.comment, r.score) for r in rows] == [("fast, kind", 10)]


def test_decimal_comma_in_semicolon_file() -> None:
    text = "date;nps;csat\n2026-03-01;9,0;4,0\n2026-03-02;8,5;\n"
    result = parse_cx_csv(text)
    assert [(r.metric, r.score) for r in responses(result.rows)] == [("nps", 9), ("csat", 4)]
    assert [(r.line, r.code, r.detail) for r in result.rejections] == [(3, "score_not_integer", "8,5")]


# --- headers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "metric"),
    [
        ("Date,NPS", "nps"),
        ("created_at,Likelihood to recommend", "nps"),
        ("Submitted At,How likely are you to recommend us to a friend?", "nps"),
        ("timestamp,Q1_NPS", "nps"),
        ("End Date,CSAT", "csat"),
        ("päivämäärä,Tyytyväisyys", "csat"),
        ("pvm,Satisfaction score", "csat"),
    ],
)
def test_header_synonyms(header: str, metric: str) -> None:
    rows = responses(parse_cx_csv(header + "\n2026-03-01,4\n").rows)
    assert [(r.day, r.metric, r.score) for r in rows] == [(date(2026, 3, 1), metric, 4)]


@pytest.mark.parametrize(
    ("header", "team", "comment"),
    [
        ("date,nps,team,comment", "T", "C"),
        ("date,nps,Segment,Feedback", "T", "C"),
        ("date,nps,Tiimi,Palaute", "T", "C"),
        ("date,nps,yksikkö,kommentti", "T", "C"),
        ("date,nps,department,Open feedback", "T", "C"),
        ("date,nps,unit,Why did you give this score?", "T", "C"),
    ],
)
def test_team_and_comment_synonyms(header: str, team: str, comment: str) -> None:
    rows = responses(parse_cx_csv(header + "\n2026-03-01,4,T,C\n").rows)
    assert [(r.team, r.comment) for r in rows] == [(team, comment)]


@pytest.mark.parametrize(
    ("text", "code", "columns"),
    [
        ("", "empty", []),
        ("\n\n  \n", "empty", []),
        ("when,how much\n2026-01-01,5\n", "no_date_column", ["when", "how much"]),
        ("foo,bar\n1,2\n", "no_date", ["foo", "bar"]),
        ("date,team,value\n2026-01-01,A,5\n", "no_score", ["date", "team", "value"]),
        ("date,comment\n2026-01-01,hi\n", "no_score", ["date", "comment"]),
        ("Date,Q1_NPS_GROUP\n2026-01-01,1\n", "no_score", ["Date", "Q1_NPS_GROUP"]),
        ("2026-01-01,9,A\n2026-01-02,9,A\n", "no_header", ["2026-01-01", "9", "A"]),
    ],
)
def test_unusable_header_is_rejected_with_found_columns(text: str, code: str, columns: list[str]) -> None:
    with pytest.raises(CxFileRejected) as error:
        parse_cx_csv(text)
    assert (error.value.code, error.value.found_columns) == (code, columns)


def test_title_lines_before_the_header_are_skipped() -> None:
    text = "NPS export\nMarch 2026\n\ndate;nps\n2026-03-01;10\n"
    result = parse_cx_csv(text)
    assert [(row.line, row.day) for row in result.rows] == [(5, date(2026, 3, 1))]


# --- explicit mapping -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"score": "Q1", "date": "Finished at"}, [("nps", 7, date(2026, 3, 2))]),
        ({"csat": "q2"}, [("csat", 4, date(2026, 3, 1))]),
        ({"SCORE": "q1", "date": "finished_at"}, [("nps", 7, date(2026, 3, 2))]),
        ({"nps": "Q1", "csat": "Q2"}, [("nps", 7, date(2026, 3, 1)), ("csat", 4, date(2026, 3, 1))]),
    ],
)
def test_explicit_mapping_overrides_synonyms(mapping: dict[str, str], expected: list[tuple[str, int, date]]) -> None:
    text = "Date,Finished at,NPS,Q1,Q2\n2026-03-01,2026-03-02,0,7,4\n"
    rows = responses(parse_cx_csv(text, mapping).rows)
    assert [(r.metric, r.score, r.day) for r in rows] == expected


def test_mapped_column_missing() -> None:
    with pytest.raises(CxFileRejected) as error:
        parse_cx_csv("date,nps\n2026-03-01,9\n", {"score": "Q1"})
    assert (error.value.code, error.value.found_columns) == ("mapped_column_missing", ["date", "nps"])


def test_mapping_with_unknown_role_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        parse_cx_csv("date,nps\n2026-03-01,9\n", {"colour": "date"})


# --- Qualtrics-style extra header rows ------------------------------------------------------------------

QUALTRICS = (
    "StartDate,EndDate,Status,ResponseId,Q1,Q1_NPS_GROUP,Q2\n"
    'Start Date,End Date,Response Type,Response ID,"How likely are you to recommend us?\nPick 0-10",'
    "How likely - Group,What could we do better?\n"
    '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}",'
    '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID1_NPS_GROUP""}",'
    '"{""ImportId"":""QID2_TEXT""}"\n'
    "2026-03-01 10:00:00,2026-03-01 10:05:00,0,R_1,9,3,Great\n"
    "2026-03-02 10:00:00,2026-03-02 10:05:00,0,R_2,2,1,\n"
)


def test_qualtrics_extra_header_rows_are_skipped() -> None:
    result = parse_cx_csv(QUALTRICS, {"score": "Q1", "comment": "Q2"})
    assert result.rows_read == 2
    assert result.rejections == []
    rows = responses(result.rows)
    assert [(r.line, r.day, r.score, r.comment, r.row_key) for r in rows] == [
        (5, date(2026, 3, 1), 9, "Great", "id:nps:R_1"),
        (6, date(2026, 3, 2), 2, None, "id:nps:R_2"),
    ]


def test_only_rows_right_under_the_header_may_be_extra_header_rows() -> None:
    text = "date,nps\n2026-03-01,9\nRecorded Date,How likely\n"
    assert rejections(text) == [(3, "date_unparseable", "Recorded Date")]


# --- line numbers, quoting, blank lines, bad rows -------------------------------------------------------


def test_quoted_fields_with_delimiters_and_newlines_keep_line_numbers() -> None:
    text = (
        "date,nps,comment\n"  # 1
        '2026-03-01,9,"fast, friendly\nand kind\r\nreally"\n'  # 2-4
        "\n"  # 5
        "2026-03-02,11,\n"  # 6
        '2026-03-03,"7","say ""hi"""\n'  # 7
        ",,\n"  # 8: every cell empty
        "2026-03-04,x,\n"  # 9
    )
    result = parse_cx_csv(text)
    assert result.rows_read == 4
    assert [(r.line, r.score, r.comment) for r in responses(result.rows)] == [
        (2, 9, "fast, friendly\nand kind\nreally"),
        (7, 7, 'say "hi"'),
    ]
    assert [(r.line, r.code, r.detail) for r in result.rejections] == [
        (6, "score_out_of_range", "11"),
        (9, "score_not_a_number", "x"),
    ]


@pytest.mark.parametrize(
    ("row", "code", "detail"),
    [
        (",9,A", "missing_date", ""),
        ("31.2.2026,9,A", "date_unparseable", "31.2.2026"),
        ("2026-03-01,,A", "missing_score", ""),
        ("2026-03-01,ten,A", "score_not_a_number", "ten"),
        ("2026-03-01,8.5,A", "score_not_integer", "8.5"),
        ("2026-03-01,11,A", "score_out_of_range", "11"),
        ("2026-03-01,-1,A", "score_out_of_range", "-1"),
        ("x" * 60 + ",9,A", "date_unparseable", "x" * 39 + "…"),
    ],
)
def test_bad_response_rows(row: str, code: str, detail: str) -> None:
    text = "date,nps,team\n2026-02-28,10,A\n" + row + "\n2026-03-02,0,A\n"
    result = parse_cx_csv(text)
    assert [r.line for r in result.rows] == [2, 4]
    assert [(r.line, r.code, r.detail) for r in result.rejections] == [(3, code, detail)]
    assert result.rows_read == 3


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("date,csat", "2026-03-01,5", [("csat", 5)]),
        ("date,csat", "2026-03-01,0", [(3, "score_out_of_range", "0")]),
        ("date,score,metric", "2026-03-01,4,CSAT", [("csat", 4)]),
        ("date,score,metric", "2026-03-01,10,nps", [("nps", 10)]),
        ("date,score,metric", "2026-03-01,10,ces", [(3, "metric_unknown", "ces")]),
        ("date,score,metric", "2026-03-01,10,", [(3, "missing_metric", "")]),
        ("date,nps,csat", "2026-03-01,10,5", [("nps", 10), ("csat", 5)]),
        ("date,nps,csat", "2026-03-01,,5", [("csat", 5)]),
        ("date,nps,csat", "2026-03-01,,", [(3, "missing_score", "")]),
        ("date,nps,csat", "2026-03-01,12,5", [(3, "score_out_of_range", "12"), ("csat", 5)]),
    ],
)
def test_metrics_of_response_rows(header: str, row: str, expected: list[object]) -> None:
    result = parse_cx_csv(f"{header}\n2026-02-28,{'1,nps' if 'metric' in header else '1'}\n{row}\n")
    items = [item for item in result.rows if item.line == 3] + [r for r in result.rejections if r.line == 3]
    got: list[object] = []
    for item in sorted(items, key=lambda i: 0 if isinstance(i, RowRejection) else 1):
        if isinstance(item, RowRejection):
            got.append((item.line, item.code, item.detail))
        elif isinstance(item, CxResponseRow):
            got.append((item.metric, item.score))
    assert sorted(got, key=str) == sorted(expected, key=str)


# --- aggregates -----------------------------------------------------------------------------------------


def test_aggregate_shape() -> None:
    text = (
        "date,team,metric,value,responses\n"
        "2026-02-02,A,nps,50,100\n"
        "2026-02-03,A,NPS,-12,5\n"
        '2026-02-03,,csat,"87,5 %",\n'
        "2026-02-04,A,nps,101,10\n"
        "2026-02-04,A,csat,-1,10\n"
        "2026-02-04,A,ces,3,10\n"
        "2026-02-04,A,nps,5,0\n"
        "2026-02-04,A,nps,5,2.5\n"
        "2026-02-04,A,nps,,2\n"
        "2026-02-04,A,nps,abc,2\n"
        "2026-02-04,A,,5,2\n"
    )
    result = parse_cx_csv(text)
    assert result.shape == "aggregates"
    assert [(r.line, r.metric, r.value, r.count, r.team) for r in result.rows if isinstance(r, CxAggregateRow)] == [
        (2, "nps", 50.0, 100, "A"),
        (3, "nps", -12.0, 5, "A"),
        (4, "csat", 87.5, None, None),
    ]
    assert [(r.line, r.code) for r in result.rejections] == [
        (5, "value_out_of_range"),
        (6, "value_out_of_range"),
        (7, "metric_unknown"),
        (8, "count_invalid"),
        (9, "count_invalid"),
        (10, "missing_value"),
        (11, "value_not_a_number"),
        (12, "missing_metric"),
    ]


@pytest.mark.parametrize(
    ("header", "shape"),
    [
        ("date,metric,value", "aggregates"),
        ("Päivämäärä;Mittari;Arvo;N", "aggregates"),
        ("date,type,value,count", "aggregates"),
        ("date,metric,value,nps", "responses"),  # a score-like column makes it answers
        ("date,metric,score", "responses"),
    ],
)
def test_shape_detection(header: str, shape: str) -> None:
    delimiter = ";" if ";" in header else ","
    cells = ["2026-03-01", "nps", "5", "5"][: header.count(delimiter) + 1]
    result = parse_cx_csv(header + "\n" + delimiter.join(cells) + "\n")
    assert result.shape == shape


# --- row keys -------------------------------------------------------------------------------------------


def test_row_keys_are_stable_and_hash_based_without_ids() -> None:
    text = "date,nps,team,comment\n2026-03-01,9,Tuki,hyvä\n2026-03-01,9,Tuki,\n"
    first = [row.row_key for row in parse_cx_csv(text).rows]
    assert first == [row.row_key for row in parse_cx_csv(text).rows]
    assert all(key.startswith("h:") and len(key) == 42 for key in first)
    assert len(set(first)) == 2
    # The same answer with different spacing or team case is the same row.
    same = "date;nps;team;comment\n2026-03-01; 9 ;tuki; hyvä \n"
    assert parse_cx_csv(same).rows[0].row_key == first[0]
    # Appending to the feed leaves the old keys alone.
    grown = text + "2026-03-02,10,Tuki,\n"
    assert [row.row_key for row in parse_cx_csv(grown).rows][:2] == first


def test_identical_rows_without_id_are_not_merged() -> None:
    text = "date,nps\n2026-03-01,10\n2026-03-01,10\n2026-03-01,10\n"
    keys = [row.row_key for row in parse_cx_csv(text).rows]
    assert len(set(keys)) == 3
    assert keys == [row.row_key for row in parse_cx_csv(text).rows]


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("r1", ["id:nps:r1", "id:csat:r1"]),
        (" R_abc ", ["id:nps:R_abc", "id:csat:R_abc"]),
    ],
)
def test_row_keys_with_id(identifier: str, expected: list[str]) -> None:
    text = f"Response ID,date,nps,csat\n{identifier},2026-03-01,9,4\n"
    assert [row.row_key for row in parse_cx_csv(text).rows] == expected


def test_long_ids_are_hashed() -> None:
    long_id = "x" * 200
    keys = [row.row_key for row in parse_cx_csv(f"id,date,nps\n{long_id},2026-03-01,9\n").rows]
    assert len(keys[0]) <= 90 and keys[0].startswith("id:nps:")
    assert keys == [row.row_key for row in parse_cx_csv(f"id,date,nps\n{long_id},2026-03-01,9\n").rows]
    other = parse_cx_csv(f"id,date,nps\n{long_id}y,2026-03-01,9\n").rows[0].row_key
    assert other != keys[0]


# --- streaming ------------------------------------------------------------------------------------------


def test_iter_cx_csv_streams() -> None:
    lines = io.StringIO("date,nps\n2026-03-01,9\n2026-03-02,x\n", newline="")
    header, stream = iter_cx_csv(lines)
    assert (header.shape, header.columns) == ("responses", ["date", "nps"])
    items = list(stream)
    assert [type(item).__name__ for item in items] == ["CxResponseRow", "RowRejection"]
    assert stream.rows_read == 2


def test_malformed_record_is_reported_and_reading_goes_on() -> None:
    text = "date,nps\n2026-03-01,9\n" + '2026-03-02,"' + "x" * 200_000 + "\n2026-03-03,10\n"
    result = parse_cx_csv(text)
    assert [(r.line, r.code) for r in result.rejections] == [(3, "row_malformed")]


@pytest.mark.parametrize("data", [b"date,nps\n\x00\x00,9\n", b"\x00\xff" * 50, b"date,nps\n2026-03-01,\x009\n"])
def test_garbage_never_crashes(data: bytes) -> None:
    try:
        result = parse_cx_csv(decode_bytes(data))
    except CxFileRejected as rejected:
        assert rejected.code in FILE_REJECTION_CODES
    else:
        assert all(r.code in ROW_REJECTION_CODES for r in result.rejections)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["2026-03-01", "1.3.2026", "9", "11", "x", "", '"', '"a,\nb"', "nps", "csat", "\r"]),
            st.text(max_size=8),
        ),
        max_size=40,
    ),
    st.sampled_from([",", ";", "\t", "\n"]),
)
def test_any_text_parses_or_is_rejected(cells: list[str], glue: str) -> None:
    text = "date,nps,csat,team,comment\n" + glue.join(cells)
    try:
        result = parse_cx_csv(text)
    except CxFileRejected as rejected:  # e.g. a CSAT answer over 5: the file's scale must be declared
        assert rejected.code in FILE_REJECTION_CODES
        return
    physical_lines = len(io.StringIO(text, newline="").readlines())
    for item in [*result.rows, *result.rejections]:
        assert 2 <= item.line <= physical_lines
    assert all(r.code in ROW_REJECTION_CODES for r in result.rejections)
    keys = [row.row_key for row in result.rows]
    assert len(keys) == len(set(keys))
    assert all(len(key) <= 90 for key in keys)


# --- catalog --------------------------------------------------------------------------------------------


def test_every_code_has_texts() -> None:
    for catalog in catalogs().values():
        for code in ROW_REJECTION_CODES:
            assert f"cxfeed.reason.{code}" in catalog
        for code in FILE_REJECTION_CODES:
            assert f"cxfeed.rejected.{code}" in catalog


# --- exports as people have them (files written here, in the shapes of real exports) ------------------


def refusal(text: str, mapping: dict[str, str] | None = None) -> CxFileRejected:
    with pytest.raises(CxFileRejected) as error:
        parse_cx_csv(text, mapping, today=date(2026, 3, 2))
    return error.value


def follow(text: str, mapping: dict[str, str] | None = None) -> CxParseResult:
    """Parse; when refused, follow the suggested mapping once (it must read the file)."""
    try:
        return parse_cx_csv(text, mapping, today=date(2026, 3, 2))
    except CxFileRejected as rejected:
        assert rejected.suggestion is not None, rejected.code
        again = parse_column_mapping(format_mapping(rejected.suggestion))
        return parse_cx_csv(text, again, today=date(2026, 3, 2))


BANK = (
    "id,market,survey_date,customer_name,month,quarter,rating\n"
    "1,US,1/9/21,A B,9,3,10\n"
    "2,MEX,7/11/21,C D,11,4,9\n"
    "3,UK,25/12/2021,E F,12,4,0\n"
    "4,UK,3/2/21,G H,2,1,7\n"
)


def test_one_unambiguous_date_decides_the_column_and_a_generic_0_10_rating_is_nps() -> None:
    rows = responses(parse_cx_csv(BANK).rows)
    assert [(r.day, r.metric, r.score, r.team) for r in rows] == [
        (date(2021, 9, 1), "nps", 10, "US"),
        (date(2021, 11, 7), "nps", 9, "MEX"),
        (date(2021, 12, 25), "nps", 0, "UK"),
        (date(2021, 2, 3), "nps", 7, "UK"),
    ]


def test_us_dates_with_hours_are_month_first() -> None:
    text = "Date,Recommend,LikelyToRecommend\n9/8/18 15:29,Agree,10\n8/31/18 18:37,Strongly Agree,6\n9/7/18 3:42,,\n"
    result = parse_cx_csv(text)
    assert [(r.day, r.score) for r in responses(result.rows)] == [(date(2018, 9, 8), 10), (date(2018, 8, 31), 6)]
    assert [(r.line, r.code) for r in result.rejections] == [(4, "missing_score")]


@pytest.mark.parametrize(
    ("text", "mapping", "code", "suggestion"),
    [
        # day/month stays open and no time tells: refused once, with the fix
        ("Date,NPS\n1/2/2021,9\n3/4/2021,7\n", None, "date_ambiguous", None),
        ("Date,NPS\n13/1/2021,9\n1/13/2021,7\n", None, "date_conflict", None),
        # 1–5 star ratings in a generic column are never NPS, named or not
        ("rating\tdate\n5\t31-Jul-18\n4\t30-Jul-18\n", None, "score_is_csat", {"csat": "rating"}),
        ("Date,Stars\n2026-03-01,5\n2026-03-02,2\n", {"score": "Stars"}, "score_is_csat", {"csat": "Stars"}),
        # a 0–10 "satisfaction" beside the NPS question is not a 1–5 CSAT
        (
            "date,nps,satisfaction\n2026-03-01,9,10\n2026-03-02,3,0\n",
            None,
            "csat_scale",
            {"nps": "nps"},
        ),
        ("date,Q3\n2026-03-01,6\n2026-03-02,7\n", {"csat": "Q3"}, "csat_scale", {"csat": "Q3", "scale": "1-7"}),
        # monthly results in an NPS column are aggregates, not answers
        (
            "Mes,Tienda,NPS_Score,Total_Responses\n2025-12-01,,26.0,194\n2025-12-01,A,23.0,47\n"
            "2025-12-01,B,-5.0,69\n2026-01-01,A,39.0,166\n",
            {"date": "Mes", "team": "Tienda"},
            "nps_looks_aggregate",
            {"date": "Mes", "team": "Tienda", "value": "NPS_Score", "count": "Total_Responses"},
        ),
        ("Mes,NPS\n2025-12-01,9\n2026-01-01,7\n", None, "no_date_column", {"date": "Mes"}),
        ("user_id,text,NPS_Score\n1,good,9\n2,bad,3\n", None, "no_date", {"date": "@first-seen"}),
        (
            "ticket_id,created_date,resolved_date,csat_score\nT1,2024-01-01,2024-01-02,4.0\n",
            None,
            "several_dates",
            {"date": "resolved_date"},
        ),
        ("date,value\n2026-03-01,40\n", {"value": "value"}, "no_metric", {"value": "value", "metric": "nps"}),
    ],
)
def test_refusals_carry_the_mapping_that_reads_the_file(
    text: str, mapping: dict[str, str] | None, code: str, suggestion: dict[str, str] | None
) -> None:
    rejected = refusal(text, mapping)
    assert rejected.code == code
    if suggestion is None:
        assert rejected.suggestion is None
    else:
        assert rejected.suggestion is not None
        assert {k: v for k, v in rejected.suggestion.items() if k in suggestion} == suggestion
        result = follow(text, mapping)
        assert result.rows, "the suggestion must import the file"


def test_following_the_csat_hint_reads_stars_as_csat() -> None:
    text = '\ufeffrating\tdate\tverified_reviews\r\n5\t31-Jul-18\tLove it\r\n2\t30-Jul-18\t"Slow, loud"\r\n'
    rows = responses(follow(text).rows)
    assert [(r.metric, r.score, r.day) for r in rows] == [
        ("csat", 5, date(2018, 7, 31)),
        ("csat", 2, date(2018, 7, 30)),
    ]


def test_google_forms_timestamps_and_a_quoted_question() -> None:
    question = "17. How would you rate the service? (Promptness, friendliness, etc..)"
    text = (
        f'Timestamp,1. Your Gender,"{question}"\n'
        "2019/10/01 12:38:43 PM GMT+8,Female,4\n"
        "2019/10/02 9:01:02 AM GMT+8,Male,2\n"
    )
    mapping = parse_column_mapping(f'date=Timestamp, csat="{question}"')
    rows = responses(parse_cx_csv(text, mapping).rows)
    assert [(r.day, r.metric, r.score) for r in rows] == [
        (date(2019, 10, 1), "csat", 4),
        (date(2019, 10, 2), "csat", 2),
    ]


def test_column_numbers_in_a_mapping() -> None:
    text = "When,Who,Q\n2026-03-01,x,9\n"
    rows = responses(parse_cx_csv(text, parse_column_mapping("date=#1, nps=#3")).rows)
    assert [(r.day, r.score) for r in rows] == [(date(2026, 3, 1), 9)]


def test_close_timestamps_decide_month_first_with_a_note() -> None:
    text = (
        "Timestamp,How likely are you to recommend us?\n"
        "11/1/2019 8:51:12,0\n11/2/2019 9:00:01,9\n11/4/2019 10:00:00,7\n"
    )
    header, stream = iter_cx_csv(io.StringIO(text, newline="").readlines())
    assert [row.day for row in stream if isinstance(row, CxResponseRow)] == [
        date(2019, 11, 1),
        date(2019, 11, 2),
        date(2019, 11, 4),
    ]
    assert header.notes == (("date_order_close", "m/d/y"),)


@pytest.mark.parametrize(
    "text",
    [
        # 1 January … 1 April written as date-times at midnight: 1–4 January the other way round
        "Date,NPS\n1/1/2026 0:00,9\n1/2/2026 0:00,3\n1/3/2026 0:00,10\n1/4/2026 0:00,7\n",
        # a monthly scorecard's rows are dated by their month, even with a time of day
        "date,metric,value,count\n1/1/2026 8:00,nps,20,10\n1/2/2026 8:00,nps,30,10\n1/4/2026 8:00,nps,10,10\n",
    ],
)
def test_close_reading_is_not_guessed_for_midnights_or_periods(text: str) -> None:
    with pytest.raises(CxFileRejected) as refused:
        parse_cx_csv(text)
    assert (refused.value.code, refused.value.suggestion) == ("date_ambiguous", None)


def test_declared_date_format_reads_an_ambiguous_column() -> None:
    rows = responses(parse_cx_csv("Date,NPS\n1/2/2021,9\n3/4/2021,7\n", {"date_format": "m/d/y"}).rows)
    assert [r.day for r in rows] == [date(2021, 1, 2), date(2021, 3, 4)]


@pytest.mark.parametrize(
    ("header", "mapping", "cells", "expected"),
    [
        ("pvm,Tyytyväisyys", None, ["Erittäin tyytyväinen", "tyytymätön"], [("csat", 5, None), ("csat", 2, None)]),
        ("date,csat", None, ["Very satisfied", "neutral"], [("csat", 5, None), ("csat", 3, None)]),
        ("created_at,satisfaction", None, ["good", "bad"], [("csat", 5, None), ("csat", 1, None)]),
        ("date,Satisfaction (1–7)", None, ["7", "5"], [("csat", 7, 7), ("csat", 5, 7)]),
        ("date,Q3", {"csat": "Q3", "scale": "1-7"}, ["6", "2"], [("csat", 6, 7), ("csat", 2, 7)]),
        ("date,Q3", {"csat": "Q3", "scale": "0-10"}, ["0", "10"], [("csat", 0, 10), ("csat", 10, 10)]),
        ("Vastausaika,NPS", None, ["9", "3"], [("nps", 9, None), ("nps", 3, None)]),
        ("Vastauksen päivämäärä,NPS", None, ["9", "3"], [("nps", 9, None), ("nps", 3, None)]),
        (
            "Completion Date,Would you recommend us? (Score 0-10)",
            None,
            ["9", "3"],
            [("nps", 9, None), ("nps", 3, None)],
        ),
        ("date,score", None, ["9", "3"], [("nps", 9, None), ("nps", 3, None)]),  # answers over 5: a 0–10 NPS
    ],
)
def test_scales_and_words(
    header: str, mapping: dict[str, str] | None, cells: list[str], expected: list[tuple[str, int, int | None]]
) -> None:
    text = header + "\n" + "".join(f"2026-03-0{i + 1},{cell}\n" for i, cell in enumerate(cells))
    rows = responses(parse_cx_csv(text, mapping).rows)
    assert [(r.metric, r.score, r.scale_max) for r in rows] == expected


SCORECARD = (
    "Mes,Tienda,NPS_Score,Total_Responses,Promotores,Neutros,Detractores\n"
    "2025-12-01,,26.0,194,109,26,59\n"
    "2025-12-01,Caballito,23.0,47,25,8,14\n"
    "2025-12-01,Scalabrini,28.0,147,84,18,45\n"
    '2026-01-01,,39.0,"1,166",705,320,141\n'
    '2026-01-01,Caballito,40.0,"1 166",705,320,141\n'
)


def test_scorecard_counts_replace_the_rounded_value_and_totals_are_not_counted_twice() -> None:
    mapping = parse_column_mapping("date=Mes, team=Tienda, value=NPS_Score, count=Total_Responses")
    header, stream = iter_cx_csv(io.StringIO(SCORECARD, newline="").readlines(), mapping)
    rows = [row for row in stream if isinstance(row, CxAggregateRow)]
    assert header.shape == "aggregates" and header.metric_constant == "nps"
    assert [(r.day, r.team, r.count, round(r.value, 2)) for r in rows] == [
        (date(2025, 12, 1), "Caballito", 47, 23.4),
        (date(2025, 12, 1), "Scalabrini", 147, 26.53),
        (date(2026, 1, 1), "Caballito", 1166, 48.37),
    ]
    assert stream.totals_dropped == 2


def test_a_total_row_that_is_not_the_sum_is_rejected() -> None:
    text = "date,team,value,count\n2026-01-01,,50,10\n2026-01-01,A,40,4\n"
    result = parse_cx_csv(text, {"metric": "nps"})
    assert [(r.team, r.count) for r in result.rows if isinstance(r, CxAggregateRow)] == [("A", 4)]
    assert [(r.line, r.code) for r in result.rejections] == [(2, "total_mismatch")]


def test_first_seen_dates_rows_today_with_keys_that_do_not_change_tomorrow() -> None:
    text = "user_id,text,NPS_Score\n1,good,9\n2,bad,3\n"
    today = parse_cx_csv(text, {"date": "@first-seen"}, today=date(2026, 3, 2))
    tomorrow = parse_cx_csv(text, {"date": "@first-seen"}, today=date(2026, 3, 3))
    assert [r.day for r in today.rows] == [date(2026, 3, 2)] * 2
    assert [r.row_key for r in today.rows] == [r.row_key for r in tomorrow.rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 234", 1234), ("1,234", 1234), ("1.234", 1234), ("1\u00a0234", 1234), ("12", 12), ("12.0", 12), ("1,5", None)],
)
def test_parse_count_thousands(text: str, expected: int | None) -> None:
    assert parse_count(text) == expected
