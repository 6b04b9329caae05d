"""Queries for teams, people and pulse rounds. Functions take a session and never commit:
the service that calls them owns the transaction. Every query filters by workspace id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, func, insert, update
from sqlmodel import Session, col, select

from storage.models import (
    Delivery,
    Membership,
    Person,
    PulseAnswer,
    PulseRound,
    Team,
    TeamManager,
    Workspace,
)


def ensure_workspace(session: Session, workspace_id: str, now: datetime) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        workspace = Workspace(id=workspace_id, created_at=now)
        session.add(workspace)
        session.flush()
    return workspace


def team_by_channel(session: Session, workspace_id: str, channel_id: str) -> Team | None:
    return session.exec(select(Team).where(Team.workspace_id == workspace_id, Team.channel_id == channel_id)).first()


def team_by_id(session: Session, workspace_id: str, team_id: int) -> Team | None:
    return session.exec(select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id)).first()


def team_by_name(session: Session, workspace_id: str, name: str) -> Team | None:
    wanted = name.strip().lstrip("#").lower()
    for team in session.exec(select(Team).where(Team.workspace_id == workspace_id)):
        if team.name.lower() == wanted or team.channel_name.lower() == wanted:
            return team
    return None


def teams(session: Session, workspace_id: str) -> Sequence[Team]:
    return session.exec(select(Team).where(Team.workspace_id == workspace_id).order_by(col(Team.id))).all()


# Statements on the path of nearly every request (who is this person's team, who manages it), built once.
_MANAGER_IDS = (
    select(TeamManager.user_id)
    .where(col(TeamManager.workspace_id) == bindparam("workspace_id"), col(TeamManager.team_id) == bindparam("team_id"))
    .order_by(col(TeamManager.id))
)
_HOME_TEAM = (
    select(Team)
    .join(Membership, col(Membership.team_id) == col(Team.id))
    .where(
        col(Membership.workspace_id) == bindparam("workspace_id"),
        col(Membership.user_id) == bindparam("user_id"),
        col(Team.workspace_id) == bindparam("workspace_id"),
    )
)


def managers_by_team(session: Session, workspace_id: str) -> dict[int, list[str]]:
    """Every team's managers in one query, each list in the order they were added."""
    managers: dict[int, list[str]] = {}
    rows = session.exec(
        select(TeamManager.team_id, TeamManager.user_id)
        .where(TeamManager.workspace_id == workspace_id)
        .order_by(col(TeamManager.id))
    )
    for team_id, user_id in rows:
        managers.setdefault(team_id, []).append(user_id)
    return managers


def manager_ids(session: Session, workspace_id: str, team_id: int) -> list[str]:
    return list(session.exec(_MANAGER_IDS, params={"workspace_id": workspace_id, "team_id": team_id}).all())


def home_team(session: Session, workspace_id: str, user_id: str) -> Team | None:
    """The team of the person's membership (one query for membership and team)."""
    return session.exec(_HOME_TEAM, params={"workspace_id": workspace_id, "user_id": user_id}).first()


def is_manager(session: Session, workspace_id: str, team_id: int, user_id: str) -> bool:
    return (
        session.exec(
            select(TeamManager.id).where(
                TeamManager.workspace_id == workspace_id,
                TeamManager.team_id == team_id,
                TeamManager.user_id == user_id,
            )
        ).first()
        is not None
    )


def managed_team_ids(session: Session, workspace_id: str, user_id: str) -> list[int]:
    return list(
        session.exec(
            select(TeamManager.team_id).where(TeamManager.workspace_id == workspace_id, TeamManager.user_id == user_id)
        ).all()
    )


def membership(session: Session, workspace_id: str, user_id: str) -> Membership | None:
    return session.exec(
        select(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
    ).first()


def active_member_ids(session: Session, workspace_id: str, team_id: int) -> list[str]:
    return list(
        session.exec(
            select(Membership.user_id)
            .where(
                Membership.workspace_id == workspace_id,
                Membership.team_id == team_id,
                col(Membership.active).is_(True),
            )
            .order_by(col(Membership.user_id))
        ).all()
    )


def person(session: Session, workspace_id: str, user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.workspace_id == workspace_id, Person.user_id == user_id)).first()


def people_by_user(session: Session, workspace_id: str, user_ids: Sequence[str]) -> dict[str, Person]:
    """The stored rows of these people, by user id (in chunks: a round may invite thousands)."""
    found: dict[str, Person] = {}
    wanted = sorted(set(user_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(
            select(Person).where(Person.workspace_id == workspace_id, col(Person.user_id).in_(chunk))
        ).all()
        found.update((row.user_id, row) for row in rows)
    return found


def count_pulse_sent(
    session: Session, workspace_id: str, person_ids: Sequence[int], new_user_ids: Sequence[str]
) -> None:
    """One more invitation for each person: existing rows by id, and a first row for those who have none."""
    for start in range(0, len(person_ids), 500):
        session.connection().execute(
            update(_PERSON)
            .where(_PERSON.c.id.in_(list(person_ids[start : start + 500])))
            .values(pulses_sent=_PERSON.c.pulses_sent + 1)
        )
    if new_user_ids:
        session.connection().execute(
            insert(_PERSON),
            [
                {"workspace_id": workspace_id, "user_id": user_id, "muted": False, "pulses_sent": 1, "onboarded": False}
                for user_id in new_user_ids
            ],
        )


@dataclass(frozen=True)
class QueuedDelivery:
    user_id: str
    send_at: datetime
    reminder_at: datetime | None
    question_keys: str


def queue_deliveries(session: Session, workspace_id: str, round_id: int, rows: Sequence[QueuedDelivery]) -> None:
    """A round's outbox rows, one statement (the driver batches the rows)."""
    if rows:
        session.connection().execute(
            insert(_DELIVERY),
            [
                {
                    "workspace_id": workspace_id,
                    "round_id": round_id,
                    "user_id": row.user_id,
                    "send_at": row.send_at,
                    "reminder_at": row.reminder_at,
                    "question_keys": row.question_keys,
                    "attempts": 0,
                }
                for row in rows
            ],
        )


def open_round(session: Session, workspace_id: str, team_id: int) -> PulseRound | None:
    return session.exec(
        select(PulseRound).where(
            PulseRound.workspace_id == workspace_id, PulseRound.team_id == team_id, PulseRound.status == "open"
        )
    ).first()


def round_by_id(session: Session, workspace_id: str, round_id: int) -> PulseRound | None:
    return session.exec(
        select(PulseRound).where(PulseRound.workspace_id == workspace_id, PulseRound.id == round_id)
    ).first()


def respondent_count(session: Session, workspace_id: str, round_id: int) -> int:
    return int(
        session.exec(
            select(func.count(func.distinct(PulseAnswer.respondent))).where(
                PulseAnswer.workspace_id == workspace_id, PulseAnswer.round_id == round_id
            )
        ).one()
    )


# The outbox's statements per DM, built once and run on the session's connection: building an ORM UPDATE per
# call (and its session synchronisation) cost more than running it.
_DELIVERY: Any = getattr(Delivery, "__table__")  # noqa: B009 (SQLModel types hide __table__)
_PERSON: Any = getattr(Person, "__table__")  # noqa: B009
_CLAIMABLE = (
    _DELIVERY.c.sent_at.is_(None),
    _DELIVERY.c.undeliverable_at.is_(None),
    _DELIVERY.c.send_at <= bindparam("claimed_now"),
    _DELIVERY.c.claimed_at.is_(None) | (_DELIVERY.c.claimed_at < bindparam("stale_before")),
)
_CLAIM_VALUES = {
    "claimed_at": bindparam("claimed_now"),
    "claimed_by": bindparam("worker"),
    "attempts": _DELIVERY.c.attempts + 1,
}
_CLAIM = (
    update(_DELIVERY)
    .where(_DELIVERY.c.id.in_(bindparam("ids", expanding=True)), *_CLAIMABLE)
    .values(_CLAIM_VALUES)
    .returning(_DELIVERY.c.id)
)
# SQLite before 3.35 has no RETURNING (SQLAlchemy's dialect knows from the library's version): a row at a time.
_CLAIM_ONE = update(_DELIVERY).where(_DELIVERY.c.id == bindparam("delivery_id"), *_CLAIMABLE).values(_CLAIM_VALUES)
_RENEW_CLAIM = (
    update(_DELIVERY)
    .where(
        _DELIVERY.c.id == bindparam("delivery_id"),
        _DELIVERY.c.sent_at.is_(None),
        _DELIVERY.c.claimed_by == bindparam("claim"),
    )
    .values(claimed_at=bindparam("renewed_at"))
)
_MARK_SENT = (
    update(_DELIVERY)
    .where(_DELIVERY.c.id == bindparam("delivery_id"))
    .values(
        sent_at=bindparam("sent_time"),
        last_error=None,
        dm_channel=func.coalesce(bindparam("channel", type_=String), _DELIVERY.c.dm_channel),
        dm_ts=func.coalesce(bindparam("ts", type_=String), _DELIVERY.c.dm_ts),
    )
)
_MARK_ONBOARDED = (
    update(_PERSON)
    .where(
        _PERSON.c.workspace_id == bindparam("workspace"),
        _PERSON.c.user_id == bindparam("user"),
        _PERSON.c.onboarded.is_(False),
    )
    .values(onboarded=True)
)


def claim_delivery(session: Session, delivery_id: int, worker: str, now: datetime, stale_before: datetime) -> bool:
    return claim_deliveries(session, [delivery_id], worker, now, stale_before) == [delivery_id]


def claim_deliveries(
    session: Session, delivery_ids: Sequence[int], worker: str, now: datetime, stale_before: datetime
) -> list[int]:
    """Conditional UPDATE: exactly one worker wins a row, on SQLite and PostgreSQL alike; returns the rows won.

    The row must still be due when the update runs, not only when it was selected: another sender may have
    tried it in between, failed, and backed it off (claim released, `send_at` moved on, or given up). Each row
    is decided on its own under its row lock, so a batch in one statement is as safe as a statement per row.
    """
    if not delivery_ids:
        return []
    connection = session.connection()
    params = {"claimed_now": now, "worker": worker, "stale_before": stale_before}
    if not connection.dialect.update_returning:
        return [i for i in delivery_ids if connection.execute(_CLAIM_ONE, {**params, "delivery_id": i}).rowcount == 1]
    result = connection.execute(_CLAIM, {**params, "ids": list(delivery_ids)})
    return [int(i) for i in result.scalars()]


def renew_claim(session: Session, delivery_id: int, claim: str, now: datetime) -> bool:
    """Conditional UPDATE: still ours (not sent, not taken over by another sender)? Then restart its clock."""
    result = session.connection().execute(_RENEW_CLAIM, {"delivery_id": delivery_id, "claim": claim, "renewed_at": now})
    return bool(result.rowcount == 1)


def update_if_still_claimed(session: Session, delivery_id: int, claim: str, values: dict[str, Any]) -> bool:
    """Conditional UPDATE of a delivery row only while it is still this sender's claim, unsent and not given up;
    whether it was. A round closed meanwhile deleted the row, and another sender may have taken it over or
    sent it: then nothing changes."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.sent_at).is_(None),
            col(Delivery.undeliverable_at).is_(None),
            col(Delivery.claimed_by) == claim,
        )
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_delivery_sent(session: Session, delivery_id: int, now: datetime, posted: tuple[str, str] | None) -> None:
    """A statement, not a loaded row: a round closed meanwhile has deleted the row, and that is fine. `posted`
    is where the DM is (channel, ts), so the round's close can update it like every other."""
    channel, ts = posted if posted is not None else (None, None)
    session.connection().execute(
        _MARK_SENT, {"delivery_id": delivery_id, "sent_time": now, "channel": channel, "ts": ts}
    )


def mark_onboarded(session: Session, workspace_id: str, user_id: str) -> None:
    session.connection().execute(_MARK_ONBOARDED, {"workspace": workspace_id, "user": user_id})
