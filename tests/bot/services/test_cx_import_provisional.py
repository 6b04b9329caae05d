"""A long feed is read once (its decisions taken from its beginning and confirmed by its end) and stored as a
read of the whole file first would store it: the same rows, per-day counts and summary; a file whose end
refuses it changes nothing; an import that stops before its end is undone by the next one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlmodel import select

from bot.deps import Deps
from bot.domain import cxcsv
from bot.services import cx_import, export, feedback
from storage import cx_repository
from storage.db import Database
from storage.models import CxDaily, CxResponse, Workspace
from tests.bot.services.test_cx_import import NOW, RESPONSES, WORKSPACE, make_settings
from tests.conftest import BOTH_BACKENDS

OTHER = "T0002"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def short(monkeypatch: pytest.MonkeyPatch) -> None:
    """A beginning of 5 records, parsed and stored 4 at a time: a 30-row file is read once, in several
    transactions."""
    monkeypatch.setattr(cxcsv, "PREFIX_RECORDS", 5)
    monkeypatch.setattr(cxcsv, "CHUNK_RECORDS", 4)
    monkeypatch.setattr(cx_import, "BATCH", 4)


def rows_of(db: Database, workspace: str) -> list[tuple[str, date, str, int, int | None, str | None, str | None]]:
    with db.session_scope() as session:
        rows = session.exec(select(CxResponse).where(CxResponse.workspace_id == workspace)).all()
        return sorted((r.row_key, r.day, r.metric, r.score, r.team_id, r.team_label, r.comment) for r in rows)


def daily_of(db: Database, workspace: str) -> list[tuple[int, date, str, int, int, int, int, int]]:
    with db.session_scope() as session:
        rows = session.exec(select(CxDaily).where(CxDaily.workspace_id == workspace)).all()
        return sorted(
            (r.team_key, r.day, r.metric, r.n, r.promoters, r.passives, r.detractors, r.satisfied) for r in rows
        )


def feed_state(db: Database, workspace: str) -> dict[str, Any]:
    with db.session_scope() as session:
        found = session.get(Workspace, workspace)
        assert found is not None
        return json.loads(found.cx_feed_state) if found.cx_feed_state else {}


def write(tmp_path: Path, name: str, header: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


HEADER = "Response ID,Submitted at,How likely are you to recommend us?,Team,Comment\n"
LONG = [
    f"q{i},{1 + (i + 12) % 28}/2/2026,{i % 11},{['Support', 'Sales', ''][i % 3]},{'' if i % 4 else 'ok'}\n"
    for i in range(30)
]


@BOTH_BACKENDS
def test_a_long_file_read_once_is_stored_as_two_reads_store_it(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = write(tmp_path, "long.csv", HEADER, [*LONG, "q99,31/2/2026,9,,\n", "q98,2/2/2026,11,,\n"])
    settings_ = make_settings(database_url, tmp_path)
    two_reads = cx_import.import_for_workspace(settings_, db, OTHER, NOW, source=str(feed))
    monkeypatch.setattr(cxcsv, "PREFIX_RECORDS", 5)
    monkeypatch.setattr(cxcsv, "CHUNK_RECORDS", 4)
    monkeypatch.setattr(cx_import, "BATCH", 4)
    one_read = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (one_read.status, one_read.imported, one_read.rejected) == ("imported", 30, 2)
    assert one_read.to_json() == two_reads.to_json()
    assert rows_of(db, WORKSPACE) == rows_of(db, OTHER)
    assert daily_of(db, WORKSPACE) == daily_of(db, OTHER)
    assert cx_import.UNCONFIRMED not in feed_state(db, WORKSPACE)
    assert feed_state(db, WORKSPACE)["sha256"]  # the grown feed's tail can be read alone next time


@BOTH_BACKENDS
@pytest.mark.usefixtures("short")
def test_a_file_its_end_refuses_changes_nothing(db: Database, database_url: str, tmp_path: Path) -> None:
    """Its first rows set the day/month order (13/2 is d/m), and the last one contradicts it (2/13 is m/d):
    the rows stored before the end are deleted again, and the earlier import's rows and counts stay."""
    settings_ = make_settings(database_url, tmp_path)
    earlier = write(tmp_path, "earlier.csv", HEADER, [RESPONSES.splitlines(keepends=True)[1]])
    assert cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(earlier)).imported == 1
    before = (rows_of(db, WORKSPACE), daily_of(db, WORKSPACE))
    feed = write(tmp_path, "conflict.csv", HEADER, [*LONG, "q99,2/13/2026,9,,\n"])
    summary = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (summary.status, summary.file_code, summary.imported) == ("rejected", "date_conflict", 0)
    assert (rows_of(db, WORKSPACE), daily_of(db, WORKSPACE)) == before
    assert cx_import.UNCONFIRMED not in feed_state(db, WORKSPACE)


@BOTH_BACKENDS
@pytest.mark.usefixtures("short")
def test_a_file_its_end_reads_otherwise_is_stored_with_the_whole_files_decisions(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """ISO dates first, then d/m/y ones of which 25/2 decides the order: every d/m/y date is read day first,
    each row stored once and counted once."""
    lines = [f"r{i},2026-02-{1 + i % 20:02d},{i % 11},,\n" for i in range(12)]
    lines += [f"s{i},{1 + i % 12}/2/2026,9,,\n" for i in range(12)] + ["s99,25/2/2026,9,,\n"]
    feed = write(tmp_path, "mixed.csv", HEADER, lines)
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert (summary.status, summary.imported, summary.already_present, summary.rows_read) == ("imported", 25, 0, 25)
    days = {key: day for key, day, *_rest in rows_of(db, WORKSPACE)}
    assert (days["id:nps:s2"], days["id:nps:s11"], days["id:nps:s99"]) == (
        date(2026, 2, 3),
        date(2026, 2, 12),
        date(2026, 2, 25),
    )
    counted = daily_of(db, WORKSPACE)
    with db.session_scope() as session:
        cx_repository.rebuild_daily(session, WORKSPACE)
    assert daily_of(db, WORKSPACE) == counted
    assert sum(row[3] for row in counted if row[0] == cx_repository.WHOLE_WORKSPACE) == 25


@BOTH_BACKENDS
@pytest.mark.usefixtures("short")
def test_an_import_that_stops_before_its_end_is_undone_by_the_next(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_ = make_settings(database_url, tmp_path)
    earlier = write(tmp_path, "earlier.csv", HEADER, [RESPONSES.splitlines(keepends=True)[1]])
    cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(earlier))
    kept = rows_of(db, WORKSPACE)[0]
    real_tally = cx_repository.daily_tally
    calls = []

    def tally_then_stop(records: Any) -> Any:
        calls.append(1)
        if len(calls) == 4:
            raise OSError("the process stops here")
        return real_tally(records)

    monkeypatch.setattr(cx_repository, "daily_tally", tally_then_stop)
    counted_before = daily_of(db, WORKSPACE)
    feed = write(tmp_path, "long.csv", HEADER, LONG)
    with pytest.raises(OSError, match="stops here"):
        cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert len(rows_of(db, WORKSPACE)) == 1 + 12  # the earlier row and three batches of this one
    assert cx_import.UNCONFIRMED in feed_state(db, WORKSPACE)
    assert daily_of(db, WORKSPACE) == counted_before  # no report counts rows that may be deleted again

    monkeypatch.setattr(cx_repository, "daily_tally", real_tally)
    other = write(tmp_path, "other.csv", HEADER, LONG[20:])  # the next pull: a file without the first rows
    summary = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(other))
    assert (summary.status, summary.imported) == ("imported", 10)
    assert kept in rows_of(db, WORKSPACE)  # the earlier import's row stays
    assert {key for key, *_rest in rows_of(db, WORKSPACE)} == {kept[0]} | {f"id:nps:q{i}" for i in range(20, 30)}
    counted = daily_of(db, WORKSPACE)
    with db.session_scope() as session:
        cx_repository.rebuild_daily(session, WORKSPACE)
    assert daily_of(db, WORKSPACE) == counted
    assert cx_import.UNCONFIRMED not in feed_state(db, WORKSPACE)


@BOTH_BACKENDS
@pytest.mark.usefixtures("short")
def test_counts_of_a_long_file_partly_stored_already_equal_a_recount(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """Batches of which some rows were stored by an earlier import are counted from the table once the file is
    confirmed, the others from their tallies: together, what a recount gives."""
    settings_ = make_settings(database_url, tmp_path)
    every_third = write(tmp_path, "some.csv", HEADER, LONG[::3])
    assert cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(every_third)).imported == 10
    feed = write(tmp_path, "all.csv", HEADER, LONG)
    summary = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (summary.status, summary.imported, summary.already_present) == ("imported", 20, 10)
    counted = daily_of(db, WORKSPACE)
    assert sum(row[3] for row in counted if row[0] == cx_repository.WHOLE_WORKSPACE) == 30
    with db.session_scope() as session:
        cx_repository.rebuild_daily(session, WORKSPACE)
    assert daily_of(db, WORKSPACE) == counted


@BOTH_BACKENDS
@pytest.mark.usefixtures("short")
def test_an_import_deletes_its_own_rows_even_when_its_mark_was_overwritten(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process importing the same feed may write the feed state between this import's mark and its end:
    the import knows its own first row id and deletes its rows all the same."""
    real_confirm = cxcsv.CxRowStream.confirm

    def overwritten_then_confirm(stream: cxcsv.CxRowStream) -> Any:
        with db.session_scope() as session:
            found = session.get(Workspace, WORKSPACE)
            assert found is not None and cx_import.UNCONFIRMED in json.loads(found.cx_feed_state or "{}")
            found.cx_feed_state = json.dumps({"source": "elsewhere"})
        return real_confirm(stream)

    monkeypatch.setattr(cxcsv.CxRowStream, "confirm", overwritten_then_confirm)
    feed = write(tmp_path, "conflict.csv", HEADER, [*LONG, "q99,2/13/2026,9,,\n"])
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert (summary.status, summary.file_code) == ("rejected", "date_conflict")
    assert rows_of(db, WORKSPACE) == []
    assert daily_of(db, WORKSPACE) == []


COMMENTED = [f"c{i},{13 + i % 15}/2/2026,{[10, 0][i % 2]},Support,said {i}\n" for i in range(30)]


def readings(db: Database, settings_: Any) -> tuple[list[str], list[str], list[str]]:
    """What reports read from the rows themselves: the customers' words, the elements' comparison, the export."""
    words = feedback.customer_words(db, WORKSPACE, None, date(2026, 1, 1), date(2026, 3, 31), per_side=100)
    compared = feedback.element_comparison(
        db,
        WORKSPACE,
        None,
        date(2026, 1, 1),
        date(2026, 3, 31),
        after=datetime(2026, 1, 1, tzinfo=UTC),
        before=datetime(2026, 4, 1, tzinfo=UTC),
    )
    exported = export.export_csv(cast(Deps, SimpleNamespace(settings=settings_, db=db)), WORKSPACE)
    return (
        sorted(voice.text for voice in (*words.promoters, *words.detractors)),
        [repr(compared)],
        [line for line in exported.splitlines() if line.startswith("cx,")],
    )


@BOTH_BACKENDS
@pytest.mark.usefixtures("short")
def test_reports_read_no_row_of_an_unconfirmed_import(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows stored before their file is confirmed (half-way through an import, or left by one that stopped) may
    be deleted again: the customers' words, the comparison and the export read as before the import."""
    settings_ = make_settings(database_url, tmp_path)
    earlier = write(tmp_path, "earlier.csv", HEADER, COMMENTED[:3])
    assert cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(earlier)).imported == 3
    before = readings(db, settings_)
    assert before[0] and before[2]
    real_tally = cx_repository.daily_tally
    calls = []

    def tally_then_stop(records: Any) -> Any:
        calls.append(1)
        if len(calls) == 4:
            assert readings(db, settings_) == before  # half-way
            raise OSError("the process stops here")
        return real_tally(records)

    monkeypatch.setattr(cx_repository, "daily_tally", tally_then_stop)
    feed = write(tmp_path, "long.csv", HEADER, COMMENTED)
    with pytest.raises(OSError, match="stops here"):
        cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert len(rows_of(db, WORKSPACE)) > 3
    assert readings(db, settings_) == before  # left by an import that stopped


@BOTH_BACKENDS
def test_a_grown_feeds_tail_that_stopped_half_way_is_stored_once(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed without response ids: a row's key counts the identical rows stored before it, so the tail's rows an
    import stored before it stopped must not count for the next import's read of the tail (nor stay uncounted):
    the next import stores what one import of the whole file stores."""
    monkeypatch.setattr(cxcsv, "CHUNK_RECORDS", 4)
    monkeypatch.setattr(cx_import, "BATCH", 4)
    settings_ = make_settings(database_url, tmp_path)
    rows = [f"2026-02-0{1 + i % 3},{9 + i % 2},same\n" for i in range(30)]
    feed = write(tmp_path, "feed.csv", "Date,NPS,Comment\n", rows[:18])
    assert cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed)).imported == 18
    feed = write(tmp_path, "feed.csv", "Date,NPS,Comment\n", rows)
    real_insert = cx_repository.insert_ignoring_duplicates
    calls = []

    def insert_then_stop(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:  # the tail's first batch is stored
            raise OSError("the process stops here")
        return real_insert(*args)

    monkeypatch.setattr(cx_repository, "insert_ignoring_duplicates", insert_then_stop)
    with pytest.raises(OSError, match="stops here"):
        cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    monkeypatch.setattr(cx_repository, "insert_ignoring_duplicates", real_insert)
    summary = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    whole = cx_import.import_for_workspace(settings_, db, OTHER, NOW, source=str(feed))
    assert (summary.status, summary.imported, summary.already_present) == ("imported", 12, 18)
    assert (whole.status, whole.imported) == ("imported", 30)
    assert rows_of(db, WORKSPACE) == rows_of(db, OTHER)
    assert len(rows_of(db, WORKSPACE)) == 30
    counted = daily_of(db, WORKSPACE)
    assert counted == daily_of(db, OTHER)
    with db.session_scope() as session:
        cx_repository.rebuild_daily(session, WORKSPACE)
    assert daily_of(db, WORKSPACE) == counted


@BOTH_BACKENDS
@pytest.mark.parametrize("grown", [True, False])
def test_an_import_that_stops_before_saving_the_feed_state_leaves_no_tail_to_read_twice(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grown: bool
) -> None:
    """Rows kept (confirmed) but the process stops before the feed state is written: the earlier state must not
    read them again as a tail, where rows without ids would count themselves and be stored twice."""
    monkeypatch.setattr(cxcsv, "PREFIX_RECORDS", 5)
    monkeypatch.setattr(cxcsv, "CHUNK_RECORDS", 4)
    monkeypatch.setattr(cx_import, "BATCH", 4)
    settings_ = make_settings(database_url, tmp_path)
    rows = [f"2026-02-0{1 + i % 3},{9 + i % 2},same\n" for i in range(45)]
    feed = write(tmp_path, "feed.csv", "Date,NPS,Comment\n", rows[:15])
    assert cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed)).imported == 15
    if not grown:  # a file the earlier state doesn't read as a tail: read whole (provisionally)
        feed = write(tmp_path, "feed.csv", "Date,NPS,Comment\n", ["2026-02-09,1,other\n", *rows[:30]])
    else:
        feed = write(tmp_path, "feed.csv", "Date,NPS,Comment\n", rows[:30])

    def stop(*_args: Any) -> None:
        raise OSError("the process stops here")

    monkeypatch.setattr(cx_import, "_save_state", stop)
    with pytest.raises(OSError, match="stops here"):
        cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    monkeypatch.undo()
    monkeypatch.setattr(cxcsv, "CHUNK_RECORDS", 4)
    monkeypatch.setattr(cx_import, "BATCH", 4)
    last = rows[:45] if grown else ["2026-02-09,1,other\n", *rows[:45]]
    feed = write(tmp_path, "feed.csv", "Date,NPS,Comment\n", last)
    assert cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed)).status == "imported"
    assert cx_import.import_for_workspace(settings_, db, OTHER, NOW, source=str(feed)).imported == len(last)
    assert rows_of(db, WORKSPACE) == rows_of(db, OTHER)
    assert daily_of(db, WORKSPACE) == daily_of(db, OTHER)
