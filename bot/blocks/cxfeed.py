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


def summary_text(t: Translator, summary: ImportSummary, *, plain: bool = False) -> str:
    source = _source(summary.source, plain)
    if summary.status == "not_modified":
        return t("cxfeed.summary.not_modified", source=source)
    if summary.status == "failed":
        return t("cxfeed.summary.failed", source=source, error=_fetch_error(t, summary.error))
    if summary.status == "rejected":
        columns = ", ".join(summary.found_columns) or "—"
        reason = t(f"cxfeed.rejected.{summary.file_code}", columns=columns, detail=columns)
        return t("cxfeed.summary.rejected", source=source, reason=reason)
    lines = [
        t(
            "cxfeed.summary.imported",
            source=source,
            shape=t(f"cxfeed.shape.{summary.shape or 'responses'}"),
            rows_read=summary.rows_read,
            imported=summary.imported,
            already=summary.already_present,
            rejected=summary.rejected,
        )
    ]
    if summary.reasons:
        lines.append(t("cxfeed.summary.reasons_title", shown=len(summary.reasons), total=summary.rejected))
        for line, code, detail in summary.reasons:
            reason = t(f"cxfeed.reason.{code}", detail=detail)
            lines.append(t("cxfeed.summary.reason_line", line=line, reason=reason))
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
