"""What the Home tab shows a person, as plain values: bot.services.home fills them, bot.blocks.home renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.feedback import PulseComments
from bot.domain.people import TeamView, WhoAmI
from bot.domain.report import DEFAULT_WEEKS
from bot.domain.rounds import PersonRoundView
from bot.domain.slack_errors import Notice


@dataclass(frozen=True)
class LatestRound:
    """The newest closed round of a team: means only when at least k answered."""

    number: int
    closed_on: str
    answered: int
    invited: int
    means: dict[str, float] | None


@dataclass(frozen=True)
class RoundParticipation:
    """One round's count for managers: `answered` is None below k, open or closed (no "3 of 4")."""

    number: int
    answered: int | None
    invited: int
    is_open: bool


@dataclass(frozen=True)
class WinLine:
    id: int
    author_id: str
    text: str
    reactions: int
    created_at: datetime


@dataclass(frozen=True)
class CxFeedStatus:
    source: str | None
    last_pull_at: datetime | None
    summary: dict[str, object] | None


@dataclass
class HomeModel:
    user_id: str
    anonymity_min: int
    team: TeamView | None
    is_admin: bool
    is_manager: bool
    muted: bool
    open_round: PersonRoundView | None
    latest: LatestRound | None
    wins: list[WinLine] = field(default_factory=list)
    participation: list[RoundParticipation] = field(default_factory=list)
    cx_feed: CxFeedStatus | None = None
    own_wins: list[WinLine] = field(default_factory=list)
    who: WhoAmI | None = None  # home team, roles and language, with how to change each
    slack_notices: list[Notice] = field(default_factory=list)  # what Slack refused, and the fix
    comments: PulseComments | None = None  # the team's pulse comments, for its managers and admins only
    comments_weeks: int = DEFAULT_WEEKS
    can_reply: bool = False  # the viewer manages the team: Reply on comments that allow replies
    # What the role rules (policy.may) let the viewer do from Home; an installation's admins may all of it. In an
    # org-wide Grid install a workspace's admins may set up teams and run their workspace's teams, not more.
    may_set_up: bool = False
    may_run_team: bool = False  # the team's schedule, managers and wins channel
