"""CX feed: fetch a CSV (file or http(s) URL), parse it, store new NPS/CSAT rows, report what happened.

A file rejected whole changes nothing (its header is checked before anything is stored), and a feed that
grew adds only its new rows (row identity is the response id, else a hash of the row; see bot.domain.cxcsv).
"""

from __future__ import annotations

import codecs
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import update
from sqlmodel import col, select

from bot.deps import Deps
from bot.domain.cxcsv import (
    CxAggregateRow,
    CxFileRejected,
    CxResponseRow,
    RowRejection,
    decode_bytes,
    iter_cx_csv,
    parse_column_mapping,
)
from bot.services.cx_fetch import FetchError, fetch, source_problem
from bot.settings import Settings
from bot.timeutil import from_db, to_db
from storage import cx_repository as cx_repo
from storage import repositories as repo
from storage.db import Database
from storage.models import CxAggregate, CxResponse, Workspace

logger = logging.getLogger(__name__)

MAX_REASONS = 20


@dataclass
class ImportSummary:
    """What an import did; no people in it, so it may go to the log, the admin and the Home tab."""

    source: str
    status: str = "imported"  # imported | not_modified | rejected | failed
    shape: str | None = None
    rows_read: int = 0
    imported: int = 0
    already_present: int = 0
    rejected: int = 0
    reasons: list[tuple[int, str, str]] = field(default_factory=list)  # (line, code, detail), first 20
    unknown_teams: list[str] = field(default_factory=list)
    file_code: str | None = None
    found_columns: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    def log_line(self) -> str:
        return (
            f"CX import of {_display_source(self.source)}: {self.status}; read {self.rows_read}, "
            f"imported {self.imported}, already present {self.already_present}, rejected {self.rejected}"
            + (f" (file: {self.file_code})" if self.file_code else "")
            + (f" (error: {self.error})" if self.error else "")
        )


def _display_source(source: str) -> str:
    """Sources may carry access keys in their query string (published sheets); logs show no query."""
    return source.split("?", 1)[0]


BATCH = 5000


def import_bytes(
    db: Database, workspace_id: str, source: str, data: bytes, mapping: dict[str, str] | None, now: datetime
) -> ImportSummary:
    """Import a feed already in memory (tests, small uploads); see `import_lines`."""
    return import_lines(db, workspace_id, source, io.StringIO(decode_bytes(data), newline=""), mapping, now)


def import_lines(
    db: Database,
    workspace_id: str,
    source: str,
    lines: Iterable[str],
    mapping: dict[str, str] | None,
    now: datetime,
) -> ImportSummary:
    """Parse and store, streaming: rows are inserted in batches as they are read, so memory does not grow
    with the file. Good rows are kept, bad rows reported by line number.

    Each batch is its own short transaction, so a big feed never holds SQLite's single write lock for
    minutes (pulse clicks would wait); an import that stops half-way is finished by the next one, since
    stored rows are recognised by their keys. Each batch takes the workspace's lock first, so two imports
    of one workspace never count a row twice.
    """
    summary = ImportSummary(source=source)
    try:
        header, stream = iter_cx_csv(lines, mapping)
    except CxFileRejected as rejected:
        summary.status = "rejected"
        summary.file_code = rejected.code
        summary.found_columns = list(rejected.found_columns)
        return summary
    summary.shape = header.shape
    table: type[CxResponse] | type[CxAggregate] = CxResponse if header.shape == "responses" else CxAggregate
    unknown: dict[str, None] = {}
    with db.session_scope() as session:
        repo.ensure_workspace(session, workspace_id, now)
        session.flush()
        cx_repo.lock_workspace(session, workspace_id)
        lookup = cx_repo.team_lookup(session, workspace_id)
        cx_repo.relink_team_labels(session, workspace_id, lookup)  # teams set up since the last import

    def team_of(label: str | None) -> int | None:
        if not label or not label.strip():
            return None
        team_id = lookup.get(label.strip().lower().lstrip("#"))
        if team_id is None and len(unknown) < 50:
            unknown.setdefault(label.strip())
        return team_id

    def store(batch: list[CxResponseRow | CxAggregateRow]) -> None:
        with db.session_scope() as session:
            cx_repo.lock_workspace(session, workspace_id)
            present = cx_repo.existing_keys(session, workspace_id, table, [row.row_key for row in batch])
            new_rows: list[dict[str, Any]] = []
            for row in batch:
                if row.row_key in present:
                    summary.already_present += 1
                    continue
                present.add(row.row_key)
                record: dict[str, Any] = {
                    "workspace_id": workspace_id,
                    "row_key": row.row_key,
                    "day": row.day,
                    "metric": row.metric,
                    "team_id": team_of(row.team),
                    "team_label": (row.team or "").strip()[:200] or None,
                }
                if isinstance(row, CxResponseRow):
                    record["score"] = row.score
                    record["comment"] = row.comment
                else:
                    record["value"] = row.value
                    record["count"] = row.count
                new_rows.append(record)
            cx_repo.insert_ignoring_duplicates(session, table, new_rows)
            if table is CxResponse:
                cx_repo.add_daily_counts(session, workspace_id, new_rows)
        summary.imported += len(new_rows)

    batch: list[CxResponseRow | CxAggregateRow] = []
    for item in stream:
        if isinstance(item, RowRejection):
            summary.rejected += 1
            if len(summary.reasons) < MAX_REASONS:
                summary.reasons.append((item.line, item.code, item.detail))
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            store(batch)
            batch = []
    if batch:
        store(batch)
    summary.rows_read = stream.rows_read
    summary.unknown_teams = list(unknown)
    return summary


def detect_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes: BOMs, UTF-16 without a BOM (NUL bytes), UTF-8, else cp1252."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(b"\x00") * 4 >= len(sample):
        even_nuls = sample[0::2].count(b"\x00")
        odd_nuls = sample[1::2].count(b"\x00")
        return "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "cp1252"
    return "utf-8"


def import_file(
    db: Database, workspace_id: str, source: str, path: Path, mapping: dict[str, str] | None, now: datetime
) -> ImportSummary:
    with path.open("rb") as raw:
        encoding = detect_encoding(raw.read(1 << 20))
        if encoding == "utf-8" and not _all_utf8(raw):
            # A stray byte far into a file that began as UTF-8. Decided before anything is stored: changing
            # the encoding half-way would give the same rows other keys, and import them twice.
            encoding = "cp1252"
    with path.open("r", encoding=encoding, errors="replace", newline="") as text:
        return import_lines(db, workspace_id, source, text, mapping, now)


def _all_utf8(raw: BinaryIO) -> bool:
    """Whether the whole file decodes as UTF-8 (one streaming pass in C, no text kept)."""
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := raw.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


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
    from bot.services.teams import require_admin

    require_admin(deps, actor)
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
    from bot.services.teams import require_admin

    require_admin(deps, actor)
    if columns:
        parse_column_mapping(columns)  # ValueError names what is wrong
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        workspace.cx_feed_columns = columns
        workspace.cx_feed_etag = None
        workspace.cx_feed_last_modified = None


def set_alias(deps: Deps, workspace_id: str, actor: str, alias: str, team_id: int) -> None:
    """An alias maps a feed's team label to a pulse team; rows already stored under it are linked."""
    from bot.services.teams import require_admin

    require_admin(deps, actor)
    with deps.db.session_scope() as session:
        cx_repo.set_alias(session, workspace_id, alias, team_id)
        session.flush()
        cx_repo.relink_team_labels(session, workspace_id, cx_repo.team_lookup(session, workspace_id))


@dataclass(frozen=True)
class FeedStatus:
    source: str | None
    from_environment: bool
    last_pull_at: datetime | None
    summary: ImportSummary | None
    aliases: list[tuple[str, str]]


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


def _claim_pull(db: Database, workspace_id: str, previous: datetime | None, now: datetime) -> bool:
    """Only one scheduler pulls a feed per interval: the conditional update decides."""
    with db.session_scope() as session:
        condition = (
            col(Workspace.cx_feed_last_pull_at).is_(None)
            if previous is None
            else col(Workspace.cx_feed_last_pull_at) == previous
        )
        result = session.execute(
            update(Workspace)
            .where(col(Workspace.id) == workspace_id, condition)
            .values(cx_feed_last_pull_at=to_db(now))
        )
        return bool(getattr(result, "rowcount", 0))


def cx_feed_tick(deps: Deps) -> None:
    """Scheduled pulls: each workspace's feed once per CX_FEED_INTERVAL_MINUTES; rejections DM the admin."""
    now = deps.now()
    interval = timedelta(minutes=deps.settings.cx_feed_interval_minutes)
    with deps.db.session_scope() as session:
        due = [
            (w.id, w.cx_feed_last_pull_at, w.cx_feed_set_by)
            for w in session.exec(select(Workspace)).all()
            if (w.cx_feed_source or deps.settings.cx_feed_url)
            and (w.cx_feed_last_pull_at is None or now - from_db(w.cx_feed_last_pull_at) >= interval)
        ]
    for workspace_id, previous, set_by in due:
        if not _claim_pull(deps.db, workspace_id, previous, now):
            continue
        try:
            summary = import_for_workspace(deps.settings, deps.db, workspace_id, now)
        except Exception:  # one broken feed must not stop the others; the traceback is logged
            logger.exception("CX import failed for workspace %s", workspace_id)
            continue
        if set_by and (summary.rejected or summary.status in ("rejected", "failed")):
            _tell_admin(deps, workspace_id, set_by, summary)


def _tell_admin(deps: Deps, workspace_id: str, user_id: str, summary: ImportSummary) -> None:
    from slack_sdk.errors import SlackApiError

    from bot.blocks.cxfeed import summary_text
    from bot.services.languages import translator_for_person

    try:
        t = translator_for_person(deps, workspace_id, user_id)
        deps.client.chat_postMessage(
            channel=user_id, text=t("cxfeed.scheduled_problem") + "\n" + summary_text(t, summary)
        )
    except SlackApiError:
        logger.warning("could not DM the CX feed admin", exc_info=True)
