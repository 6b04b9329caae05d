"""The one-read parse of a long file (iter_cx_csv(provisional=True)): decisions taken from the file's beginning,
confirmed by the whole file once it is read. Whatever the beginning says, the end result is the decisions a
read of the whole file takes: the same header, or the same refusal."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import cxcsv
from bot.domain.cxcsv import CxFileRejected, CxHeader, CxRowStream, iter_cx_csv

PREFIX = 4  # records the beginning holds in these tests


@pytest.fixture(autouse=True)
def short_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cxcsv, "PREFIX_RECORDS", PREFIX)


def lines(text: str) -> list[str]:
    return io.StringIO(text, newline="").readlines()


def read_whole(stream: CxRowStream) -> list[object]:
    return [item for chunk in stream.chunks() for item in chunk]


def two_reads(text: str) -> CxHeader | str:
    """What the file is read as without the one-read path: a header, or a refusal's code."""
    try:
        return iter_cx_csv(lines(text))[0]
    except CxFileRejected as rejected:
        return rejected.code


def nps_file(dates: list[str], scores: list[str] | None = None) -> str:
    scores = scores or ["9"] * len(dates)
    return "Date,NPS\n" + "".join(f"{day},{score}\n" for day, score in zip(dates, scores, strict=True))


LATE_CONFLICT = ["25/12/2025", "1/2/2026", "2/2/2026", "3/2/2026", "4/2/2026", "12/25/2025"]
LATE_ORDER = ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05", "25/2/2026", "3/2/2026"]


@pytest.mark.parametrize(
    ("text", "provisional", "confirmed"),
    [
        # (the file, whether its beginning settles it, what the whole file says of the beginning's decisions)
        pytest.param(nps_file(["2026-02-0" + str(d) for d in range(1, 10)]), True, "same", id="iso-dates"),
        pytest.param(nps_file(["2026-02-01"] * 3), False, "same", id="shorter-than-the-beginning"),
        pytest.param(nps_file(LATE_CONFLICT), True, "date_conflict", id="a-later-date-contradicts-the-order"),
        pytest.param(nps_file(LATE_ORDER), True, "reread", id="a-later-date-decides-an-order"),
        pytest.param(
            nps_file(["1/2/2026", "2/2/2026", "3/2/2026", "4/2/2026", "5/2/2026", "25/2/2026"]),
            False,
            "same",
            id="undecided-beginning-is-read-to-the-end-first",
        ),
        pytest.param(
            "Date,CSAT\n" + "".join(f"2026-02-0{d},{1 + d % 5}\n" for d in range(1, 9)) + "2026-02-09,7\n",
            True,
            "csat_scale",
            id="a-later-csat-answer-above-5",
        ),
        pytest.param(
            nps_file([f"2026-02-{d:02d}" for d in range(1, 16)], ["9"] * 5 + ["45", "-12", "33"] * 3 + ["50"]),
            True,
            "nps_looks_aggregate",
            id="later-values-are-results-not-answers",
        ),
        pytest.param(
            "Date,Score\n" + "".join(f"2026-02-0{d},{d % 4 + 1}\n" for d in range(1, 9)),
            False,
            "score_is_csat",
            id="a-refused-beginning-is-read-to-the-end-first",
        ),
    ],
)
def test_the_whole_file_decides(text: str, provisional: bool, confirmed: str) -> None:
    expected = two_reads(text)
    if not provisional and isinstance(expected, str):
        with pytest.raises(CxFileRejected) as refused:
            iter_cx_csv(lines(text), provisional=True)
        assert refused.value.code == expected == confirmed
        return
    header, stream = iter_cx_csv(lines(text), provisional=True)
    assert stream.provisional is provisional
    read_whole(stream)
    if confirmed == "same":
        assert stream.confirm() is None
        assert header == expected
    elif confirmed == "reread":
        again = stream.confirm()
        assert again is not None and not again.provisional
        assert again.header == expected != header
        rows = read_whole(again)
        assert [row[1] for row in rows if isinstance(row, tuple)][-2:] == [date(2026, 2, 25), date(2026, 2, 3)]
    else:
        with pytest.raises(CxFileRejected) as refused:
            stream.confirm()
        assert refused.value.code == confirmed == expected


def test_a_confirmed_read_gives_the_rows_of_two_reads() -> None:
    text = (
        "Response ID,Submitted,NPS,Team,Comment\n"
        + "".join(f'r{i},{1 + (i + 12) % 28}/3/2026,{i % 11},T{i % 3},"c, {i % 5}"\n' for i in range(60))
        + '\n"broken,2026\n'
    )
    header, stream = iter_cx_csv(lines(text), provisional=True)
    assert stream.provisional
    one_read = read_whole(stream)
    assert stream.confirm() is None
    two_header, two_stream = iter_cx_csv(lines(text))
    assert header == two_header
    assert one_read == read_whole(two_stream)


cells = st.sampled_from(["9", "10", "0", "4", "7", "", "x", "45", "1/2/2026", "13/2/2026", "2/13/2026", "2026-02-03"])


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(cells, cells), min_size=0, max_size=14))
def test_one_read_ends_where_two_reads_do(rows: list[tuple[str, str]]) -> None:
    """Any file: the one-read path ends with the header or the refusal of two reads, and the rows of that header."""
    text = "Date,NPS\n" + "".join(f"{day},{score}\n" for day, score in rows)
    expected = two_reads(text)
    try:
        header, stream = iter_cx_csv(lines(text), provisional=True)
        one_read = read_whole(stream)
        again = stream.confirm()
    except CxFileRejected as rejected:
        assert rejected.code == expected
        return
    if again is None:
        assert header == expected
        assert one_read == read_whole(iter_cx_csv(lines(text))[1])
    else:
        assert stream.provisional and again.header == expected
        assert read_whole(again) == read_whole(iter_cx_csv(lines(text))[1])
