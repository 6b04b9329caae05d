"""SQLModel tables. Every row carries the Slack workspace id (`workspace_id`) and every query filters by it.

Privacy by construction: answer and comment rows have no Slack user id column at all. While a round is
open they carry a keyed hash (`respondent`) so an answer can be changed; its key is derived from the server's
PULSSI_SECRET_KEY and never stored here. Closing a round turns its answers into per-need aggregates
(`round_result`, `round_value_count`) and deletes them, rewrites its comments in random order under random
ids without hashes, and deletes the per-person delivery rows.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class Workspace(SQLModel, table=True):
    """One installation's data: a workspace (`id` = T…), or an Enterprise Grid org installed org-wide
    (`id` = E…, the same as `enterprise_id`: one row for all the org's workspaces)."""

    __tablename__ = "workspace"

    id: str = Field(primary_key=True, max_length=32)
    created_at: datetime
    # Grid: the org (E…), for a workspace install too; NULL outside Grid. With `id` it names the installation
    # (bot.domain.workspaces.installation_key).
    enterprise_id: str | None = Field(default=None, index=True, max_length=32)
    cx_feed_source: str | None = Field(default=None, max_length=2000)
    cx_feed_set_by: str | None = Field(default=None, max_length=32)
    cx_feed_columns: str | None = Field(default=None, max_length=2000)
    cx_feed_etag: str | None = Field(default=None, max_length=500)
    cx_feed_last_modified: str | None = Field(default=None, max_length=100)
    cx_feed_last_pull_at: datetime | None = None
    cx_feed_last_summary: str | None = None  # JSON of the last import summary (counts and reasons, no people)
    # Set when Slack refused the bot's token (invalid_auth, token_revoked...): no DM goes out until it works again.
    sending_stopped_at: datetime | None = None
    sending_stopped_reason: str | None = Field(default=None, max_length=64)
    # JSON: the last imported file's length, hash, lines and parse decisions, so a grown file's tail is read alone
    cx_feed_state: str | None = None
    # OAuth mode: when the app was uninstalled (or its bot token revoked). The data is purged RETENTION_DAYS
    # later (bot.services.installations) unless the workspace installs again; NULL while installed.
    uninstalled_at: datetime | None = None
    # An admin asked for the workspace's data to go: purged at the next housekeeping run after uninstalling.
    purge_requested_at: datetime | None = None


class Team(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", name="uq_team_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    channel_name: str = Field(max_length=200)
    name: str = Field(max_length=200)
    name_is_custom: bool = False
    wins_channel_id: str | None = Field(default=None, max_length=32)
    every_weeks: int = 2
    weekday: int = 0
    at_time: str = Field(default="09:00", max_length=5)
    timezone: str = Field(default="Europe/Helsinki", max_length=64)
    anchor_date: date | None = None
    rounds_started: int = 0
    created_at: datetime
    created_by: str | None = Field(default=None, max_length=32)
    # What Pulssi posts in the team's channel is in this language; NULL = DEFAULT_LANGUAGE.
    language: str | None = Field(default=None, max_length=8)
    # The last channel post failed with not_in_channel / channel_not_found / is_archived; cleared by a good post.
    channel_problem: str | None = Field(default=None, max_length=64)
    channel_problem_at: datetime | None = None
    # Org-wide Grid installs: the Slack workspace (T…) the team's channel belongs to; its workspace admins
    # run the team (bot.domain.policy). NULL in a workspace install, where it is the workspace itself.
    slack_team_id: str | None = Field(default=None, max_length=32)


class TeamManager(SQLModel, table=True):
    __tablename__ = "team_manager"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_team_manager"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: str = Field(max_length=32)


class TeamAlias(SQLModel, table=True):
    """Extra names a CX feed may use for a team (e.g. 'Support FI' for #support)."""

    __tablename__ = "team_alias"
    __table_args__ = (UniqueConstraint("workspace_id", "alias", name="uq_team_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    alias: str = Field(max_length=200)  # stored lower-cased
    team_id: int = Field(foreign_key="team.id")


class Membership(SQLModel, table=True):
    """A person's one home team for pulses, so no answer counts twice."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_membership_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    user_id: str = Field(max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    moved_by_admin: bool = False
    active: bool = True  # false while the person is not in the channel any more


class Person(SQLModel, table=True):
    """Per-person pulse preferences; holds nothing about answers."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_person_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    user_id: str = Field(max_length=32)
    muted: bool = False
    # Invitations so far: with a start derived from PULSSI_SECRET_KEY (never stored) it picks the statements.
    pulses_sent: int = 0
    onboarded: bool = False
    language: str | None = Field(default=None, max_length=8)  # the person's own choice; NULL = not chosen


class PulseRound(SQLModel, table=True):
    __tablename__ = "pulse_round"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_round_team_number"),
        # At most one open round per team, whoever starts it: two schedulers by mistake can't open two.
        Index(
            "uq_round_team_open",
            "team_id",
            unique=True,
            sqlite_where=sql_text("status = 'open'"),
            postgresql_where=sql_text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    number: int
    scheduled_for: date
    opened_at: datetime
    closes_at: datetime = Field(index=True)
    closed_at: datetime | None = None
    status: str = Field(default="open", max_length=16, index=True)  # open | closed
    asks_enps: bool = False
    started_manually: bool = False
    invited: int = 0
    answered: int = 0
    reminders_due_at: datetime | None = None
    reminders_done: bool = False
    digest_posted: bool = False
    # How many of the invited could not get the DM (a count only: never who, never whether anyone answered).
    undeliverable: int = 0


class Delivery(SQLModel, table=True):
    """Outbox: one row per person per round, claimed before the DM is sent, deleted when the round closes.

    The unique constraint makes a second scheduler's insert fail instead of sending twice.
    """

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_delivery_round_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    user_id: str = Field(max_length=32)
    send_at: datetime = Field(index=True)
    reminder_at: datetime | None = Field(default=None, index=True)
    question_keys: str = Field(max_length=500)  # comma-separated statement keys, in need order
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)
    # Given up: Slack said this person can't get a DM, or transient failures reached the cap. Never retried.
    undeliverable_at: datetime | None = None
    # Set for every row when the reminder pass handles it; everyone gets the same reminder.
    reminder_handled_at: datetime | None = None
    # Where the DM landed, so closing the round can update every DM the same way.
    dm_channel: str | None = Field(default=None, max_length=32)
    dm_ts: str | None = Field(default=None, max_length=32)


class PulseAnswer(SQLModel, table=True):
    """One answer to one question of an open round. No user id and no statement; `respondent` is a keyed hash.
    Closing the round aggregates and deletes these rows."""

    __tablename__ = "pulse_answer"
    __table_args__ = (
        UniqueConstraint("round_id", "respondent", "question", name="uq_answer_round_respondent_question"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    respondent: str | None = Field(default=None, max_length=64)
    question: str = Field(max_length=16)  # autonomy | competence | belonging | enps
    value: int


def random_row_id() -> int:
    """A random positive 63-bit id: ids that count up would tell the order people wrote in."""
    return secrets.randbits(62) + 1


class PulseComment(SQLModel, table=True):
    """A comment: while the round is open with the writer's keyed hash; at close rewritten in random order
    under new random ids, without hash, time or statement."""

    __tablename__ = "pulse_comment"
    __table_args__ = (UniqueConstraint("round_id", "respondent", name="uq_comment_round_respondent"),)

    # INTEGER on SQLite so the id is the rowid itself (a separate rowid would count up).
    id: int = Field(
        default_factory=random_row_id,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    )
    workspace_id: str = Field(index=True, max_length=32)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    respondent: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=3000)
    need: str | None = Field(default=None, max_length=16)  # the need the writer tagged it with, if any
    # While the round is open: the writer allows replies. At close it becomes a sealed route (reply_route).
    allow_replies: bool = False
    route_id: str | None = Field(default=None, max_length=32, index=True)  # the closed comment's reply route


class ReplyRoute(SQLModel, table=True):
    """How a manager's reply reaches the anonymous author of a comment: the author's user id sealed with a key
    derived from PULSSI_SECRET_KEY (bot.domain.conversations). Made at a round's close in random order, with a
    random id; no user id, DM channel or time, only the day it expires (the same for the whole round)."""

    __tablename__ = "reply_route"

    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    sealed: str | None = Field(default=None, max_length=200)  # NULL once the author withdrew: unusable
    expires_on: date = Field(index=True)
    ended_by: str | None = Field(default=None, max_length=8)  # manager | author
    end_at: datetime | None = None  # the delivery time the ended route is removed at


class ReplyMessage(SQLModel, table=True):
    """A reply waiting for its delivery time; deleted once delivered, so no history of who wrote when stays."""

    __tablename__ = "reply_message"

    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(index=True, max_length=32)
    route_id: str = Field(foreign_key="reply_route.id", index=True, max_length=32)
    sender: str = Field(max_length=8)  # manager | author
    manager_id: str | None = Field(default=None, max_length=32)  # who replied (managers aren't anonymous)
    text: str = Field(max_length=3000)
    deliver_at: datetime = Field(index=True)  # a fixed delivery time, never when it was written


class RoundResult(SQLModel, table=True):
    """The stored aggregate of a closed round: sufficient statistics, so reports never scan answers."""

    __tablename__ = "round_result"
    __table_args__ = (Index("ix_round_result_ws_team_day", "workspace_id", "team_id", "opened_on"),)

    round_id: int = Field(foreign_key="pulse_round.id", primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    opened_on: date = Field(index=True)
    invited: int
    answered: int
    autonomy_n: int = 0
    autonomy_sum: float = 0.0
    autonomy_sq: float = 0.0
    competence_n: int = 0
    competence_sum: float = 0.0
    competence_sq: float = 0.0
    belonging_n: int = 0
    belonging_sum: float = 0.0
    belonging_sq: float = 0.0
    enps_promoters: int = 0
    enps_passives: int = 0
    enps_detractors: int = 0
    enps_n: int = 0
    enps_sum: float = 0.0
    enps_sq: float = 0.0
    comments_n: int = 0


class RoundValueCount(SQLModel, table=True):
    """A closed round's distribution: how many answered each value of one need (or eNPS). Nothing finer."""

    __tablename__ = "round_value_count"

    round_id: int = Field(foreign_key="pulse_round.id", primary_key=True)
    question: str = Field(primary_key=True, max_length=16)
    value: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    workspace_id: str = Field(index=True, max_length=32)
    count: int


class Win(SQLModel, table=True):
    __tablename__ = "win"
    __table_args__ = (Index("ix_win_ws_team_created", "workspace_id", "team_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    author_id: str = Field(max_length=32, index=True)
    text: str = Field(max_length=3000)
    customer: str | None = Field(default=None, max_length=200)
    elements: str = Field(default="", max_length=200)  # comma-separated CX elements
    need: str | None = Field(default=None, max_length=16)
    source_permalink: str | None = Field(default=None, max_length=500)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32, index=True)
    language: str = Field(default="unknown", max_length=8)
    polarity: float | None = None  # bot.domain.tone's -1…+1; None = not scored, never a false 0.0
    # TextBlob's subjectivity of an English story, from before stories were read by bot.domain.tone; not written
    subjectivity: float | None = None
    reactions: int = 0
    created_at: datetime = Field(index=True)
    updated_at: datetime | None = None
    noticed_at: datetime | None = None  # one of the team's managers last reacted to its celebration
    from_tough: bool = False  # its author marked it as the recovery of an earlier tough moment of theirs


class WinColleague(SQLModel, table=True):
    __tablename__ = "win_colleague"
    __table_args__ = (UniqueConstraint("win_id", "user_id", name="uq_win_colleague"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    win_id: int = Field(foreign_key="win.id", index=True)
    user_id: str = Field(max_length=32)


class CxResponse(SQLModel, table=True):
    __tablename__ = "cx_response"
    # Only the indexes a query uses: the row key (an import's duplicate check) and team_id (relinking labels,
    # the foreign key). Reports read cx_daily, so per-day indexes here only slowed every import (0010).
    __table_args__ = (UniqueConstraint("workspace_id", "row_key", name="uq_cx_response_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    row_key: str = Field(max_length=100)
    day: date
    metric: str = Field(max_length=8)
    score: int
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    team_label: str | None = Field(default=None, max_length=200)
    comment: str | None = None
    # CSAT on a scale other than 1–5: its top (7 or 10); satisfied = the top two answers. NULL otherwise.
    scale_max: int | None = None


CX_DAILY_COUNTS = ("n", "promoters", "passives", "detractors", "satisfied")


class CxDaily(SQLModel, table=True):
    """Response rows counted per team, day and metric, kept in step by every import: reports read these
    few thousand rows instead of scanning every survey answer (team_key 0 = no known team)."""

    __tablename__ = "cx_daily"
    __table_args__ = (
        UniqueConstraint("workspace_id", "team_key", "day", "metric", name="uq_cx_daily"),
        # Covers the report's read: a team's days come from the index alone, not from heap rows scattered
        # over every import (on PostgreSQL an index-only scan; a team's year of CX 2-3x faster).
        Index("ix_cx_daily_report", "workspace_id", "team_key", "day", "metric", *CX_DAILY_COUNTS),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    team_key: int
    day: date
    metric: str = Field(max_length=8)
    n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    satisfied: int = 0


class CxAggregate(SQLModel, table=True):
    __tablename__ = "cx_aggregate"
    __table_args__ = (UniqueConstraint("workspace_id", "row_key", name="uq_cx_aggregate_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    row_key: str = Field(max_length=100)
    day: date = Field(index=True)
    metric: str = Field(max_length=8)
    value: float
    count: int | None = None
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    team_label: str | None = Field(default=None, max_length=200)


class ProcessedEvent(SQLModel, table=True):
    """Idempotency keys: Slack event ids, view submissions; a second insert means 'already done'."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("workspace_id", "key", name="uq_processed_event"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    key: str = Field(max_length=200)
    created_at: datetime = Field(index=True)


class ScheduleLease(SQLModel, table=True):
    """Which process runs the schedule (rounds, reminders, closes, feed pulls): the one whose lease hasn't run out.

    Deployment-wide, not per workspace: one row per schedule name ("pulse"), made by the migration. The
    holder renews `expires_at` well before it passes; when it dies, the next process to try after that takes it.
    """

    __tablename__ = "schedule_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str | None = Field(default=None, max_length=200)
    expires_at: datetime | None = None
    acquired_at: datetime | None = None


class ToughRequest(SQLModel, table=True):
    """A named "talk with my manager" request after a tough customer moment. Only the person and the managers
    they chose (ToughRequestManager) ever see `what`. The row is deleted a week after the check-in went out,
    answered or not, so it lives only while the support loop runs and its presence says nothing of an answer."""

    __tablename__ = "tough_request"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: str = Field(max_length=32)
    what: str | None = Field(default=None, max_length=1500)
    day: date  # the local day the moment was counted on (tough_daily)
    created_at: datetime
    reminder_due_at: datetime = Field(index=True)
    checkin_due_at: datetime = Field(index=True)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=32)
    done_at: datetime | None = None
    reminder_sent_at: datetime | None = None
    checkin_sent_at: datetime | None = None
    # The check-in's answer, sealed (bot.domain.sealing) from the request's start, "none" until answered: the
    # same length either way, so a copy of the database can't tell who answered. Counted when forgotten.
    checkin_sealed: str | None = Field(default=None, max_length=200)


class ToughRequestManager(SQLModel, table=True):
    """A manager the person chose for a request, and the DM they got (updated when someone acknowledges)."""

    __tablename__ = "tough_request_manager"
    __table_args__ = (UniqueConstraint("request_id", "user_id", name="uq_tough_request_manager"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    request_id: int = Field(foreign_key="tough_request.id", index=True)
    user_id: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)


class ToughDaily(SQLModel, table=True):
    """Tough moments counted per team and local day: no user id, no time finer than the day
    (team_key 0 = a person in no team)."""

    __tablename__ = "tough_daily"
    __table_args__ = (UniqueConstraint("workspace_id", "team_key", "day", name="uq_tough_daily"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    team_key: int
    day: date
    moments: int = 0
    talks: int = 0
    supported_in_time: int = 0
    checkin_yes: int = 0
    checkin_no: int = 0


class TeamAction(SQLModel, table=True):
    """An action a manager committed to on a need ("you said, we did"), with an owner and a due date."""

    __tablename__ = "team_action"
    __table_args__ = (Index("ix_team_action_ws_team", "workspace_id", "team_id", "done_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    team_id: int = Field(foreign_key="team.id")
    need: str = Field(max_length=16)
    text: str = Field(max_length=300)
    owner_id: str = Field(max_length=32)
    due_on: date
    created_by: str = Field(max_length=32)
    created_at: datetime
    done_at: datetime | None = None
    # The one round that asks "did this help?" (the first opened after the action was done), and only the
    # counts of its answers, added when that round closes.
    help_round_id: int | None = None
    help_yes: int = 0
    help_no: int = 0
    help_unsure: int = 0


class ActionHelpAnswer(SQLModel, table=True):
    """One "did this help?" answer while its round is open: no user id, the round's keyed hash (as PulseAnswer).
    Closing the round adds it to the action's counts and deletes it."""

    __tablename__ = "action_help_answer"
    __table_args__ = (UniqueConstraint("round_id", "respondent", "action_id", name="uq_action_help_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    respondent: str = Field(max_length=64)
    action_id: int
    value: str = Field(max_length=8)  # yes | no | unsure


class SealedCheckin(SQLModel, table=True):
    """A check-in DM due after "just note it": only the recipient sealed under a key derived from
    PULSSI_SECRET_KEY, and when it is due. Deleted when sent; nothing here points at the note's count."""

    __tablename__ = "sealed_checkin"

    # Random ids (INTEGER on SQLite, so the id is the rowid): ids that count up would order the notes.
    id: int = Field(
        default_factory=random_row_id,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    )
    workspace_id: str = Field(max_length=32)
    sealed: str = Field(max_length=512)
    due_at: datetime = Field(index=True)


class ManagerNudge(SQLModel, table=True):
    """One nudge per team per week at most: the unique week row is claimed before any DM goes out."""

    __tablename__ = "manager_nudge"
    __table_args__ = (UniqueConstraint("workspace_id", "team_id", "week_start", name="uq_manager_nudge_week"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    team_id: int = Field(foreign_key="team.id")
    week_start: date
    kind: str = Field(max_length=32)  # need_drop | detractor_rise | no_win_noticed | tough_waiting
    need: str | None = Field(default=None, max_length=16)


class NudgeSnooze(SQLModel, table=True):
    """A manager's "no nudges for this team until" date."""

    __tablename__ = "nudge_snooze"
    __table_args__ = (UniqueConstraint("workspace_id", "team_id", "user_id", name="uq_nudge_snooze"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=32)
    team_id: int = Field(foreign_key="team.id")
    user_id: str = Field(max_length=32)
    until: date


# -- OAuth installations (OAuth mode only): slack_sdk's SQLAlchemy installation and state stores' tables.
# The column names are slack_sdk's, so its stores read and write them; the token columns are Text (a sealed
# token is longer than the 200 characters slack_sdk declares) and hold only ciphertext: the store passes a
# cipher (bot.services.installations) whose key is derived from PULSSI_SECRET_KEY and never stored.
# They are keyed by Slack's team id (the workspace id elsewhere) and enterprise id, as slack_sdk keys them.
INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"


class TokenCipher(Protocol):
    def seal(self, plaintext: str) -> str: ...

    def open(self, sealed: str) -> str: ...


class SealedToken(TypeDecorator[str]):
    """A token column: sealed on the way in, opened on the way out. Without a cipher (the schema itself, as the
    migrations and their check see it) it is plain Text and must never be written through."""

    impl = Text
    cache_ok = True

    def __init__(self, cipher: TokenCipher | None = None) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:  # noqa: ARG002 (SQLAlchemy's)
        if value is None:
            return None
        if self.cipher is None:
            raise RuntimeError("a token column written without a cipher")
        return self.cipher.seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:  # noqa: ARG002
        if value is None or self.cipher is None:
            return None
        return self.cipher.open(value)


def installations_table(metadata: MetaData, cipher: TokenCipher | None = None) -> Table:
    """slack_sdk's `slack_installations` (SQLAlchemyInstallationStore.build_installations_table), tokens sealed."""
    return Table(
        INSTALLATIONS_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("enterprise_url", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", SealedToken(cipher)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", SealedToken(cipher)),
        Column("bot_token_expires_at", DateTime),
        Column("user_id", String(32), nullable=False),
        Column("user_token", SealedToken(cipher)),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", SealedToken(cipher)),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", String(200)),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("is_enterprise_install", Boolean, nullable=False, default=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False),
        Index(f"{INSTALLATIONS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
    )


def bots_table(metadata: MetaData, cipher: TokenCipher | None = None) -> Table:
    """slack_sdk's `slack_bots` (SQLAlchemyInstallationStore.build_bots_table), tokens sealed."""
    return Table(
        BOTS_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", SealedToken(cipher)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", SealedToken(cipher)),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, nullable=False, default=False),
        Column("installed_at", DateTime, nullable=False),
        Index(f"{BOTS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )


def oauth_states_table(metadata: MetaData) -> Table:
    """slack_sdk's `slack_oauth_states` (SQLAlchemyOAuthStateStore): one row per install started, until used."""
    return Table(
        OAUTH_STATES_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
    )


# The schema as migrations create it (no cipher: nothing writes through these three objects).
installations_table(SQLModel.metadata)
bots_table(SQLModel.metadata)
oauth_states_table(SQLModel.metadata)


class RevokedWorkspace(SQLModel, table=True):
    """An org-wide Grid install's workspace the org took Pulssi out of (`team_access_revoked`); the row goes
    when access is granted again (`team_access_granted`). Only the install's own rows are read (`workspace_id`
    is the org's E… key), so a team id of another org or a standalone workspace named here changes nothing
    of theirs (bot.services.team_access)."""

    __tablename__ = "revoked_workspace"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_team_id", name="uq_revoked_workspace"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=32)
    slack_team_id: str = Field(max_length=32)
    revoked_at: datetime
