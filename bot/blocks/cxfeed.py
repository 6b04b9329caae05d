"""Texts for CX feed results: the import summary (Slack mrkdwn or plain for the shell) and feed status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import Translator

if TYPE_CHECKING:
    from bot.services.cx_import import FeedStatus, ImportSummary


def _source(summary_source: str, plain: bool) -> str:
    shown = summary_source.split("?", 1)[0]  # a published sheet's key stays out of messages and logs
    return shown if plain else f"`{shown}`"


def _fetch_error(t: Translator, error: str | None) -> str:
    code, _, detail = (error or "unknown").partition(":")
    key = f"cxfeed.fetch.{code.strip()}"
    text = t(key, detail=detail.strip())
    return text if text != key else (error or "")


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


def _reason_lines(t: Translator, summary: ImportSummary) -> list[str]:
    if not summary.reasons:
        return []
    lines = [t("cxfeed.summary.reasons_title")]
    for reason in summary.reasons:
        if len(reason) == 3:  # a summary stored before reasons were grouped: (line, code, detail)
            count, (line, code, detail) = 1, reason
        else:
            count, line, code, detail = reason
        text = t(f"cxfeed.reason.{code}", detail=detail)
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
        return t("cxfeed.summary.failed", source=source, error=_fetch_error(t, summary.error))
    if summary.status == "rejected":
        if summary.file_code == "no_rows":
            lines = [t("cxfeed.summary.all_rejected", source=source, **counts)]
        else:
            columns = ", ".join(summary.found_columns) or "—"
            reason = t(
                f"cxfeed.rejected.{summary.file_code}",
                columns=columns,
                column=summary.file_column,
                detail=summary.file_detail,
            )
            lines = [
                " ".join(
                    part
                    for part in (t("cxfeed.summary.rejected", source=source, reason=reason), _fix(t, summary, plain))
                    if part
                )
            ]
        lines += _reason_lines(t, summary)
        text = "\n".join(lines)
        return text.replace("*", "").replace("`", "") if plain else text
    shape = t(f"cxfeed.shape.{summary.shape or 'responses'}")
    lines = [t("cxfeed.summary.imported", source=source, shape=shape, **counts)]
    for code, detail in summary.notes:
        lines.append(t(f"cxfeed.note.{code}", detail=detail))
    if summary.totals_dropped:
        lines.append(t("cxfeed.summary.totals_dropped", rows=rows_text(t, summary.totals_dropped)))
    lines += _reason_lines(t, summary)
    if summary.unknown_teams:
        lines.append(t("cxfeed.summary.unknown_teams", teams=", ".join(summary.unknown_teams[:20])))
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
        lines.append(t("cxfeed.status.aliases", aliases=", ".join(f"{a} → {team}" for a, team in status.aliases)))
    lines.append(t("cxfeed.status.usage"))
    return "\n".join(lines)
