"""Tough customer moments: note one anonymously, ask managers for a talk, acknowledge, remind, check in,
and the counts reports show.

Each function is one transaction; Slack calls stay in the handler (and in `tough_tick`, which claims a row
before it sends, so two schedulers or a retry never DM twice). Counts go to tough_daily, which has no user id
and no time finer than the day. A talk request is named by nature; its row is deleted a week after the check-in
went out, answered or not: the answer waits in the row sealed (the same length as "not answered") and reaches
the day's count only then, so neither the row nor the count tells a copy of the database who answered.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import String, and_, case, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from bot.deps import Deps
from bot.domain import schedule as schedule_domain
from bot.domain.anonymity import is_reportable, reportable_condition, sealing_key
from bot.domain.people import TeamView
from bot.domain.sealing import seal, unseal
from bot.domain.tough import (
    CHECKIN_ANSWER_DAYS,
    CHECKIN_SETTLED_DAYS,
    CHECKIN_WORKING_DAYS,
    REMINDER_WORKING_DAYS,
    ToughCounts,
    ToughSummary,
    add_working_days,
    checkin_countable,
    summarize,
    supported_in_time,
)
from bot.services import team_access, teams
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.db import Database
from storage.models import SealedCheckin, ToughDaily, ToughRequest, ToughRequestManager

logger = logging.getLogger(__name__)

NO_TEAM = 0
# A request row is deleted this long after its check-in went out, and its sealed answer (if any) counted then.
FORGET_AFTER = timedelta(days=7)
# A named request's check-in answer, sealed in its row from the start: every value the same length.
CHECKIN_PURPOSE = "named-checkin"
NO_ANSWER = "none"
ANSWERS = {True: "yes_", False: "no__"}
# Scrubbed after a named request is deleted and after a check-in answer: the old page images would keep the
# person's words, an answered request beside the one change of the day's yes/no count it made, and the
# counts' history one answer at a time (Slack keeps when each check-in DM was replaced).
SCRUBBED_TABLES = ("tough_request", "tough_request_manager", "tough_daily")
_COUNTS = ("moments", "talks", "supported_in_time", "checkin_yes", "checkin_no")


class RequestGone(Exception):
    """The request is closed (forgotten a week after its check-in) or never existed in this workspace."""


class NotChosen(Exception):
    """Only the managers the person chose may acknowledge or close a request; only the person checks in."""


@dataclass(frozen=True)
class StoredRequest:
    id: int
    team_id: int
    user_id: str
    what: str | None
    managers: tuple[str, ...]
    acknowledged_by: str | None
    done: bool


@dataclass(frozen=True)
class ManagerMessage:
    user_id: str
    channel_id: str | None
    message_ts: str | None


def _zone(team: TeamView) -> tzinfo:
    return schedule_domain.zone(team.timezone)


def _add_counts(session: Session, workspace_id: str, team_key: int, day: date, **counts: int) -> None:
    """Add to one team's day: an insert-or-add, so two people on the same day never lose a count."""
    target: Any = getattr(ToughDaily, "__table__")  # noqa: B009 (SQLModel types hide __table__)
    dialect = session.connection().dialect.name
    values = {name: counts.get(name, 0) for name in _COUNTS}
    statement: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target).values(
        workspace_id=workspace_id, team_key=team_key, day=day, **values
    )
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["workspace_id", "team_key", "day"],
            set_={name: getattr(target.c, name) + getattr(excluded, name) for name in _COUNTS},
        )
    )


def _today(deps: Deps, team: TeamView | None) -> date:
    zone = schedule_domain.zone(team.timezone if team else None, deps.settings.default_timezone)
    return deps.now().astimezone(zone).date()


def note_moment(deps: Deps, workspace_id: str, team: TeamView | None) -> None:
    """ "Just note it" and a shared lesson: one more moment on today's count, nothing else."""
    with deps.db.session_scope() as session:
        _add_counts(session, workspace_id, team.id if team else NO_TEAM, _today(deps, team), moments=1)


def choosable_managers(
    deps: Deps, workspace_id: str, team: TeamView, user_id: str, *, ask_slack: bool = False
) -> tuple[str, ...]:
    """The managers a person may ask for a talk: their team's, never themself, never a person from outside the
    installation named a manager (a Slack Connect person the cache let through: the request names the asker).
    `ask_slack` when opening the modal, after its ack; the cache when it is submitted, before its ack."""
    return tuple(
        m for m in team.managers if m != user_id and not teams.is_outsider(deps, workspace_id, m, ask_slack=ask_slack)
    )


def request_talk(
    deps: Deps, workspace_id: str, user_id: str, team: TeamView, what: str | None, managers: list[str]
) -> StoredRequest:
    """Store a named request for the chosen managers (only the team's own) and count the moment."""
    allowed = set(choosable_managers(deps, workspace_id, team, user_id))
    chosen = tuple(dict.fromkeys(m for m in managers if m in allowed))
    if not chosen:
        raise NotChosen()
    now = deps.now()
    zone = _zone(team)
    day = now.astimezone(zone).date()
    with deps.db.session_scope() as session:
        request = ToughRequest(
            workspace_id=workspace_id,
            team_id=team.id,
            user_id=user_id,
            what=(what or "").strip() or None,
            day=day,
            created_at=to_db(now),
            reminder_due_at=to_db(add_working_days(now, REMINDER_WORKING_DAYS, zone)),
            checkin_due_at=to_db(add_working_days(now, CHECKIN_WORKING_DAYS, zone)),
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        request.checkin_sealed = _seal_answer(_checkin_key(deps), workspace_id, request.id, NO_ANSWER)
        session.add(request)
        for manager in chosen:
            session.add(ToughRequestManager(workspace_id=workspace_id, request_id=request.id, user_id=manager))
        _add_counts(session, workspace_id, team.id, day, moments=1, talks=1)
        return StoredRequest(request.id, team.id, user_id, request.what, chosen, None, False)


def _request(session: Session, workspace_id: str, request_id: int) -> ToughRequest:
    request = session.exec(
        select(ToughRequest).where(ToughRequest.workspace_id == workspace_id, ToughRequest.id == request_id)
    ).first()
    if request is None:
        raise RequestGone()
    return request


def _managers(session: Session, workspace_id: str, request_id: int) -> list[ToughRequestManager]:
    return list(
        session.exec(
            select(ToughRequestManager)
            .where(ToughRequestManager.workspace_id == workspace_id, ToughRequestManager.request_id == request_id)
            .order_by(col(ToughRequestManager.id))
        ).all()
    )


def _stored(session: Session, request: ToughRequest) -> StoredRequest:
    assert request.id is not None
    managers = tuple(m.user_id for m in _managers(session, request.workspace_id, request.id))
    return StoredRequest(
        request.id,
        request.team_id,
        request.user_id,
        request.what,
        managers,
        request.acknowledged_by,
        request.done_at is not None,
    )


def record_manager_message(
    deps: Deps, workspace_id: str, request_id: int, manager: str, channel_id: str, ts: str
) -> None:
    """Where a manager's DM about the request is, so acknowledging can update every chosen manager's copy."""
    with deps.db.session_scope() as session:
        for row in _managers(session, workspace_id, request_id):
            if row.user_id == manager:
                row.channel_id, row.message_ts = channel_id, ts
                session.add(row)


def manager_messages(deps: Deps, workspace_id: str, request_id: int) -> list[ManagerMessage]:
    with deps.db.session_scope() as session:
        return [
            ManagerMessage(m.user_id, m.channel_id, m.message_ts) for m in _managers(session, workspace_id, request_id)
        ]


@dataclass(frozen=True)
class Acknowledged:
    request: StoredRequest
    first: bool  # False when someone had already said they'd reach out (a double click, another manager)


def acknowledge(deps: Deps, workspace_id: str, request_id: int, manager: str, *, done: bool = False) -> Acknowledged:
    """ "I'll reach out" (or "Done", which also acknowledges): only a chosen manager; the first acknowledgement
    within a working day counts as supported in time."""
    now = deps.now()
    with deps.db.session_scope() as session:
        request = _request(session, workspace_id, request_id)
        if manager not in {m.user_id for m in _managers(session, workspace_id, request_id)}:
            raise NotChosen()
        # The conditional update decides the first acknowledgement, whoever clicks at the same moment.
        claimed = session.execute(
            update(ToughRequest)
            .where(col(ToughRequest.id) == request_id, col(ToughRequest.acknowledged_at).is_(None))
            .values(acknowledged_at=to_db(now), acknowledged_by=manager)
        )
        first = bool(getattr(claimed, "rowcount", 0))
        if first:
            team = repo.team_by_id(session, workspace_id, request.team_id)
            zone = schedule_domain.zone(team.timezone if team else None, deps.settings.default_timezone)
            if supported_in_time(from_db(request.created_at), now, zone):
                _add_counts(session, workspace_id, request.team_id, request.day, supported_in_time=1)
        if done:
            session.execute(
                update(ToughRequest)
                .where(col(ToughRequest.id) == request_id, col(ToughRequest.done_at).is_(None))
                .values(done_at=to_db(now))
            )
        session.expire_all()
        return Acknowledged(_stored(session, _request(session, workspace_id, request_id)), first)


def _checkin_key(deps: Deps) -> bytes:
    return sealing_key(deps.settings.secret_key.reveal(), "tough-named-checkin")


def _seal_answer(key: bytes, workspace_id: str, request_id: int, answer: str) -> str:
    return seal(key, f"{CHECKIN_PURPOSE}:{workspace_id}:{request_id}", {"a": answer})


def _sealed_answer(key: bytes, workspace_id: str, request_id: int, sealed: str | None) -> str:
    fields = unseal(key, f"{CHECKIN_PURPOSE}:{workspace_id}:{request_id}", sealed) if sealed else None
    return str(fields.get("a")) if fields is not None else NO_ANSWER


def answer_checkin(deps: Deps, workspace_id: str, request_id: int, user_id: str, supported: bool) -> bool:
    """Keep a yes/no sealed in the request's row, counted on the request's day when the request is forgotten
    (`forget_requests`). The row stays as it was for everyone else: its absence would say the person answered,
    and a count moving now would pair with it. False when it was already answered (a double click)."""
    key = _checkin_key(deps)
    with deps.db.session_scope() as session:
        request = session.exec(
            select(ToughRequest)
            .where(ToughRequest.workspace_id == workspace_id, ToughRequest.id == request_id)
            .with_for_update()
        ).first()
        if request is None:
            return False
        if request.user_id != user_id:
            raise NotChosen()
        if (deps.now().date() - request.day).days > CHECKIN_ANSWER_DAYS:
            return False  # too late (the forget job was behind): the day is settled in reports and stays so
        if _sealed_answer(key, workspace_id, request_id, request.checkin_sealed) != NO_ANSWER:
            return False  # answered already: the first answer stands
        request.checkin_sealed = _seal_answer(key, workspace_id, request_id, ANSWERS[supported])
        session.add(request)
    # The old page image held "not answered": a copy of the files would show the row had changed.
    deps.db.scrub(("tough_request",))
    return True


def _forget(session: Session, workspace_id: str, request_ids: list[int]) -> int:
    if not request_ids:
        return 0
    session.execute(
        delete(ToughRequestManager).where(
            col(ToughRequestManager.workspace_id) == workspace_id, col(ToughRequestManager.request_id).in_(request_ids)
        )
    )
    deleted = session.execute(
        delete(ToughRequest).where(
            col(ToughRequest.workspace_id) == workspace_id, col(ToughRequest.id).in_(request_ids)
        )
    )
    return int(getattr(deleted, "rowcount", 0) or 0)


# ----- the scheduler's tick --------------------------------------------------------------------------


def _claim(session: Session, request_id: int, column: str, now: datetime) -> bool:
    """Set `column` (reminder_sent_at or checkin_sent_at) if still unset: True for the one process that did."""
    target = getattr(ToughRequest, column)
    result = session.execute(
        update(ToughRequest)
        .where(col(ToughRequest.id) == request_id, col(target).is_(None))
        .values({column: to_db(now)})
    )
    return bool(getattr(result, "rowcount", 0))


def _due(
    deps: Deps, due_column: str, sent_column: str, extra: Callable[[Any], Any] | None = None
) -> list[StoredRequest]:
    now = deps.now()
    claimed: list[StoredRequest] = []
    with deps.db.session_scope() as session:
        statement = select(ToughRequest).where(
            col(getattr(ToughRequest, due_column)) <= to_db(now), col(getattr(ToughRequest, sent_column)).is_(None)
        )
        if extra is not None:
            statement = statement.where(extra(ToughRequest))
        for request in session.exec(statement.order_by(col(ToughRequest.id)).limit(200)).all():
            assert request.id is not None
            if _claim(session, request.id, sent_column, now):
                claimed.append(_stored(session, request))
    return claimed


def _workspace_of(deps: Deps, request_id: int) -> str:
    with deps.db.session_scope() as session:
        found = session.exec(select(ToughRequest.workspace_id).where(ToughRequest.id == request_id)).first()
        return str(found or "")


@dataclass(frozen=True)
class DueWork:
    workspace_id: str
    request: StoredRequest


def due_reminders(deps: Deps) -> list[DueWork]:
    """Unacknowledged requests a working day old, each claimed once (the reminder goes out once)."""
    due = _due(deps, "reminder_due_at", "reminder_sent_at", lambda t: col(t.acknowledged_at).is_(None))
    return [DueWork(_workspace_of(deps, r.id), r) for r in due]


def due_checkins(deps: Deps) -> list[DueWork]:
    """Requests two working days old whose person has not been asked yet, each claimed once."""
    return [DueWork(_workspace_of(deps, r.id), r) for r in _due(deps, "checkin_due_at", "checkin_sent_at")]


def forget_requests(deps: Deps) -> int:
    """A week after its check-in went out a request is deleted, answered or not, and its sealed answer is
    counted on its day then (unless that day is near settling in reports: see CHECKIN_COUNTED_DAYS)."""
    now = deps.now()
    key = _checkin_key(deps)
    with deps.db.session_scope() as session:
        # Requests made before migration 0017 get their "not answered" too: a NULL beside answered ones would
        # tell them apart.
        for request in session.exec(select(ToughRequest).where(col(ToughRequest.checkin_sealed).is_(None))).all():
            assert request.id is not None
            request.checkin_sealed = _seal_answer(key, request.workspace_id, request.id, NO_ANSWER)
            session.add(request)
        rows = session.exec(
            select(ToughRequest).where(col(ToughRequest.checkin_sent_at) < to_db(now - FORGET_AFTER))
        ).all()
        forgotten = 0
        for request in rows:
            assert request.id is not None
            answer = _sealed_answer(key, request.workspace_id, request.id, request.checkin_sealed)
            workspace_id, team_id, day = request.workspace_id, request.team_id, request.day
            if not _forget(session, workspace_id, [request.id]):
                continue  # another process forgot it first, and counted it
            forgotten += 1
            if answer in ANSWERS.values() and checkin_countable(day, now.date()):
                counts = {"checkin_yes" if answer == ANSWERS[True] else "checkin_no": 1}
                _add_counts(session, workspace_id, team_id, day, **counts)
    if forgotten:
        deps.db.scrub(SCRUBBED_TABLES)
    return forgotten


# ----- reports ---------------------------------------------------------------------------------------


def _fed(name: str, k: int, settled_before: date | None = None) -> Any:
    """One team's day counted for a measure only when that day's own count of it reached k (as a round feeds
    a pulse measure): a window's total gated alone would let two windows a day apart tell that day's count,
    and the check-in answers of its one note. Check-in answers count only from days before `settled_before`
    (CHECKIN_SETTLED_DAYS): a day still taking answers would move between two reads of the same report."""
    if name in ("checkin_yes", "checkin_no"):
        # Either answer is gated on the day's answers together (yes + no), as a round's answers are.
        reached = reportable_condition(col(ToughDaily.checkin_yes) + col(ToughDaily.checkin_no), k)
        if settled_before is not None:
            reached = and_(reached, col(ToughDaily.day) < settled_before)
        return case((reached, col(getattr(ToughDaily, name))), else_=0)
    # Talks supported in time are gated as the talks are (they are a share of them).
    whole = col(ToughDaily.talks) if name == "supported_in_time" else col(getattr(ToughDaily, name))
    return case((reportable_condition(whole, k), col(getattr(ToughDaily, name))), else_=0)


def tough_counts(
    db: Database, workspace_id: str, team_id: int | None, start: date, end: date, *, k: int
) -> ToughCounts:
    """Sums of the per-day counts in [start, end] from the team-days that reached k; the whole workspace when
    `team_id` is None."""
    # Settled relative to the report's end: a report never ends after today, so no shown day can still move.
    settled_before = end - timedelta(days=CHECKIN_SETTLED_DAYS)
    sums = [func.coalesce(func.sum(_fed(name, k, settled_before)), 0) for name in _COUNTS]
    statement = select(*sums).where(
        ToughDaily.workspace_id == workspace_id, col(ToughDaily.day) >= start, col(ToughDaily.day) <= end
    )
    if team_id is not None:
        statement = statement.where(ToughDaily.team_key == team_id)
    with db.session_scope() as session:
        row = session.exec(statement).one()
    return ToughCounts(*(int(value or 0) for value in row))


def tough_summary(
    db: Database, workspace_id: str, team_id: int | None, start: date, end: date, *, k: int
) -> ToughSummary:
    return summarize(tough_counts(db, workspace_id, team_id, start, end, k=k), k)


# ----- messages: the chosen managers' DMs, the reminder, the check-in ------------------------------------


def send_request_dms(deps: Deps, workspace_id: str, request: StoredRequest, *, reminder: bool = False) -> list[str]:
    """A private DM to each chosen manager, in their language; returns the managers Slack refused."""
    from bot.blocks.tough import manager_dm
    from bot.services.languages import translator_for_person

    refused: list[str] = []
    for manager in request.managers:
        if team_access.person_out(deps, workspace_id, manager):
            continue  # their workspace was taken out of the org-wide install: no DM
        text, blocks = manager_dm(
            translator_for_person(deps, workspace_id, manager),
            request_id=request.id,
            person=request.user_id,
            what=request.what,
            managers=request.managers,
            acknowledged_by=request.acknowledged_by,
            reminder=reminder,
        )
        try:
            response = deps.client.chat_postMessage(channel=manager, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning("tough-moment DM to a manager failed: %s", error.response.get("error"))
            refused.append(manager)
            continue
        record_manager_message(deps, workspace_id, request.id, manager, str(response["channel"]), str(response["ts"]))
    return refused


def refresh_manager_dms(deps: Deps, workspace_id: str, request: StoredRequest, done_by: str | None = None) -> None:
    """Every chosen manager's copy shows who will reach out (or that it is done), so nobody doubles up."""
    from bot.blocks.tough import manager_dm
    from bot.services.languages import translator_for_person

    for message in manager_messages(deps, workspace_id, request.id):
        if not message.channel_id or not message.message_ts:
            continue
        text, blocks = manager_dm(
            translator_for_person(deps, workspace_id, message.user_id),
            request_id=request.id,
            person=request.user_id,
            what=request.what,
            managers=request.managers,
            acknowledged_by=request.acknowledged_by,
            done_by=done_by,
        )
        try:
            deps.client.chat_update(channel=message.channel_id, ts=message.message_ts, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.info("manager DM not updated: %s", error.response.get("error"))


def tell_person_acknowledged(deps: Deps, workspace_id: str, request: StoredRequest) -> None:
    from bot.blocks import mention
    from bot.services.languages import translator_for_person

    if request.acknowledged_by is None:
        return  # nobody acknowledged yet: nothing to tell
    t = translator_for_person(deps, workspace_id, request.user_id)
    try:
        deps.client.chat_postMessage(
            channel=request.user_id, text=t("tough.person.acked", manager=mention(request.acknowledged_by))
        )
    except SlackApiError as error:
        logger.warning("could not tell the person about the acknowledgement: %s", error.response.get("error"))


def send_checkin(deps: Deps, workspace_id: str, request: StoredRequest) -> None:
    from bot.blocks.tough import checkin_dm
    from bot.services.languages import translator_for_person

    text, blocks = checkin_dm(translator_for_person(deps, workspace_id, request.user_id), request.id)
    try:
        deps.client.chat_postMessage(channel=request.user_id, text=text, blocks=blocks)
    except SlackApiError as error:
        # Claimed already: one check-in at most, never a second try that could nag.
        logger.warning("tough-moment check-in not sent: %s", error.response.get("error"))


def tough_tick(deps: Deps) -> None:
    """The scheduler's job: reminders for unacknowledged requests, check-ins, forgetting old requests.
    Each row is claimed before its DM goes out, so a second scheduler or a re-run sends nothing twice."""
    for work in due_reminders(deps):
        with deps.acting_for(work.workspace_id) as installed:
            if installed:  # OAuth mode: a workspace without an installation is skipped
                send_request_dms(deps, work.workspace_id, work.request, reminder=True)
    for work in due_checkins(deps):
        with deps.acting_for(work.workspace_id) as installed:
            if installed:
                send_checkin(deps, work.workspace_id, work.request)
    send_sealed_checkins(deps)
    forget_requests(deps)


# ----- the check-in after "just note it": sealed, not tied to the note --------------------------------------

# What a sealed row holds, and what a note's check-in buttons carry: different purposes, so neither can be
# replayed as the other.
DUE_PURPOSE = "note-checkin-due"
ANSWER_PURPOSE = "note-checkin-answer"
# A note's check-in goes out at this local hour, two working days on: the row says the day, not the minute.
NOTE_CHECKIN_HOUR = 10


def _sealing_key(deps: Deps) -> bytes:
    return sealing_key(deps.settings.secret_key.reveal(), "tough-note-checkin")


def schedule_note_checkin(deps: Deps, workspace_id: str, user_id: str, team: TeamView) -> None:
    """One check-in two working days after a note: a row holding only the sealed (workspace, person, team,
    day) and the day it is due at a fixed hour; no link to the note's count, deleted when sent."""
    zone = _zone(team)
    day = deps.now().astimezone(zone).date()
    morning = datetime(day.year, day.month, day.day, NOTE_CHECKIN_HOUR, tzinfo=zone)
    due = add_working_days(morning, CHECKIN_WORKING_DAYS, zone)
    fields = {"w": workspace_id, "u": user_id, "t": team.id, "d": day.isoformat()}
    with deps.db.session_scope() as session:
        session.add(
            SealedCheckin(
                workspace_id=workspace_id, sealed=seal(_sealing_key(deps), DUE_PURPOSE, fields), due_at=to_db(due)
            )
        )


def send_sealed_checkins(deps: Deps) -> int:
    """Each due row is deleted first (one process wins the delete), then opened and its DM sent: at most once.
    A row that no longer opens (the secret changed) is dropped. Returns the DMs sent."""
    from bot.blocks.tough import checkin_dm
    from bot.services.languages import translator_for_person

    key = _sealing_key(deps)
    with deps.db.session_scope() as session:
        due = session.exec(
            select(SealedCheckin.id, SealedCheckin.sealed)
            .where(col(SealedCheckin.due_at) <= to_db(deps.now()))
            .order_by(col(SealedCheckin.due_at))
            .limit(200)
        ).all()
    sent = 0
    for row_id, sealed in due:
        with deps.db.session_scope() as session:
            taken = session.execute(delete(SealedCheckin).where(col(SealedCheckin.id) == row_id))
            if not getattr(taken, "rowcount", 0):
                continue  # another process took it
        fields = unseal(key, DUE_PURPOSE, sealed)
        if fields is None:
            logger.warning("a sealed check-in did not open (was PULSSI_SECRET_KEY changed?); dropped")
            continue
        workspace_id, user_id = str(fields["w"]), str(fields["u"])
        answer = seal(key, ANSWER_PURPOSE, {**fields, "n": secrets.token_hex(16)})
        with deps.acting_for(workspace_id) as installed:
            if not installed:  # OAuth mode: an uninstalled workspace's check-in goes nowhere
                continue
            if team_access.person_out(deps, workspace_id, user_id):
                continue  # their workspace was taken out of the org-wide install: no DM
            text, blocks = checkin_dm(translator_for_person(deps, workspace_id, user_id), 0, sealed=answer)
            try:
                deps.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
                sent += 1
            except SlackApiError as error:
                logger.warning("tough-moment check-in not sent: %s", error.response.get("error"))
    return sent


def answer_sealed_checkin(deps: Deps, workspace_id: str, user_id: str, token: str, supported: bool) -> bool:
    """A yes/no on a note's check-in: counted once on the note's team and day. Only the person the token
    was sealed for may answer; False for a second click."""
    from bot.services import idempotency
    from bot.services.idempotency import claim_once

    fields = unseal(_sealing_key(deps), ANSWER_PURPOSE, token)
    if fields is None or fields.get("w") != workspace_id or fields.get("u") != user_id:
        raise NotChosen()
    note_day = date.fromisoformat(str(fields["d"]))
    if (deps.now().date() - note_day).days > CHECKIN_ANSWER_DAYS:
        return False  # too late: the note's day is settled in reports and no longer moves
    # The claim's key is a hash of the token's random part: it names nobody. Its time follows from the note's
    # day (never the answer's), so that housekeeping keeps it past the last day answers are taken: the DM keeps
    # its buttons, and a click a week later must not count again.
    nonce = hashlib.sha256(str(fields.get("n")).encode()).hexdigest()[:40]
    kept_until = datetime.combine(note_day, datetime.min.time(), UTC) + timedelta(days=CHECKIN_ANSWER_DAYS + 2)
    if not claim_once(deps.db, workspace_id, f"note-checkin:{nonce}", kept_until - idempotency.RETENTION):
        return False
    with deps.db.session_scope() as session:
        counts = {"checkin_yes" if supported else "checkin_no": 1}
        _add_counts(session, workspace_id, int(fields["t"]), note_day, **counts)
    deps.db.scrub(SCRUBBED_TABLES)
    return True


def forget_sealed_checkins(session: Session, secret_key: str, workspace_id: str, user_id: str) -> int:
    """`/pulse delete-my-data`: the person's pending note check-ins go too (each row is opened to find them)."""
    key = sealing_key(secret_key, "tough-note-checkin")
    mine = [
        row_id
        for row_id, sealed in session.exec(
            select(SealedCheckin.id, SealedCheckin.sealed).where(SealedCheckin.workspace_id == workspace_id)
        ).all()
        if (fields := unseal(key, DUE_PURPOSE, sealed)) is not None and fields.get("u") == user_id
    ]
    if mine:
        session.execute(delete(SealedCheckin).where(col(SealedCheckin.id).in_(mine)))
    return len(mine)


def forget_person(session: Session, workspace_id: str, user_id: str) -> int:
    """`/pulse delete-my-data`: the person's own requests go, and they stop being a chosen manager on others'.
    The day's counts stay: they name nobody."""
    own = [
        i
        for i in session.exec(
            select(ToughRequest.id).where(ToughRequest.workspace_id == workspace_id, ToughRequest.user_id == user_id)
        ).all()
        if i is not None
    ]
    session.execute(
        delete(ToughRequestManager).where(
            col(ToughRequestManager.workspace_id) == workspace_id, col(ToughRequestManager.user_id) == user_id
        )
    )
    return _forget(session, workspace_id, own)


@dataclass(frozen=True)
class OwnMoment:
    """One of the person's own open named requests, for the /win modal's "recovers a tough moment" select."""

    id: int
    day: date
    what: str | None


def own_open_moments(deps: Deps, workspace_id: str, user_id: str) -> list[OwnMoment]:
    """The person's named requests still stored (until a week after the check-in went out), newest first.
    Notes and lessons aren't tied to anyone, so they can't be listed."""
    with deps.db.session_scope() as session:
        rows = session.exec(
            select(ToughRequest)
            .where(ToughRequest.workspace_id == workspace_id, ToughRequest.user_id == user_id)
            .order_by(col(ToughRequest.id).desc())
            .limit(100)
        ).all()
        return [OwnMoment(row.id, row.day, row.what) for row in rows if row.id is not None]


def export_rows(session: Session, workspace_id: str, team_names: dict[int | None, str], k: int) -> list[list[object]]:
    """The export's tough-moment rows: per team and month, counts only from the days that reached k, each from k."""
    month = func.substr(func.cast(col(ToughDaily.day), String), 1, 7)
    sums = [func.sum(_fed(name, k)) for name in ("moments", "talks", "supported_in_time")]
    rows = session.execute(
        sa_select(col(ToughDaily.team_key), month, *sums)
        .where(col(ToughDaily.workspace_id) == workspace_id)
        .group_by(col(ToughDaily.team_key), month)
        .order_by(month, col(ToughDaily.team_key))
    ).all()
    out: list[list[object]] = []
    for team_key, period, moments, talks, supported in rows:
        team = team_names.get(team_key, "") if team_key else ""
        if not is_reportable(int(moments or 0), k):
            continue
        out.append(["tough", team, period, "", "", "", "tough_moments", int(moments), int(moments), "", ""])
        if is_reportable(int(talks or 0), k):
            share = round(100.0 * int(supported or 0) / int(talks), 1)
            out.append(["tough", team, period, "", "", "", "supported_within_a_working_day", share, int(talks), "", ""])
    return out
