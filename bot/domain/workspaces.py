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


@dataclass(frozen=True)
class InstallationKey:
    """What names a workspace row's Slack installation, as slack_sdk's installation stores key it."""

    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool


def installation_key(workspace_id: str, enterprise_id: str | None) -> InstallationKey:
    """An org-wide Grid install is one row whose id is the org's (E…): (E…, no team, org-wide). A workspace
    install, in Grid or not, is (its org or None, T…, not org-wide)."""
    if workspace_id.startswith("E") and enterprise_id in (None, workspace_id):
        return InstallationKey(workspace_id, None, True)
    return InstallationKey(enterprise_id, workspace_id, False)


def is_org_install(workspace_id: str) -> bool:
    """Whether a workspace id names an org-wide install (Slack's enterprise ids start with E, workspaces' with T)."""
    return workspace_id.startswith("E")
