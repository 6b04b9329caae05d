"""Texts for CX feed results: the import summary (Slack mrkdwn or plain for the shell) and feed status.

What Slack is told never quotes more of a file than the header of a table it parsed as CSV: a rejected file's
first line is named only when it reads as a table's header (several short, printable column names), and a
rejected row is named by its line number and reason, never by its cells. Whoever set the feed from Slack
can't turn the reply into a way to read files. The shell (`import-cx`, the server's operator) sees the cells.
"""

from __future__ import annotations

from bot.blocks import clip, escape
from bot.domain.cximport import FeedStatus, ImportSummary
from bot.i18n import Translator

HEADER_MAX_COLUMNS = 60
COLUMN_NAME_MAX_CHARS = 80
LABEL_MAX_CHARS = 60


def _source(summary_source: str, plain: bool) -> str:
    shown = summary_source.split("?", 1)[0]  # a published sheet's key stays out of messages and logs
    return shown if plain else f"`{escape(clip(shown, 300))}`"


def quotable_header(columns: list[str]) -> list[str] | None:
    """The column names of a rejected file's first line when it reads as a table's header, else None.

    One cell is not a table (a `.env` line, /proc/self/environ), nor are names too long, too many or with
    control characters in them."""
    if len(columns) < 2 or len(columns) > HEADER_MAX_COLUMNS:
        return None
    for name in columns:
        if len(name) > COLUMN_NAME_MAX_CHARS or not name.isprintable():
            return None
    return columns


def _columns(t: Translator, columns: list[str], plain: bool) -> str:
    if plain:
        return ", ".join(columns) or "—"
    shown = quotable_header(columns)
    if shown is None:
        return t("cxfeed.columns_hidden") if columns else "—"
    return ", ".join(escape(name) for name in shown)


def reason_text(t: Translator, code: str, detail: str, *, plain: bool = False) -> str:
    """Why a row was rejected. Slack gets the reason; only the shell also gets the cell that caused it."""
    return t(f"cxfeed.reason.{code}", detail=detail if plain else "…")


def _fetch_error(t: Translator, error: str | None, plain: bool) -> str:
    code, _, detail = (error or "unknown").partition(":")
    key = f"cxfeed.fetch.{code.strip()}"
    text = t(key, detail=detail.strip() if plain else escape(clip(detail.strip(), 80)))
    return text if text != key else t("cxfeed.fetch.unknown")


def rows_text(t: Translator, count: int) -> str:
    """ "1 row" / "5 rows", "1 rivi" / "5 riviä"."""
    return t("cxfeed.count.rows.one" if count == 1 else "cxfeed.count.rows.other", n=count)


def _fix(t: Translator, summary: ImportSummary, plain: bool) -> str:
    """The one hint of a rejection: the mapping that reads the file, written for where it is shown."""
    where = "shell" if plain else "slack"
    if summary.suggestion:
        return t(f"cxfeed.summary.fix_{where}", fix=summary.suggestion)
    if summary.file_code == "no_score":
        return t(f"cxfeed.summary.name_score_{where}")
    return ""


def _quoted(text: str, summary: ImportSummary, plain: bool) -> str:
    """A column name or value from the file, in a file-level refusal: in Slack only when the file's first line
    is a table's header (never lines of an arbitrary file), escaped and clipped."""
    if plain:
        return text
    if quotable_header(summary.found_columns) is None:
        return "…"
    return escape(clip(text, 60))


def _reason_lines(t: Translator, summary: ImportSummary, plain: bool = False) -> list[str]:
    if not summary.reasons:
        return []
    lines = [t("cxfeed.summary.reasons_title")]
    for reason in summary.reasons:
        if len(reason) == 3:  # a summary stored before reasons were grouped: (line, code, detail)
            count, (line, code, detail) = 1, reason
        else:
            count, line, code, detail = reason
        text = reason_text(t, code, detail, plain=plain)
        lines.append(t("cxfeed.summary.reason_line", rows=rows_text(t, count), line=line, reason=text))
    return lines


def summary_text(t: Translator, summary: ImportSummary, *, plain: bool = False) -> str:
    """The import's result; a rejection is one line with the fix (`--columns` in the shell, the Slack command
    in Slack), followed by the grouped row reasons when rows were read."""
    source = _source(summary.source, plain)
    counts = {
        "rows_read": rows_text(t, summary.rows_read),
        "imported": summary.imported,
        "already": summary.already_present,
        "rejected": summary.rejected,
    }
    if summary.status == "not_modified":
        return t("cxfeed.summary.not_modified", source=source)
    if summary.status == "failed":
        return t("cxfeed.summary.failed", source=source, error=_fetch_error(t, summary.error, plain))
    if summary.status == "rejected":
        if summary.file_code == "no_rows":
            lines = [t("cxfeed.summary.all_rejected", source=source, **counts)]
        else:
            columns = _columns(t, summary.found_columns, plain)
            reason = t(
                f"cxfeed.rejected.{summary.file_code}",
                columns=columns,
                column=_quoted(summary.file_column or "", summary, plain),
                detail=_quoted(summary.file_detail or "", summary, plain),
            )
            # A hint names columns: in Slack only when the file's first line is a table's header.
            fix = _fix(t, summary, plain) if plain or quotable_header(summary.found_columns) is not None else ""
            lines = [
                " ".join(part for part in (t("cxfeed.summary.rejected", source=source, reason=reason), fix) if part)
            ]
        lines += _reason_lines(t, summary, plain)
        text = "\n".join(lines)
        return text.replace("*", "").replace("`", "") if plain else text
    shape = t(f"cxfeed.shape.{summary.shape or 'responses'}")
    lines = [t("cxfeed.summary.imported", source=source, shape=shape, **counts)]
    for code, detail in summary.notes:
        lines.append(t(f"cxfeed.note.{code}", detail=detail))
    if summary.totals_dropped:
        lines.append(t("cxfeed.summary.totals_dropped", rows=rows_text(t, summary.totals_dropped)))
    lines += _reason_lines(t, summary, plain)
    if summary.unknown_teams:
        labels = [label if plain else escape(clip(label, LABEL_MAX_CHARS)) for label in summary.unknown_teams[:20]]
        lines.append(t("cxfeed.summary.unknown_teams", teams=", ".join(labels)))
    text = "\n".join(lines)
    return text.replace("*", "").replace("`", "") if plain else text


def status_text(t: Translator, status: FeedStatus, timezone_format: str) -> str:
    if not status.source:
        return t("cxfeed.status.none")
    lines = [
        t(
            "cxfeed.status.source",
            source=_source(status.source, False) + (" " + t("cxfeed.status.env") if status.from_environment else ""),
            last=timezone_format if status.last_pull_at else t("cxfeed.status.never"),
        )
    ]
    if status.summary is not None:
        lines.append(summary_text(t, status.summary))
    if status.aliases:
        aliases = ", ".join(f"{escape(alias)} → {escape(team)}" for alias, team in status.aliases)
        lines.append(t("cxfeed.status.aliases", aliases=aliases))
    lines.append(t("cxfeed.status.usage"))
    return "\n".join(lines)
