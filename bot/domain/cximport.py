"""The value types of a CX import: what an import did and where a workspace's feed stands.

They live here, not in bot.services.cx_import, so the Block Kit texts (bot.blocks.cxfeed), the shell and the
service share them without the blocks importing a service.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

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
    # Rejected rows grouped by reason: (rows, first line, code, first detail), at most MAX_REASONS groups.
    reasons: list[tuple[int, int, str, str]] = field(default_factory=list)
    unknown_teams: list[str] = field(default_factory=list)
    file_code: str | None = None
    found_columns: list[str] = field(default_factory=list)
    error: str | None = None
    file_column: str = ""  # the column a whole-file rejection is about
    file_detail: str = ""
    suggestion: str | None = None  # a column mapping that reads the file, as the admin would type it
    notes: list[tuple[str, str]] = field(default_factory=list)  # (cxfeed.note.<code>, detail)
    totals_dropped: int = 0  # aggregate total rows not stored because they sum their team rows

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    def log_line(self) -> str:
        return (
            f"CX import of {display_source(self.source)}: {self.status}; read {self.rows_read}, "
            f"imported {self.imported}, already present {self.already_present}, rejected {self.rejected}"
            + (f" (file: {self.file_code})" if self.file_code else "")
            + (f" (error: {self.error})" if self.error else "")
        )


def display_source(source: str) -> str:
    """Sources may carry access keys in their query string (published sheets); logs show no query."""
    return source.split("?", 1)[0]


@dataclass(frozen=True)
class FeedStatus:
    source: str | None
    from_environment: bool
    last_pull_at: datetime | None
    summary: ImportSummary | None
    aliases: list[tuple[str, str]]
