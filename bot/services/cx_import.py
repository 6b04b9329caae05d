"""CX feed: the import of one feed, from its source to the stored rows and the summary of what happened.

The pieces: fetching the source (bot.services.cx_fetch), its encoding (bot.domain.cxencoding), .xlsx
workbooks (bot.services.cx_xlsx), parsing (bot.domain.cxcsv), storing (this module: `store_stream`,
storage.cx_repository) and the scheduled pulls (bot.services.cx_schedule).

A file rejected whole changes nothing: its header and columns are checked before anything is stored, and
a long file read once (its decisions taken from its beginning) has its rows deleted again when its end
refuses it (`_store_confirmed`). A feed that grew adds only its new rows (row identity is the response id,
else a hash of the row; see bot.domain.cxcsv).
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.deps import Deps
from bot.domain.cxcsv import (
    CxFileRejected,
    CxHeader,
    CxRowStream,
    LinesSource,
    RowRejection,
    format_mapping,
    header_from_json,
    header_to_json,
    iter_cx_csv,
    parse_column_mapping,
)
from bot.domain.cxencoding import decode_bytes, detect_encoding, is_utf8
from bot.domain.cximport import MAX_REASONS, FeedStatus, ImportSummary
from bot.services.cx_fetch import FetchError, fetch

# Re-exported: handlers.home imports it from here.
from bot.services.cx_fetch import source_problem as source_problem
from bot.settings import Settings
from bot.timeutil import from_db, to_db
from storage import cx_repository as cx_repo
from storage import repositories as repo
from storage.db import Database
from storage.models import CxAggregate, CxResponse, Workspace

logger = logging.getLogger(__name__)


# Rows stored per transaction. Bigger batches share more per-day count updates (a batch adds to each of its
# team-days once); each still holds SQLite's write lock well under a second.
BATCH = 50_000


def import_bytes(
    db: Database, workspace_id: str, source: str, data: bytes, mapping: dict[str, str] | None, now: datetime
) -> ImportSummary:
    """Import a feed already in memory (tests, small uploads); see `import_lines`."""
    if data[:4] == b"PK\x03\x04":
        from bot.services.cx_xlsx import xlsx_lines_from_bytes

        return import_lines(db, workspace_id, source, xlsx_lines_from_bytes(data, mapping), mapping, now)
    text = decode_bytes(data)
    return import_lines(db, workspace_id, source, lambda: iter(io.StringIO(text, newline="")), mapping, now)


def import_lines(
    db: Database,
    workspace_id: str,
    source: str,
    lines: LinesSource,
    mapping: dict[str, str] | None,
    now: datetime,
) -> ImportSummary:
    """Parse and store, streaming: rows are inserted in batches as they are read, so memory does not grow
    with the file. Good rows are kept, bad rows reported by line number.

    Each batch is its own short transaction, so a big feed never holds SQLite's single write lock for
    minutes (pulse clicks would wait). An import that stops half-way is finished by the next one, since
    stored rows are recognised by their keys; one whose decisions were still unconfirmed is undone by the
    next one first (see `_store_confirmed`). Each batch takes the workspace's lock first, so two imports
    of one workspace never count a row twice.
    """
    summary = ImportSummary(source=source)
    try:
        with _without_cycle_collection():  # the column scan
            header, stream = iter_cx_csv(lines, mapping, today=now.date(), provisional=True)
    except CxFileRejected as rejected:
        return _rejected(summary, rejected)
    return store_stream(db, workspace_id, summary, header, stream, now)


def _rejected(summary: ImportSummary, rejected: CxFileRejected) -> ImportSummary:
    """`summary` as the refusal of the whole file: nothing of it is stored."""
    summary.status = "rejected"
    summary.file_code = rejected.code
    summary.found_columns = list(rejected.found_columns)
    summary.file_column = rejected.column
    summary.file_detail = rejected.detail
    summary.suggestion = format_mapping(rejected.suggestion) if rejected.suggestion else None
    return summary


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while rows stream through (and while the columns are scanned):
    an import holds a batch of tuples and the parse's chunks, whose allocations set off a collection every
    700 objects (a twentieth of the import's CPU), and makes no cycles. Memory freed by reference counting
    is freed as always. Only an import that found the collector on switches it back on, so a pause set by
    someone else is left alone and the collector is on again once the imports running side by side end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Memo(dict[Any, Any]):
    """A dict that fills itself: the value of a key not seen yet is `compute(key)`, kept up to `limit` keys
    (feeds repeat a few labels and days a million times)."""

    def __init__(self, compute: Callable[[Any], Any], limit: int = 10_000) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        value = self.compute(key)
        if len(self) < self.limit:
            self[key] = value
        return value


def store_stream(
    db: Database, workspace_id: str, summary: ImportSummary, header: CxHeader, stream: CxRowStream, now: datetime
) -> ImportSummary:
    """Store what a parse yields, in batches of BATCH rows (one transaction each), and count it in `summary`."""
    return _store_confirmed(db, workspace_id, summary, header, stream, now)[0]


def _store_confirmed(
    db: Database,
    workspace_id: str,
    summary: ImportSummary,
    header: CxHeader,
    stream: CxRowStream,
    now: datetime,
    *,
    undoable: bool = False,
) -> tuple[ImportSummary, CxHeader, CxRowStream]:
    """`store_stream`, giving also the header and stream whose rows were kept.

    A provisional stream (its decisions taken from the file's beginning: see iter_cx_csv) is confirmed once
    read: when the whole file bears the decisions out, its rows stay and are counted; when it doesn't, the
    rows this import stored are deleted, and the file is refused, or stored again from a second read with the
    whole file's decisions. Until then the workspace's feed state names the first row id the import may
    delete (UNCONFIRMED), so an import that stops before its end is undone by the next one. Imports of one
    workspace in this process take turns (see `_workspace_turn`), so no other import's rows fall in that
    range. `undoable`: the rows are marked so though the stream isn't provisional (a grown feed's tail: see
    _import_tail)."""
    with _workspace_turn(workspace_id):
        deferred = _DeferredCounts() if stream.provisional or undoable else None
        kept = _store(db, workspace_id, summary, header, stream, now, deferred)
        if deferred is None:
            return kept, header, stream
        try:
            again = stream.confirm()
        except CxFileRejected as rejected:
            _undo_unconfirmed(db, workspace_id, deferred.after)
            return _rejected(ImportSummary(source=summary.source), rejected), header, stream
        if again is None:
            _confirm(db, workspace_id, deferred)
            return kept, header, stream
        _undo_unconfirmed(db, workspace_id, deferred.after)
        logger.info("cx import: the whole file is read otherwise than its beginning; reading it again")
        fresh = ImportSummary(source=summary.source)
        return _store(db, workspace_id, fresh, again.header, again, now), again.header, again


@dataclass
class _DeferredCounts:
    """The per-day counts of an unconfirmed import's rows, added once its decisions are confirmed (so no report
    counts a row that may be deleted again): the tallies of batches stored whole, and the id ranges of batches
    of which some rows were stored already (counted from the table)."""

    tally: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    ranges: list[tuple[int, int]] = field(default_factory=list)
    after: int = 0  # the last row id before the import's own


def _confirm(db: Database, workspace_id: str, deferred: _DeferredCounts) -> None:
    """An unconfirmed import's rows are kept: their per-day counts added and the mark cleared, together. The
    feed state goes with the mark: an earlier state would read the rows kept now again as a tail (where rows
    without ids count themselves) should the process stop before the import writes its own."""
    with db.session_scope() as session:
        cx_repo.lock_workspace(session, workspace_id)
        cx_repo.add_daily_tally(session, workspace_id, deferred.tally)
        for after, upto in deferred.ranges:
            cx_repo.count_daily(session, workspace_id, after, upto)
        workspace = session.get(Workspace, workspace_id)
        if workspace is not None:
            workspace.cx_feed_state = None


_TURNS: dict[str, threading.RLock] = {}
_TURNS_GUARD = threading.Lock()


@contextmanager
def _workspace_turn(workspace_id: str) -> Iterator[None]:
    """One import of a workspace at a time in this process: a provisional import may have to delete the rows
    it stored, found by their ids, and no other import of the workspace may store rows among them, or write
    the feed state between its mark and its confirmation. Re-entrant: a file's import holds it around the
    store. (Each batch also takes the workspace's lock in the database, for imports in other processes.)"""
    with _TURNS_GUARD:
        turn = _TURNS.setdefault(workspace_id, threading.RLock())
    with turn:
        yield


# The key of the workspace's feed state naming the last cx_response id before an unconfirmed import (reports
# leave the rows after it out: cx_repo.confirmed_only).
UNCONFIRMED = cx_repo.UNCONFIRMED


def _mark_unconfirmed(session: Session, workspace_id: str, after_id: int) -> None:
    """Name the last row id before an unconfirmed import in the feed state (`_confirm` and
    `_undo_unconfirmed` forget it with the state)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is not None:
        workspace.cx_feed_state = json.dumps({**cx_repo.feed_state(workspace), UNCONFIRMED: after_id})


def _undo_unconfirmed(db: Database, workspace_id: str, after: int | None = None) -> None:
    """Delete the rows of an unconfirmed import, this one's (after `after`) or one that stopped before its end
    (UNCONFIRMED in the feed state), and forget the feed state: the next import reads the file whole. The
    per-day counts never held them (see _DeferredCounts)."""
    with db.session_scope() as session:
        cx_repo.lock_workspace(session, workspace_id)
        workspace = session.get(Workspace, workspace_id)
        if after is None:
            after = cx_repo.unconfirmed_after(session, workspace_id)
        if workspace is None or after is None:
            return
        cx_repo.delete_responses_after(session, workspace_id, after)
        workspace.cx_feed_state = None


def _store(
    db: Database,
    workspace_id: str,
    summary: ImportSummary,
    header: CxHeader,
    stream: CxRowStream,
    now: datetime,
    deferred: _DeferredCounts | None = None,
) -> ImportSummary:
    """Rows go from the parse to the database as tuples: no object per row, and the team and day of a row
    are looked up in a dict that fills itself. Each batch's per-day counts are added in its transaction
    (storage.cx_repository.add_daily_counts), or, for an unconfirmed import, kept in `deferred`."""
    _undo_unconfirmed(db, workspace_id)  # an earlier import that stopped before its end
    summary.shape = header.shape
    summary.notes = list(header.notes)
    responses = header.shape == "responses"
    unknown: dict[str, None] = {}
    with db.session_scope() as session:
        repo.ensure_workspace(session, workspace_id, now)
        session.flush()
        cx_repo.lock_workspace(session, workspace_id)
        lookup = cx_repo.team_lookup(session, workspace_id)
        cx_repo.relink_team_labels(session, workspace_id, lookup)  # teams set up since the last import
        day_parameter = cx_repo.day_parameter(session)
        if deferred is not None:
            deferred.after = cx_repo.last_response_id(session)
            _mark_unconfirmed(session, workspace_id, deferred.after)

    def team_of(label: str | None) -> int | None:
        if not label:
            return None
        team_id = lookup.get(label.lower().lstrip("#"))
        if team_id is None and len(unknown) < 50:
            unknown.setdefault(label)
        return team_id

    # A response's team id and label as insert_ignoring_duplicates takes them (0 and "" for NULL)
    nulls = cx_repo.RESPONSE_NULLS
    team_ids = _Memo(lambda label: team_of(label) or nulls["team_id"])
    labels = _Memo(lambda label: label[:200] if label else nulls["team_label"])
    days = _Memo(day_parameter)
    no_comment, no_scale = nulls["comment"], nulls["scale_max"]
    # Columns holding one value in every row of this import (bound once per statement, not once per row):
    # one score column of a known metric has one metric and one scale; no team column, or no team set up
    # to match a label, leaves every team id empty.
    same = {"workspace_id"}
    if len(header.score_columns) == 1 and header.score_columns[0].metric is not None:
        same |= {"metric", "scale_max"}
    if header.team_index is None:
        same |= {"team_id", "team_label"}
    if not lookup:
        same.add("team_id")
    if header.comment_index is None:
        same.add("comment")

    def store(batch: list[Any]) -> None:
        with db.session_scope() as session:
            cx_repo.lock_workspace(session, workspace_id)
            if responses:
                after = cx_repo.last_response_id(session)
                records = [
                    (
                        workspace_id,
                        key,
                        days[day],
                        metric,
                        score,
                        team_ids[team],
                        labels[team],
                        comment or no_comment,
                        scale_max or no_scale,
                    )
                    for _line, day, metric, score, team, comment, key, scale_max in batch
                ]
                inserted = cx_repo.insert_ignoring_duplicates(session, CxResponse, records, same)
                if deferred is not None:
                    if inserted == len(records):
                        deferred.tally.update(cx_repo.daily_tally(records))
                    elif inserted:
                        deferred.ranges.append((after, cx_repo.last_response_id(session)))
                elif inserted == len(records):
                    cx_repo.add_daily_counts(session, workspace_id, records)
                elif inserted:  # some were stored already: count the ones this batch stored
                    cx_repo.count_daily(session, workspace_id, after)
            else:
                aggregates = [
                    (
                        *(workspace_id, row.row_key, days[row.day], row.metric, row.value, row.count),
                        *(team_of(row.team), row.team[:200] if row.team else None),
                    )
                    for row in batch
                ]
                inserted = cx_repo.insert_ignoring_duplicates(session, CxAggregate, aggregates, ("workspace_id",))
        summary.imported += inserted
        summary.already_present += len(batch) - inserted

    batch: list[Any] = []
    # code -> [rows, first line, first detail]; a grown feed's tail adds to the reasons of its start
    groups: dict[str, list[Any]] = {code: [count, line, detail] for count, line, code, detail in summary.reasons}
    with _without_cycle_collection():
        stored_rows = _store_chunks(stream, batch, groups, summary, store)
    summary.rows_read += stream.rows_read
    summary.totals_dropped = stream.totals_dropped
    summary.reasons = [(count, line, code, detail) for code, (count, line, detail) in groups.items()]
    summary.unknown_teams = list(unknown)
    if stored_rows == 0 and summary.already_present == 0 and summary.rejected:
        summary.status = "rejected"  # every row was refused: nothing in the file was imported
        summary.file_code = "no_rows"
    return summary


def _store_chunks(
    stream: CxRowStream,
    batch: list[Any],
    groups: dict[str, list[Any]],
    summary: ImportSummary,
    store: Callable[[list[Any]], None],
) -> int:
    """Rows of the stream to `store` in batches of BATCH; returns how many were given to it."""
    stored_rows = 0
    for chunk in stream.chunks():
        if RowRejection not in map(type, chunk):  # the usual chunk: looked through in C, taken whole
            batch += chunk
        else:
            _sort_chunk(chunk, batch, groups, summary)
        if len(batch) >= BATCH:
            stored_rows += len(batch)
            store(batch)
            batch.clear()
    if batch:
        stored_rows += len(batch)
        store(batch)
        batch.clear()
    return stored_rows


def _sort_chunk(chunk: list[Any], batch: list[Any], groups: dict[str, list[Any]], summary: ImportSummary) -> None:
    """Rows of a chunk to `batch`, its rejections counted in `summary` and grouped by reason in `groups`."""
    for item in chunk:
        if item.__class__ is RowRejection:
            summary.rejected += 1
            group = groups.get(item.code)
            if group is None:
                if len(groups) < MAX_REASONS:
                    groups[item.code] = [1, item.line, item.detail]
            else:
                group[0] += 1
        else:
            batch.append(item)


def import_file(
    db: Database, workspace_id: str, source: str, path: Path, mapping: dict[str, str] | None, now: datetime
) -> ImportSummary:
    """Import a CSV/TSV or .xlsx file, streaming (a long file is read once, a short one twice: see iter_cx_csv).

    A file that only grew since its last import (its old length hashes the same) is read from where that
    import stopped, with its parse decisions; any other change reads it whole again. The workspace's turn is
    held from reading the feed state to writing it (see _workspace_turn).
    """
    with _workspace_turn(workspace_id):
        return _import_file(db, workspace_id, source, path, mapping, now)


def _import_file(
    db: Database, workspace_id: str, source: str, path: Path, mapping: dict[str, str] | None, now: datetime
) -> ImportSummary:
    with path.open("rb") as raw:
        if raw.read(4) == b"PK\x03\x04":  # a zip: an .xlsx workbook
            from bot.services.cx_xlsx import xlsx_lines

            return import_lines(db, workspace_id, source, xlsx_lines(path, mapping), mapping, now)
        raw.seek(0)
        encoding = detect_encoding(raw.read(1 << 20))
        if encoding == "utf-8":
            # A stray byte far into a file that began as UTF-8 makes it cp1252. Decided before anything is
            # stored: changing the encoding half-way would give the same rows other keys, and import them twice.
            raw.seek(0)
            if not is_utf8(iter(lambda: raw.read(1 << 20), b"")):
                encoding = "cp1252"
    columns = format_mapping(mapping) if mapping else ""
    state = _load_state(db, workspace_id)
    if state and UNCONFIRMED not in state:
        resumed = _import_tail(db, workspace_id, source, path, columns, encoding, state, now)
    else:
        resumed = None
    if resumed is not None:
        return resumed

    def open_lines() -> Iterator[str]:
        with path.open("r", encoding=encoding, errors="replace", newline="") as text:
            yield from text

    summary = ImportSummary(source=source)
    try:
        with _without_cycle_collection():  # the column scan
            header, stream = iter_cx_csv(open_lines, mapping, today=now.date(), provisional=True)
    except CxFileRejected as rejected:
        return _rejected(summary, rejected)
    summary, header, stream = _store_confirmed(db, workspace_id, summary, header, stream, now)
    if summary.status == "imported" and header.shape == "responses":
        size, digest, ends_line = _file_hash(path)
        if ends_line:
            _save_state(
                db,
                workspace_id,
                {
                    "source": source,
                    "columns": columns,
                    "encoding": encoding,
                    "size": size,
                    "sha256": digest,
                    "lines": stream.lines_consumed,
                    "rows_read": summary.rows_read,
                    "present": summary.imported + summary.already_present,
                    "rejected": summary.rejected,
                    "reasons": summary.reasons,
                    "header": header_to_json(header),
                },
            )
        else:  # an earlier file's state would read rows stored now as a tail (see _import_tail)
            _save_state(db, workspace_id, None)
    return summary


def _file_hash(path: Path, size: int | None = None) -> tuple[int, str, bool]:
    """(length, SHA-256 of the first `size` bytes or the whole file, whether that part ends a line)."""
    digest = hashlib.sha256()
    read = 0
    last = b""
    with path.open("rb") as raw:
        while size is None or read < size:
            chunk = raw.read(1 << 20 if size is None else min(1 << 20, size - read))
            if not chunk:
                break
            digest.update(chunk)
            read += len(chunk)
            last = chunk[-1:]
    return read, digest.hexdigest(), last == b"\n"


def _import_tail(
    db: Database,
    workspace_id: str,
    source: str,
    path: Path,
    columns: str,
    encoding: str,
    state: dict[str, Any],
    now: datetime,
) -> ImportSummary | None:
    """The import of a feed that grew: only its new lines are parsed. None when it must be read whole."""
    if (state.get("source"), state.get("columns"), state.get("encoding")) != (source, columns, encoding):
        return None
    size = int(state["size"])
    if path.stat().st_size < size or _file_hash(path, size)[1] != state["sha256"]:
        return None
    header = header_from_json(state["header"], now.date())
    summary = ImportSummary(source=source, shape=header.shape, rows_read=int(state["rows_read"]))
    summary.already_present = int(state["present"])
    # The start's rejected rows are still rejected: the summary says so as a full read would.
    summary.rejected = int(state.get("rejected", 0))
    summary.reasons = [(int(c), int(n), str(code), str(d)) for c, n, code, d in state.get("reasons", [])]
    table_keys = cx_repo.existing_keys

    def prior(nth_key: Callable[[int], str]) -> int:
        """Identical rows the unchanged part held: their keys are #0, #1, … (see CxRowStream)."""
        count = 0
        with db.session_scope() as session:
            while table_keys(session, workspace_id, CxResponse, [nth_key(count)]):
                count += 1
        return count

    with path.open("rb") as raw:
        raw.seek(size)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        stream = CxRowStream(header, iter(text), int(state["lines"]), prior=prior)
        present_before = summary.already_present
        # Undoable: an identical row's key counts the ones stored before it (`prior`), so a retry of a tail
        # stored in part by an import that stopped would give those rows new keys and store them twice.
        summary = _store_confirmed(db, workspace_id, summary, header, stream, now, undoable=True)[0]
    if summary.status == "imported":
        new_size, digest, ends_line = _file_hash(path)
        if ends_line:
            new_rows = summary.imported + summary.already_present - present_before
            state.update(
                rejected=summary.rejected,
                reasons=summary.reasons,
                size=new_size,
                sha256=digest,
                lines=stream.lines_consumed,
                rows_read=summary.rows_read,
                present=present_before + new_rows,
            )
            _save_state(db, workspace_id, state)
        else:  # stored up to a partial last line: a tail read from the old state would count those rows twice
            _save_state(db, workspace_id, None)
    return summary


def _load_state(db: Database, workspace_id: str) -> dict[str, Any] | None:
    with db.session_scope() as session:
        workspace = session.get(Workspace, workspace_id)
        return (cx_repo.feed_state(workspace) or None) if workspace else None


def _save_state(db: Database, workspace_id: str, state: dict[str, Any] | None) -> None:
    """Remember the feed's state, or (None) forget it: the next import reads the file whole."""
    with db.session_scope() as session:
        workspace = session.get(Workspace, workspace_id)
        if workspace is not None:
            workspace.cx_feed_state = json.dumps(state) if state is not None else None


def _mapping(settings: Settings, workspace: Workspace | None, override: str | None = None) -> dict[str, str] | None:
    text = override or (workspace.cx_feed_columns if workspace else None) or settings.cx_feed_columns
    return parse_column_mapping(text) if text else None


def run_import(deps: Deps, workspace_id: str, *, source: str | None = None, force: bool = False) -> ImportSummary:
    """Pull the workspace's feed now (or `source`), store new rows and remember the result."""
    return import_for_workspace(deps.settings, deps.db, workspace_id, deps.now(), source=source, force=force)


def import_for_workspace(
    settings: Settings,
    db: Database,
    workspace_id: str,
    now: datetime,
    *,
    source: str | None = None,
    force: bool = False,
    columns: str | None = None,
) -> ImportSummary:
    with db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, now)
        feed = source or workspace.cx_feed_source or settings.cx_feed_url
        etag, last_modified = workspace.cx_feed_etag, workspace.cx_feed_last_modified
        remembered = feed == (workspace.cx_feed_source or settings.cx_feed_url)
        set_in_slack = source is None and workspace.cx_feed_source is not None
        try:
            mapping = _mapping(settings, workspace, columns)
        except ValueError as error:
            return ImportSummary(source=feed or "", status="failed", error=f"columns: {error}")
    if not feed:
        return ImportSummary(source="", status="failed", error="no_source")
    try:
        fetched = fetch(
            settings,
            feed,
            confined=set_in_slack,
            etag=None if force or not remembered else etag,
            last_modified=None if force or not remembered else last_modified,
        )
    except FetchError as error:
        summary = ImportSummary(source=feed, status="failed", error=f"{error.code}: {error.detail}".strip(": "))
        logger.warning(summary.log_line())
        return summary
    if fetched.path is None:
        summary = ImportSummary(source=feed, status="not_modified")
    else:
        try:
            summary = import_file(db, workspace_id, feed, fetched.path, mapping, now)
        finally:
            fetched.cleanup()
    if remembered:
        with db.session_scope() as session:
            workspace = repo.ensure_workspace(session, workspace_id, now)
            workspace.cx_feed_last_pull_at = to_db(now)
            if summary.status == "imported":
                workspace.cx_feed_etag = fetched.etag
                workspace.cx_feed_last_modified = fetched.last_modified
            if summary.status != "not_modified":
                workspace.cx_feed_last_summary = summary.to_json()
    logger.info(summary.log_line())
    return summary


def set_feed_source(deps: Deps, workspace_id: str, actor: str, source: str | None) -> None:
    """Admins only. Forgets the previous feed's cache so the new one is read in full."""
    from bot.domain.policy import Action
    from bot.services.teams import require_admin

    require_admin(deps, workspace_id, actor, Action.CX_FEED)
    if source is not None:
        problem = source_problem(deps.settings, source)
        if problem:
            raise ValueError(problem)
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        workspace.cx_feed_source = source
        workspace.cx_feed_set_by = actor if source else None
        workspace.cx_feed_etag = None
        workspace.cx_feed_last_modified = None
        workspace.cx_feed_last_pull_at = None


def set_feed_columns(deps: Deps, workspace_id: str, actor: str, columns: str | None) -> None:
    from bot.domain.policy import Action
    from bot.services.teams import require_admin

    require_admin(deps, workspace_id, actor, Action.CX_FEED)
    if columns:
        parse_column_mapping(columns)  # ValueError names what is wrong
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        workspace.cx_feed_columns = columns
        workspace.cx_feed_etag = None
        workspace.cx_feed_last_modified = None


def set_alias(deps: Deps, workspace_id: str, actor: str, alias: str, team_id: int) -> None:
    """An alias maps a feed's team label to a pulse team; rows already stored under it are linked."""
    from bot.domain.policy import Action
    from bot.services.teams import require_admin

    require_admin(deps, workspace_id, actor, Action.CX_FEED)
    with deps.db.session_scope() as session:
        cx_repo.set_alias(session, workspace_id, alias, team_id)
        session.flush()
        cx_repo.relink_team_labels(session, workspace_id, cx_repo.team_lookup(session, workspace_id))


def feed_status(deps: Deps, workspace_id: str) -> FeedStatus:
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        names = {team.id: team.name for team in repo.teams(session, workspace_id)}
        summary = None
        if workspace.cx_feed_last_summary:
            summary = ImportSummary(**json.loads(workspace.cx_feed_last_summary))
            summary.reasons = [tuple(r) for r in summary.reasons]  # type: ignore[misc]
        return FeedStatus(
            source=workspace.cx_feed_source or deps.settings.cx_feed_url,
            from_environment=workspace.cx_feed_source is None and deps.settings.cx_feed_url is not None,
            last_pull_at=from_db(workspace.cx_feed_last_pull_at) if workspace.cx_feed_last_pull_at else None,
            summary=summary,
            aliases=[(alias, names.get(team_id, "?")) for alias, team_id in cx_repo.aliases(session, workspace_id)],
        )
