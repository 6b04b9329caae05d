"""Pulse rounds: start (scheduled or now), answers, comments, reminders, close.

Privacy model (README, "Privacy"): answers carry no user id, only an HMAC of (round, person) under a
per-round key derived from PULSSI_SECRET_KEY and never stored. Closing a round stores its per-need
aggregates and value counts, deletes the answers and the per-person delivery rows, rewrites the comments
in random order under random ids, then scrubs the database files (see `Database.scrub`) and updates every
DM of the round the same way, so nothing left in the database or in Slack ties an answer to anyone.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from bot.blocks.pulse import closed_dm_blocks
from bot.deps import Deps
from bot.domain import anonymity, policy, questions
from bot.domain import schedule as schedule_domain
from bot.domain.conversations import routes_allowed as reply_routes_allowed
from bot.domain.rounds import PersonRoundView as PersonRoundView
from bot.domain.rounds import is_forgotten
from bot.i18n import translator
from bot.services import conversations, team_access
from bot.services.languages import translator_for_person
from bot.services.team_actions import aggregate_help, claim_help_round, save_help_answer
from bot.services.teams import NoTeam, refresh_members
from bot.slack_client import NotInstalledError
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.models import (
    Delivery,
    Person,
    PulseAnswer,
    PulseComment,
    PulseRound,
    RoundResult,
    RoundValueCount,
    Team,
)

logger = logging.getLogger(__name__)

NEED_QUESTIONS: tuple[str, ...] = questions.NEEDS
ENPS = questions.ENPS


class RoundAlreadyOpen(Exception):
    pass


class NoOpenRound(Exception):
    pass


class TeamPaused(Exception):
    """The team's channel's workspace was taken out of the org-wide install (bot.services.team_access)."""

    def __init__(self, since: datetime) -> None:
        super().__init__(since)
        self.since = since


class RoundClosed(Exception):
    pass


class NotInvited(Exception):
    pass


@dataclass(frozen=True)
class StartedRound:
    round_id: int
    number: int
    invited: int
    asks_enps: bool
    closes_at: datetime


def _secret(deps: Deps) -> str:
    return deps.settings.secret_key.reveal()


def _token(deps: Deps, workspace_id: str, round_id: int, user_id: str) -> str:
    """The person's keyed hash in this round; the key comes from PULSSI_SECRET_KEY and is never stored."""
    key = anonymity.round_key(_secret(deps), workspace_id, round_id)
    return anonymity.respondent_token(key, round_id, user_id)


def _person_tz(deps: Deps, user_id: str, fallback: str) -> str:
    tz = deps.users.get(user_id).tz
    return tz or fallback


def start_round(
    deps: Deps, workspace_id: str, team_id: int, *, manual: bool, scheduled_for: date | None = None
) -> StartedRound | None:
    """Open a round and queue one DM per member in the outbox.

    Manual rounds (`/pulse now`) send at once; scheduled ones at the team's time in each person's own zone.
    Returns None when another process started the same round first (the unique round number decides).
    Raises TeamPaused, before anything is asked of Slack or written, while the team is paused.
    """
    now = deps.now()
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        paused_since = team_access.paused_since(session, team)
    if paused_since is not None:
        raise TeamPaused(paused_since)
    try:
        members = refresh_members(deps, workspace_id, team_id)
    except NoTeam:
        raise
    except Exception:
        logger.warning("could not refresh members of team %s; using the stored list", team_id, exc_info=True)
        with deps.db.session_scope() as session:
            members = repo.active_member_ids(session, workspace_id, team_id)
    window_days = deps.settings.pulse_window_days
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        if repo.open_round(session, workspace_id, team_id) is not None:
            if manual:
                raise RoundAlreadyOpen()
            return None
        fallback_tz = team.timezone or deps.settings.default_timezone
        plan = _plan_deliveries(deps, session, workspace_id, members, team, now, manual, scheduled_for, window_days)
    try:
        with deps.db.session_scope() as session:
            team = repo.team_by_id(session, workspace_id, team_id)
            assert team is not None
            number = team.rounds_started + 1
            team.rounds_started = number
            session.add(team)
            closes_at = max((p.closes_at for p in plan), default=now + timedelta(days=window_days))
            pulse_round = PulseRound(
                workspace_id=workspace_id,
                team_id=team_id,
                number=number,
                scheduled_for=scheduled_for or now.astimezone(schedule_domain.zone(fallback_tz)).date(),
                opened_at=to_db(now),
                closes_at=to_db(closes_at),
                asks_enps=questions.asks_enps(number),
                started_manually=manual,
                invited=len(plan),
            )
            session.add(pulse_round)
            session.flush()
            assert pulse_round.id is not None
            claim_help_round(session, workspace_id, team_id, pulse_round.id)  # "did this help?", asked once
            # Every invited person's row in one query, and the rows written in a statement per table: objects
            # one by one cost more than the round's whole fan-out used to.
            known = repo.people_by_user(session, workspace_id, [planned.user_id for planned in plan])
            first_timers: list[str] = []
            returning: list[int] = []
            queued: list[repo.QueuedDelivery] = []
            for planned in plan:
                person = known.get(planned.user_id)
                if person is None or person.id is None:
                    first_timers.append(planned.user_id)
                else:
                    returning.append(person.id)
                offset = anonymity.rotation_offset(_secret(deps), workspace_id, planned.user_id)
                statements = questions.statements_for(person.pulses_sent if person else 0, offset)
                queued.append(
                    repo.QueuedDelivery(
                        user_id=planned.user_id,
                        send_at=to_db(planned.send_at),
                        reminder_at=to_db(planned.reminder_at) if planned.reminder_at else None,
                        question_keys=",".join(statements[need] for need in NEED_QUESTIONS),
                    )
                )
            repo.count_pulse_sent(session, workspace_id, returning, first_timers)
            repo.queue_deliveries(session, workspace_id, pulse_round.id, queued)
            return StartedRound(pulse_round.id, number, len(plan), pulse_round.asks_enps, closes_at)
    except IntegrityError:
        logger.info("round %s of team %s was started by another process", scheduled_for, team_id)
        return None


@dataclass(frozen=True)
class _PlannedDelivery:
    user_id: str
    send_at: datetime
    closes_at: datetime
    reminder_at: datetime | None


def _plan_deliveries(
    deps: Deps,
    session: Session,
    workspace_id: str,
    members: list[str],
    team: Team,
    now: datetime,
    manual: bool,
    scheduled_for: date | None,
    window_days: int,
) -> list[_PlannedDelivery]:
    fallback_tz = team.timezone or deps.settings.default_timezone
    at = schedule_domain.schedule_of(team).at
    muted = {
        p.user_id
        for p in session.exec(select(Person).where(Person.workspace_id == workspace_id, col(Person.muted).is_(True)))
    }
    assert team.id is not None
    managers = repo.manager_ids(session, workspace_id, team.id)
    plan: list[_PlannedDelivery] = []
    for user_id in policy.pulsed(members, managers, muted):
        tz_name = _person_tz(deps, user_id, fallback_tz)
        if manual or scheduled_for is None:
            send_at = now
        else:
            send_at = max(schedule_domain.local_send_time(scheduled_for, at, tz_name, fallback_tz), now)
        zone_name = schedule_domain.zone_name(tz_name, fallback_tz)
        local_send = send_at.astimezone(schedule_domain.zone(zone_name))
        closes_at = schedule_domain.window_close(local_send, window_days)
        reminder_at = schedule_domain.reminder_time(send_at, closes_at, zone_name)
        plan.append(_PlannedDelivery(user_id, send_at, closes_at, reminder_at))
    return plan


# The answer path (a click on a pulse DM, the busiest request there is) uses statements built once.
_ROUND_AND_DELIVERY = (
    select(PulseRound, Delivery)
    .join(Delivery, col(Delivery.round_id) == col(PulseRound.id))
    .where(
        col(PulseRound.workspace_id) == bindparam("workspace_id"),
        col(PulseRound.id) == bindparam("round_id"),
        col(Delivery.user_id) == bindparam("user_id"),
    )
)
_PERSON_ANSWERS = select(PulseAnswer).where(
    col(PulseAnswer.round_id) == bindparam("round_id"), col(PulseAnswer.respondent) == bindparam("token")
)


# FOR NO KEY UPDATE (key_share): the answer's foreign key already holds a KEY SHARE lock on the round;
# a plain FOR UPDATE would wait on the other answerer's KEY SHARE, and two first answers would deadlock.
_LOCK_ROUND = select(PulseRound.id).where(col(PulseRound.id) == bindparam("round_id")).with_for_update(key_share=True)
# FOR KEY SHARE: waits while a close holds the row (FOR UPDATE) and then reads its new status; shares the row
# with every other answer and with a first answer's FOR NO KEY UPDATE.
_ROUND_STATUS = (
    select(PulseRound.status)
    .where(col(PulseRound.id) == bindparam("round_id"))
    .with_for_update(read=True, key_share=True)
)


def _still_open(session: Session, round_id: int) -> None:
    """After an answer's write, in its transaction: the round must still be open. A close that committed
    between the click's first read and its write has aggregated and deleted the answers; one written after it
    would stay under its keyed hash, never deleted or scrubbed. Checked after the write, so the write's own
    lock (SQLite's single writer, PostgreSQL's foreign-key and KEY SHARE locks) keeps a close from coming
    between the check and the commit."""
    if session.exec(_ROUND_STATUS, params={"round_id": round_id}).first() != "open":
        raise RoundClosed()


def _answers_of(session: Session, round_id: int, token: str) -> dict[str, PulseAnswer]:
    return {a.question: a for a in session.exec(_PERSON_ANSWERS, params={"round_id": round_id, "token": token})}


def _view(pulse_round: PulseRound, delivery: Delivery) -> PersonRoundView:
    assert pulse_round.id is not None
    return PersonRoundView(
        round_id=pulse_round.id,
        statements=dict(zip(NEED_QUESTIONS, delivery.question_keys.split(","), strict=False)),
        asks_enps=pulse_round.asks_enps,
        is_open=pulse_round.status == "open",
    )


def _open_round_for(session: Session, workspace_id: str, round_id: int, user_id: str) -> tuple[PulseRound, Delivery]:
    params = {"workspace_id": workspace_id, "round_id": round_id, "user_id": user_id}
    found = session.exec(_ROUND_AND_DELIVERY, params=params).first()
    if found is not None:
        pulse_round, delivery = found
        if pulse_round.status != "open":
            raise RoundClosed()
        return pulse_round, delivery
    # No delivery row for this person: the round is gone or closed (closing deletes them), or they weren't invited.
    stored = repo.round_by_id(session, workspace_id, round_id)
    if stored is None or stored.status != "open":
        raise RoundClosed()
    raise NotInvited()


def record_answer(deps: Deps, workspace_id: str, user_id: str, round_id: int, question: str, value: int) -> None:
    """Store or change one answer. The same click twice, or a changed mind, leaves exactly one row."""
    questions.validate_answer(question, value)
    token = _token(deps, workspace_id, round_id, user_id)
    for attempt in range(3):
        try:
            with deps.db.session_scope() as session:
                pulse_round, _delivery = _open_round_for(session, workspace_id, round_id, user_id)
                if question == ENPS and not pulse_round.asks_enps:
                    raise ValueError("this round does not ask eNPS")
                answers = _answers_of(session, round_id, token)
                existing = answers.get(question)
                if existing is None:
                    # No statement key: the answer counts for its need only, so nothing ties it to who saw what.
                    session.add(
                        PulseAnswer(
                            workspace_id=workspace_id,
                            round_id=round_id,
                            respondent=token,
                            question=question,
                            value=value,
                        )
                    )
                else:
                    existing.value = value
                    session.add(existing)
                session.flush()
                _still_open(session, round_id)
                if not answers:
                    # A new respondent: count them. A changed or repeated answer can't change the count.
                    # The round's row lock makes two first answers at once count one after the other, so
                    # the second sees the first (PostgreSQL; SQLite writes one at a time anyway).
                    session.exec(_LOCK_ROUND, params={"round_id": round_id}).first()
                    pulse_round.answered = repo.respondent_count(session, workspace_id, round_id)
                    session.add(pulse_round)
                return
        except IntegrityError:
            # A double click raced us to the insert; the retry turns it into an update.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_help_answer(deps: Deps, workspace_id: str, user_id: str, round_id: int, action_id: int, value: str) -> bool:
    """ "Did this help?" about an action the round asks about: stored like a pulse answer, under the person's
    keyed hash in this round, so a changed mind leaves one row and nothing names them. False when the round
    doesn't ask about that action."""
    token = _token(deps, workspace_id, round_id, user_id)
    for attempt in range(3):
        try:
            with deps.db.session_scope() as session:
                _open_round_for(session, workspace_id, round_id, user_id)
                asked = save_help_answer(session, workspace_id, round_id, token, action_id, value)
                session.flush()
                _still_open(session, round_id)
                return asked
        except IntegrityError:
            # A double click raced us to the insert; the retry turns it into an update.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def save_comment(
    deps: Deps,
    workspace_id: str,
    user_id: str,
    round_id: int,
    text: str,
    need: str | None = None,
    *,
    allow_replies: bool = False,
) -> None:
    text = text.strip()[:3000]
    need = need if need in NEED_QUESTIONS else None
    token = _token(deps, workspace_id, round_id, user_id)
    with deps.db.session_scope() as session:
        _open_round_for(session, workspace_id, round_id, user_id)
        existing = session.exec(
            select(PulseComment).where(PulseComment.round_id == round_id, PulseComment.respondent == token)
        ).first()
        if not text:
            if existing is not None:
                session.delete(existing)
        elif existing is None:
            session.add(
                PulseComment(
                    workspace_id=workspace_id,
                    round_id=round_id,
                    respondent=token,
                    text=text,
                    need=need,
                    allow_replies=allow_replies,
                )
            )
        else:
            existing.text = text
            existing.need = need
            existing.allow_replies = allow_replies
            session.add(existing)
        session.flush()
        _still_open(session, round_id)


def view_for_person(deps: Deps, workspace_id: str, user_id: str, round_id: int) -> PersonRoundView:
    with deps.db.session_scope() as session:
        pulse_round, delivery = _open_round_for(session, workspace_id, round_id, user_id)
        return _view(pulse_round, delivery)


def open_round_of_person(deps: Deps, workspace_id: str, user_id: str) -> PersonRoundView | None:
    """The person's own open round, if they were invited to one (for Home)."""
    with deps.db.session_scope() as session:
        found = session.exec(
            select(PulseRound, Delivery)
            .join(Delivery, col(Delivery.round_id) == col(PulseRound.id))
            .where(
                Delivery.workspace_id == workspace_id,
                Delivery.user_id == user_id,
                PulseRound.status == "open",
                col(Delivery.sent_at).is_not(None),
            )
        ).first()
        if found is None:
            return None
        return _view(*found)


@dataclass(frozen=True)
class ClosedRound:
    round_id: int
    team_id: int
    invited: int
    answered: int
    workspace_id: str = ""


def close_round(deps: Deps, workspace_id: str, round_id: int) -> ClosedRound | None:
    """Aggregate, then forget who: per-need sums and value counts are kept, the answers and the per-person
    deliveries deleted, the comments rewritten in random order under random ids. Then the database files are
    scrubbed of what was deleted, and every DM of the round is updated the same way."""
    now = deps.now()
    with deps.db.session_scope() as session:
        pulse_round = session.exec(
            select(PulseRound)
            .where(PulseRound.workspace_id == workspace_id, PulseRound.id == round_id, PulseRound.status == "open")
            .with_for_update()
        ).first()
        if pulse_round is None:
            return None
        answered = repo.respondent_count(session, workspace_id, round_id)
        values = [
            (a.question, a.value) for a in session.exec(select(PulseAnswer).where(PulseAnswer.round_id == round_id))
        ]
        comments = [
            (c.text, c.need, c.respondent if c.allow_replies else None)
            for c in session.exec(select(PulseComment).where(PulseComment.round_id == round_id))
        ]
        result, counts = aggregate_round(
            values,
            round_id=round_id,
            workspace_id=workspace_id,
            team_id=pulse_round.team_id,
            opened_on=from_db(pulse_round.opened_at).date(),
            invited=pulse_round.invited,
            answered=answered,
            comments=len(comments),
        )
        session.add(result)
        session.add_all(counts)
        pulse_round.status = "closed"
        pulse_round.closed_at = to_db(now)
        pulse_round.answered = answered
        session.add(pulse_round)
        authors = _reply_authors(deps, session, workspace_id, round_id, answered, comments)
        dms = [
            (user_id, channel, ts)
            for user_id, channel, ts in session.exec(
                select(Delivery.user_id, Delivery.dm_channel, Delivery.dm_ts).where(Delivery.round_id == round_id)
            )
            if channel and ts
        ]
        session.execute(delete(PulseAnswer).where(col(PulseAnswer.round_id) == round_id))
        aggregate_help(session, round_id)  # "did this help?" answers become the actions' counts, then go
        session.execute(delete(Delivery).where(col(Delivery.round_id) == round_id))
        # Rewritten, not just un-hashed: new random ids in a random order, so neither ids nor the rows' order
        # on disk tell who wrote first.
        session.execute(delete(PulseComment).where(col(PulseComment.round_id) == round_id))
        session.flush()
        shuffled = anonymity.shuffled_comments(comments)
        # Reply routes in the same random order, sealed, expiring the same day for the whole round.
        routes = conversations.open_routes(
            session,
            _secret(deps),
            workspace_id,
            pulse_round.team_id,
            now.date(),
            [authors.get(token) if token else None for _text, _need, token in shuffled],
        )
        for (text, need, _), route_id in zip(shuffled, routes, strict=True):
            session.add(
                PulseComment(workspace_id=workspace_id, round_id=round_id, text=text, need=need, route_id=route_id)
            )
        closed = ClosedRound(round_id, pulse_round.team_id, pulse_round.invited, answered, workspace_id)
    deps.db.scrub(SCRUBBED_TABLES)
    _mark_dms_closed(deps, workspace_id, dms)
    return closed


def _reply_authors(
    deps: Deps,
    session: Session,
    workspace_id: str,
    round_id: int,
    answered: int,
    comments: list[tuple[str, str | None, str | None]],
) -> dict[str, str]:
    """respondent hash -> user id for the writers who allowed replies, found by hashing each invited person
    (the hashes are one-way); empty unless the round's comments may be shown at all (k)."""
    wanted = {token for _text, _need, token in comments if token}
    if not wanted or not reply_routes_allowed(answered, len(comments), deps.settings.anonymity_min):
        return {}
    invited = session.exec(select(Delivery.user_id).where(Delivery.round_id == round_id)).all()
    found = {_token(deps, workspace_id, round_id, user_id): user_id for user_id in invited}
    return {token: user_id for token, user_id in found.items() if token in wanted}


# Tables whose deleted rows held a respondent hash or a user id next to a round: scrubbed after a close.
SCRUBBED_TABLES = ("pulse_answer", "pulse_comment", "delivery", "action_help_answer")


def aggregate_round(
    values: list[tuple[str, int]],
    *,
    round_id: int,
    workspace_id: str,
    team_id: int,
    opened_on: date,
    invited: int,
    answered: int,
    comments: int,
) -> tuple[RoundResult, list[RoundValueCount]]:
    """A round's answers as what is kept of them: per need and eNPS n, sum, sum of squares, counts per value."""
    result = RoundResult(
        round_id=round_id,
        workspace_id=workspace_id,
        team_id=team_id,
        opened_on=opened_on,
        invited=invited,
        answered=answered,
        comments_n=comments,
    )
    for question, value in values:
        if question == ENPS:
            if value >= 9:
                result.enps_promoters += 1
            elif value >= 7:
                result.enps_passives += 1
            else:
                result.enps_detractors += 1
        setattr(result, f"{question}_n", getattr(result, f"{question}_n") + 1)
        setattr(result, f"{question}_sum", getattr(result, f"{question}_sum") + value)
        setattr(result, f"{question}_sq", getattr(result, f"{question}_sq") + value**2)
    counts = [
        RoundValueCount(round_id=round_id, workspace_id=workspace_id, question=question, value=value, count=count)
        for (question, value), count in sorted(Counter(values).items())
    ]
    return result, counts


def _mark_dms_closed(deps: Deps, workspace_id: str, dms: list[tuple[str, str, str]]) -> None:
    """Every DM of the round becomes the same closed notice (in the person's language), whatever its reader
    did; in random order, so not even the order of the updates follows anything."""
    for user_id, channel, ts in random.sample(dms, len(dms)):
        try:
            # may ask Slack for the person's locale; a forgotten person's language went with their data
            t = (
                translator(deps.settings.default_language)
                if is_forgotten(user_id)
                else translator_for_person(deps, workspace_id, user_id)
            )
            deps.client.chat_update(channel=channel, ts=ts, text=t("pulsedm.closed"), blocks=closed_dm_blocks(t))
        except SlackApiError as error:
            # message_not_found etc.: the person deleted the DM; nothing to hide there any more.
            logger.warning("could not mark a pulse DM closed: %s", error.response.get("error", "error"))
        except NotInstalledError:
            # OAuth mode, the workspace uninstalled: its round still closes; Slack took its DMs with the app.
            logger.info("workspace %s has no installation: its pulse DMs stay as they are", workspace_id)
            return


def close_open_round(deps: Deps, workspace_id: str, team_id: int) -> ClosedRound:
    with deps.db.session_scope() as session:
        pulse_round = repo.open_round(session, workspace_id, team_id)
        if pulse_round is None or pulse_round.id is None:
            raise NoOpenRound()
        round_id = pulse_round.id
    closed = close_round(deps, workspace_id, round_id)
    if closed is None:
        raise NoOpenRound()
    return closed


def set_muted(deps: Deps, workspace_id: str, user_id: str, muted: bool) -> None:
    with deps.db.session_scope() as session:
        person = repo.person(session, workspace_id, user_id)
        if person is None:
            person = Person(workspace_id=workspace_id, user_id=user_id)
        person.muted = muted
        session.add(person)


def is_muted(deps: Deps, workspace_id: str, user_id: str) -> bool:
    with deps.db.session_scope() as session:
        person = repo.person(session, workspace_id, user_id)
        return bool(person and person.muted)
