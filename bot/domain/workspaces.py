"""Which workspace a shell command means: the one named, or the only one in the database.

Pure: the caller reads the known workspace ids and says whether a new one may be made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Problem = Literal["empty", "unknown", "several"]


@dataclass(frozen=True)
class WorkspaceChoice:
    workspace_id: str | None  # None when `problem` says why not
    problem: Problem | None
    known: tuple[str, ...]


def choose_workspace(known: Sequence[str], requested: str | None, *, may_create: bool = False) -> WorkspaceChoice:
    """`requested` when it is known; the only one when none is named.

    An unknown id is refused while the database holds workspaces, so a typo can't start an orphan one.
    `may_create` lets a command that legitimately starts a workspace (the first CX import into an empty
    database) use a named id that is not there yet.
    """
    ids = tuple(sorted(known))
    wanted = (requested or "").strip()
    if wanted:
        if wanted in ids:
            return WorkspaceChoice(wanted, None, ids)
        if not ids and may_create:
            return WorkspaceChoice(wanted, None, ids)
        return WorkspaceChoice(None, "empty" if not ids else "unknown", ids)
    if len(ids) == 1:
        return WorkspaceChoice(ids[0], None, ids)
    return WorkspaceChoice(None, "empty" if not ids else "several", ids)
