"""`/pulse delete-my-data`: remove every row that names the person.

Answers of closed rounds hold no user id (the key and hashes are gone), so they stay; answers of an open
round are only linkable through the round key and go with the round when it closes. The person's reply routes
(anonymous conversations) are unsealed at once, so nothing can reach them any more.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import col, select

from bot.deps import Deps
from bot.domain.conversations import next_slot
from bot.domain.rounds import forgotten_stand_in
from bot.services import conversations, tough
from bot.timeutil import to_db
from storage.models import (
    Delivery,
    Membership,
    NudgeSnooze,
    Person,
    ReplyMessage,
    Team,
    TeamAction,
    TeamManager,
    ToughRequest,
    Win,
    WinColleague,
    Workspace,
)

# The tables delete-my-data deletes from: a deleted row's bytes stay in SQLite's WAL and PostgreSQL's dead
# tuples until rewritten, so they are scrubbed (a named tough-moment request holds the person's own words).
SCRUBBED_TABLES = (
    "membership",
    "person",
    "team_manager",
    "delivery",
    "win_colleague",
    "win",
    "tough_request",
    "tough_request_manager",
    "sealed_checkin",
    "reply_route",
    "reply_message",
    "nudge_snooze",
    "team_action",
    "team",
    "workspace",
)

# Rows that stay (they are the team's or the workspace's, not the person's) but name the person in a column
# other than user_id: the name is taken out. An action keeps its text and due date with no owner; a team, a
# CX feed, a conversation reply or an acknowledged request keeps working without knowing who set it up or wrote it.
NAMING_COLUMNS: tuple[tuple[type, str, object], ...] = (
    (TeamAction, "owner_id", ""),
    (TeamAction, "created_by", ""),
    (Team, "created_by", None),
    (Workspace, "cx_feed_set_by", None),
    (ReplyMessage, "manager_id", None),
    (ToughRequest, "acknowledged_by", None),
)


@dataclass(frozen=True)
class DeletedData:
    memberships: int
    persons: int
    managers: int
    deliveries: int
    mentions: int
    wins: int
    reply_routes: int = 0  # anonymous conversations' routes unsealed (removed at the next delivery time)


def delete_my_data(deps: Deps, workspace_id: str, user_id: str, *, include_wins: bool) -> DeletedData:
    with deps.db.session_scope() as session:

        def remove(model: type, *conditions: object) -> int:
            result = session.execute(delete(model).where(*conditions))  # type: ignore[arg-type]
            return int(getattr(result, "rowcount", 0) or 0)

        memberships = remove(
            Membership, col(Membership.workspace_id) == workspace_id, col(Membership.user_id) == user_id
        )
        persons = remove(Person, col(Person.workspace_id) == workspace_id, col(Person.user_id) == user_id)
        managers = remove(
            TeamManager, col(TeamManager.workspace_id) == workspace_id, col(TeamManager.user_id) == user_id
        )
        # A pulse DM already sent in an open round keeps its row under a random stand-in, without a reminder,
        # so the close edits it like every other DM of the round: a DM left unedited among the round's edited
        # ones would tell Slack's exports that this person deleted their data while the round was open.
        sent = list(
            session.exec(
                select(Delivery).where(
                    Delivery.workspace_id == workspace_id,
                    Delivery.user_id == user_id,
                    col(Delivery.dm_channel).is_not(None),
                    col(Delivery.dm_ts).is_not(None),
                )
            ).all()
        )
        for delivery in sent:
            delivery.user_id = forgotten_stand_in()
            delivery.reminder_handled_at = delivery.reminder_handled_at or to_db(deps.now())
            session.add(delivery)
        session.flush()
        deliveries = len(sent) + remove(
            Delivery, col(Delivery.workspace_id) == workspace_id, col(Delivery.user_id) == user_id
        )
        mentions = remove(
            WinColleague, col(WinColleague.workspace_id) == workspace_id, col(WinColleague.user_id) == user_id
        )
        remove(NudgeSnooze, col(NudgeSnooze.workspace_id) == workspace_id, col(NudgeSnooze.user_id) == user_id)
        for model, column, blank in NAMING_COLUMNS:
            workspace_column = "id" if model is Workspace else "workspace_id"
            session.execute(
                update(model)
                .where(col(getattr(model, workspace_column)) == workspace_id, col(getattr(model, column)) == user_id)
                .values({column: blank})
            )
        tough.forget_person(session, workspace_id, user_id)  # named tough-moment requests
        # and a pending check-in after "just note it" (sealed: each row is opened to find theirs)
        tough.forget_sealed_checkins(session, deps.settings.secret_key.reveal(), workspace_id, user_id)
        reply_routes = conversations.forget_author(
            session,
            deps.settings.secret_key.reveal(),
            workspace_id,
            next_slot(deps.now(), deps.settings.default_timezone),
            user_id,
        )
        wins = 0
        if include_wins:
            own = list(
                session.exec(select(Win.id).where(Win.workspace_id == workspace_id, Win.author_id == user_id)).all()
            )
            if own:
                remove(WinColleague, col(WinColleague.win_id).in_(own))
                wins = remove(Win, col(Win.id).in_(own))
    deps.users.forget(user_id)
    deps.db.scrub(SCRUBBED_TABLES)
    return DeletedData(memberships, persons, managers, deliveries, mentions, wins, reply_routes)
