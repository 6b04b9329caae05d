"""Who is pulsed: full members of the installation only (the workspace; for an org-wide Grid install, the org).

Guests, people from other organisations (Slack Connect), bots and deactivated accounts are left out of the
team and so never count toward ANONYMITY_MIN. Slack sends deactivated users trimmed (no `is_restricted`,
`is_admin`, `tz`...), and "data not supplied may be absent, null, or empty string": a missing flag is false.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class LeftOut(Enum):
    """Why someone in the channel isn't pulsed; the order is the order setup names them in."""

    GUEST = "guest"
    EXTERNAL = "external"
    BOT = "bot"
    DEACTIVATED = "deactivated"
    REMOVED = "removed"  # Grid org-wide install: the org took Pulssi out of every workspace they are in


@dataclass(frozen=True)
class Account:
    """The users.info facts that decide; built from whatever keys Slack sent."""

    id: str
    team_id: str | None = None
    deleted: bool = False
    is_bot: bool = False
    is_app_user: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_stranger: bool = False
    teams: tuple[str, ...] = ()  # Grid: every workspace of the org the user belongs to
    not_found: bool = False  # users.info answered user_not_found
    enterprise_id: str | None = None  # Grid: the user's org (users.info `enterprise_user.enterprise_id`)


SLACKBOT = "USLACKBOT"


def left_out_reason(account: Account, workspace_id: str, revoked: frozenset[str] = frozenset()) -> LeftOut | None:
    """None when the account is pulsed; otherwise the one reason it isn't (the first that applies).

    `revoked`: for an org-wide Grid install, the org's workspaces Pulssi was taken out of."""
    if account.deleted or account.not_found:
        return LeftOut.DEACTIVATED
    if account.is_bot or account.is_app_user or account.id == SLACKBOT:
        return LeftOut.BOT
    if account.is_stranger or _other_organisation(account, workspace_id):
        return LeftOut.EXTERNAL
    if account.is_restricted or account.is_ultra_restricted:
        return LeftOut.GUEST
    if not in_granted_workspace(account, revoked):
        return LeftOut.REMOVED
    return None


def in_granted_workspace(account: Account, revoked: frozenset[str]) -> bool:
    """Whether one of the person's workspaces (`team_id` and Grid's `teams`) is still granted to the org-wide
    install: a person of two workspaces, one taken out, is still reached through the other. Someone whose
    workspaces Slack did not name is judged by the other rules alone."""
    if not revoked:
        return True
    workspaces = {*account.teams, *([account.team_id] if account.team_id else [])}
    return not workspaces or bool(workspaces - revoked)


def _other_organisation(account: Account, workspace_id: str) -> bool:
    if not workspace_id or not account.team_id:
        return False
    return not belongs(account, workspace_id)


def belongs(account: Account, installation_id: str) -> bool:
    """Whether the account is one of the installation's own people.

    `installation_id` is the workspace (T…) or, for an org-wide Grid install, the org (E…). A workspace's
    people: its members, and Grid colleagues who list it among their teams. An org's people: every account
    of that enterprise, whichever of its workspaces they are in; so a channel shared between two workspaces
    of the org pulses both sides. Slack Connect people (`is_stranger`, or another org or workspace) never
    belong, and neither does anyone when `installation_id` is unknown.
    """
    if not installation_id or account.is_stranger:
        return False
    if account.team_id == installation_id or installation_id in account.teams:
        return True
    return account.enterprise_id is not None and account.enterprise_id == installation_id


@dataclass(frozen=True)
class Audience:
    """The channel's members sorted into the pulsed and the left out (counts only leave this module)."""

    pulsed: tuple[str, ...]
    left_out: dict[LeftOut, int]
    # Left out only because their workspace was taken out of the org-wide install: their team membership
    # waits (inactive) for the workspace to be granted again.
    removed: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return len(self.pulsed) + sum(self.left_out.values())


def sort_members(accounts: Iterable[Account], workspace_id: str, revoked: frozenset[str] = frozenset()) -> Audience:
    pulsed: list[str] = []
    removed: list[str] = []
    left_out: Counter[LeftOut] = Counter()
    for account in accounts:
        reason = left_out_reason(account, workspace_id, revoked)
        if reason is None:
            pulsed.append(account.id)
        else:
            left_out[reason] += 1
            if reason is LeftOut.REMOVED:
                removed.append(account.id)
    counts = {reason: left_out[reason] for reason in LeftOut if left_out[reason]}
    return Audience(tuple(pulsed), counts, tuple(removed))
