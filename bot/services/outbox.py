"""Fan-out of pulse DMs through the durable outbox (the `delivery` table).

Rows are claimed in small batches with a conditional UPDATE that stamps a token unique to the claim; right
before each DM is sent the claim is renewed, again conditionally, so a row that waited in a batch past the
claim timeout and was taken over by another sender is skipped instead of sent twice. The DM is marked sent
right after, one short transaction each, so a crash loses at most the in-flight row's "sent" mark. Such a
row (claimed, never marked) is "uncertain": before sending it again we look for our own message in the DM's
history (message metadata carries the delivery id), so a restart never sends a second copy.

When Slack refuses a DM (bot.domain.slack_errors decides what each error means): a person who can't get one
(user_not_found, user_disabled, cannot_dm_bot, messages_tab_disabled...) is marked undeliverable and never
retried; a transient failure (5xx, rate limits that outlast the client's retries, network errors) moves the
row's `send_at` on by an exponential backoff, and after a capped number of attempts gives up the same way;
a refused bot token (invalid_auth, token_revoked...) stops the workspace's sending. So every row leaves the
due set after each attempt, and a tick always ends.
"""

from __future__ import annotations

import http.client
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, exists, update
from sqlalchemy import select as core_select  # sqlmodel's select types at most 4 columns
from sqlmodel import Session, col, select

from bot.blocks import context, mrkdwn
from bot.blocks.language import language_choice_blocks
from bot.blocks.pulse import pulse_message_blocks
from bot.blocks.team_actions import help_question_blocks, since_last_time_blocks
from bot.deps import Deps
from bot.domain import slack_errors
from bot.domain.slack_errors import Outcome
from bot.domain.team_actions import ActionView
from bot.i18n import translator
from bot.services import slack_problems, team_access
from bot.services.languages import language_from, translator_for_person
from bot.services.rounds import NEED_QUESTIONS
from bot.services.team_actions import help_questions, since_last_time
from bot.slack_client import close_thread_connections
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.models import Delivery, Membership, Person, PulseRound, Team, Workspace

logger = logging.getLogger(__name__)

METADATA_EVENT = "pulssi_pulse"
BATCH = 20  # small claims so parallel senders share a fan-out evenly


def send_due_pulses(deps: Deps, *, limit: int = 5000, senders: int | None = None) -> int:
    """Send every due DM this process can claim; returns how many were sent.

    Several sender threads share the fan-out (claims are atomic), so one sender waiting out a 429's
    Retry-After does not stall the others.
    """
    slack_problems.resume_if_token_works(deps)
    count = senders or deps.settings.outbox_senders
    if count <= 1:
        return _send_loop(deps, limit)
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="outbox") as pool:
        return sum(f.result() for f in [pool.submit(_pooled_send_loop, deps, limit) for _ in range(count)])


def _pooled_send_loop(deps: Deps, limit: int) -> int:
    """A sender in the fan-out's own pool: its threads end with the fan-out, so their connections close."""
    try:
        return _send_loop(deps, limit)
    finally:
        close_thread_connections(deps.client)


def _send_loop(deps: Deps, limit: int) -> int:
    sent = 0
    tried = 0  # every attempt counts toward the limit, failed or not: a loop that only fails still ends
    while tried < limit:
        claimed = _claim_batch(deps, min(BATCH, limit - tried))
        if not claimed:
            return sent
        claim, won = claimed
        tried += max(1, len(won))
        by_workspace: dict[str, list[int]] = {}
        for delivery_id, workspace_id in won:
            by_workspace.setdefault(workspace_id, []).append(delivery_id)
        for workspace_id, delivery_ids in by_workspace.items():
            # Each workspace's DMs carry its own token (OAuth mode); one without an installation is skipped.
            with deps.acting_for(workspace_id) as installed:
                if not installed:
                    _give_back(deps, workspace_id, delivery_ids, claim)
                    continue
                round_texts: dict[int, _RoundTexts] = {}  # one batch's DMs of a round recall the same actions
                revoked = team_access.revoked_workspaces(deps, workspace_id)
                for delivery_id in delivery_ids:
                    if _send_one(deps, delivery_id, claim, round_texts, revoked):
                        sent += 1
    return sent


@dataclass(frozen=True)
class _RoundTexts:
    """What every DM of a round shows beside the questions: the team's actions recalled, and those asked about."""

    recalled: list[ActionView]
    asked: list[ActionView]


def _round_texts(session: Session, workspace_id: str, team_id: int, round_id: int) -> _RoundTexts:
    return _RoundTexts(
        since_last_time(session, workspace_id, team_id, round_id), help_questions(session, workspace_id, round_id)
    )


# What sending one DM needs, in one query after its claim is renewed: the row, its round, whether its
# workspace's sending stopped, and the person's onboarding and language (their choice, their home team's).
_TO_SEND = (
    core_select(
        col(Delivery.workspace_id),
        col(Delivery.user_id),
        col(Delivery.round_id),
        col(Delivery.question_keys),
        col(Delivery.attempts),
        col(Delivery.sent_at),
        col(Delivery.undeliverable_at),
        col(PulseRound.status),
        col(PulseRound.team_id),
        col(PulseRound.asks_enps),
        col(PulseRound.opened_at),
        col(Workspace.sending_stopped_at),
        col(Person.onboarded),
        col(Person.language).label("chosen_language"),
        col(Team.language).label("team_language"),
    )
    .join(PulseRound, col(PulseRound.id) == col(Delivery.round_id))
    .outerjoin(Workspace, col(Workspace.id) == col(Delivery.workspace_id))
    .outerjoin(
        Person,
        (col(Person.workspace_id) == col(Delivery.workspace_id)) & (col(Person.user_id) == col(Delivery.user_id)),
    )
    .outerjoin(
        Membership,
        (col(Membership.workspace_id) == col(Delivery.workspace_id))
        & (col(Membership.user_id) == col(Delivery.user_id)),
    )
    .outerjoin(Team, (col(Team.id) == col(Membership.team_id)) & (col(Team.workspace_id) == col(Delivery.workspace_id)))
    .where(col(Delivery.id) == bindparam("delivery_id"))
)


def _give_back(deps: Deps, workspace_id: str, delivery_ids: list[int], claim: str) -> None:
    """OAuth mode, a workspace without an installation: its rows go back untried, and its sending stops until
    it installs again (bot.services.installations resumes it)."""
    slack_problems.stop_sending(deps, workspace_id, slack_problems.NOT_INSTALLED)
    with deps.db.session_scope() as session:
        for delivery_id in delivery_ids:
            delivery = session.get(Delivery, delivery_id)
            if delivery is not None and delivery.claimed_by == claim:
                delivery.claimed_at = None
                delivery.attempts = max(0, delivery.attempts - 1)
                session.add(delivery)


def _claim_batch(deps: Deps, size: int) -> tuple[str, list[tuple[int, str]]] | None:
    """Claim up to `size` due rows (id, workspace) under a fresh token; None when nothing is due."""
    now = deps.now()
    claim = f"{deps.worker_id[:40]}/{uuid.uuid4().hex[:16]}"
    # A claim older than this belongs to a sender that died; its row is retried (with the history check).
    stale_before = to_db(now - timedelta(seconds=deps.settings.outbox_claim_timeout_seconds))
    with deps.db.session_scope() as session:
        query = (
            select(Delivery.id, Delivery.workspace_id)
            .join(PulseRound, col(PulseRound.id) == col(Delivery.round_id))
            .where(
                col(Delivery.sent_at).is_(None),
                col(Delivery.send_at) <= to_db(now),
                (col(Delivery.claimed_at).is_(None)) | (col(Delivery.claimed_at) < stale_before),
                col(Delivery.undeliverable_at).is_(None),
                PulseRound.status == "open",
                ~_sending_stopped(),
            )
            .order_by(col(Delivery.send_at), col(Delivery.id))
            .limit(size)
        )
        if deps.db.dialect == "postgresql":
            # Several senders share a fan-out: each skips rows another has locked.
            query = query.with_for_update(skip_locked=True, of=Delivery)
        candidates = [(int(i), str(w)) for i, w in session.exec(query).all() if i is not None]
        claimed = set(repo.claim_deliveries(session, [i for i, _ in candidates], claim, to_db(now), stale_before))
        won = [(i, w) for i, w in candidates if i in claimed]
    return (claim, won) if candidates else None


def _send_one(
    deps: Deps,
    delivery_id: int,
    claim: str,
    round_texts: dict[int, _RoundTexts] | None = None,
    revoked: frozenset[str] = frozenset(),
) -> bool:
    with deps.db.session_scope() as session:
        # The claim timeout counts from here, not from when the batch was claimed.
        if not repo.renew_claim(session, delivery_id, claim, to_db(deps.now())):
            return False
        row = session.connection().execute(_TO_SEND, {"delivery_id": delivery_id}).first()
        if row is None or row.sent_at is not None:
            return False
        if row.status != "open" or row.undeliverable_at is not None:
            return False
        if row.sending_stopped_at is not None:
            # Another sender found the token refused while this row waited in the batch: give it back untried.
            delivery = session.get(Delivery, delivery_id)
            if delivery is not None:
                delivery.claimed_at = None
                delivery.attempts = max(0, delivery.attempts - 1)
                session.add(delivery)
            return False
        user_id, workspace_id, round_id, asks_enps = row.user_id, row.workspace_id, row.round_id, row.asks_enps
        uncertain = row.attempts > 1
        # An earlier attempt's DM is no older than the round: the claim's time is this attempt's.
        first_possible = row.opened_at
        needs_intro = row.onboarded is not None and not row.onboarded  # a person's row exists, not onboarded yet
        if needs_intro and not uncertain:
            # Marked first, in the claim's transaction: a note lost to a failure is better than the same note
            # twice on a retry.
            repo.mark_onboarded(session, workspace_id, user_id)
        statements = dict(zip(NEED_QUESTIONS, row.question_keys.split(","), strict=False))
        cache = round_texts if round_texts is not None else {}
        texts = cache.get(round_id)
        if texts is None:
            texts = cache[round_id] = _round_texts(session, workspace_id, row.team_id, round_id)
        chosen, team_language = row.chosen_language, row.team_language
    posted: tuple[str, str] | None = None
    try:
        if revoked and not uncertain and team_access.person_out(deps, workspace_id, user_id, revoked):
            _withdrawn(deps, delivery_id, claim, round_id)
            return False
        t = translator(language_from(deps, user_id, chosen, team_language).language)
        if uncertain and (posted := _already_delivered(deps, user_id, delivery_id, first_possible)) is not None:
            logger.info("delivery %s was sent before a restart; not sending again", delivery_id)
        else:
            if needs_intro:
                if uncertain:  # not marked with the claim: only now is it known the DM was not sent
                    _mark_onboarded(deps, workspace_id, user_id)
                deps.client.chat_postMessage(
                    channel=user_id,
                    text=t("pulsedm.onboarding.text"),
                    blocks=[
                        mrkdwn(t("pulsedm.onboarding.text")),
                        context(t("pulsedm.onboarding.mute")),
                        *language_choice_blocks(None),  # offered in both languages: ours may be a guess
                    ],
                )
            blocks = since_last_time_blocks(t, texts.recalled) + help_question_blocks(t, round_id, texts.asked)
            blocks += pulse_message_blocks(
                t,
                round_id=round_id,
                statements=statements,
                asks_enps=asks_enps,
                anonymity_min=deps.settings.anonymity_min,
            )
            response = deps.client.chat_postMessage(
                channel=user_id,
                text=t("pulsedm.fallback"),
                blocks=blocks,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}},
            )
            posted = (str(response.get("channel") or ""), str(response.get("ts") or ""))
    except SlackApiError as error:
        code = slack_problems.error_code(error)
        _failed(deps, delivery_id, claim, workspace_id, round_id, code, slack_problems.dm_outcome(deps, code))
        return False
    except (OSError, http.client.HTTPException) as error:  # Slack unreachable after the client's own retries
        _failed(deps, delivery_id, claim, workspace_id, round_id, type(error).__name__, Outcome.TRANSIENT)
        return False
    with deps.db.session_scope() as session:
        repo.mark_delivery_sent(session, delivery_id, to_db(deps.now()), posted)
    return True


def _withdrawn(deps: Deps, delivery_id: int, claim: str, round_id: int) -> None:
    """The person's workspace was taken out of the org-wide install after the round began: no DM, and no
    longer one of the round's invitees. The row stays (closed, never sent), as a given-up one does."""
    with deps.db.session_scope() as session:
        withdrawn = {"undeliverable_at": to_db(deps.now()), "last_error": team_access.REVOKED, "claimed_at": None}
        if repo.update_if_still_claimed(session, delivery_id, claim, withdrawn):
            session.execute(
                update(PulseRound)
                .where(col(PulseRound.id) == round_id, col(PulseRound.invited) > 0)
                .values(invited=col(PulseRound.invited) - 1)
            )
    logger.info("pulse DM of delivery %s withdrawn: its workspace was taken out of the org install", delivery_id)


def _mark_onboarded(deps: Deps, workspace_id: str, user_id: str) -> None:
    with deps.db.session_scope() as session:
        repo.mark_onboarded(session, workspace_id, user_id)


def _failed(
    deps: Deps, delivery_id: int, claim: str, workspace_id: str, round_id: int, code: str, outcome: Outcome
) -> None:
    """Take the row out of the due set: given up, backed off, or (token refused) held until sending resumes.

    Only while the row is still this claim's: a call that outlasted the claim timeout has lost the row to
    another sender, which may be sending it now; releasing or backing off its claim let a third one in.

    The log names the delivery row and Slack's error, never the person.
    """
    now = deps.now()
    if outcome is Outcome.BOT_TOKEN:
        slack_problems.stop_sending(deps, workspace_id, code)
    with deps.db.session_scope() as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.sent_at is not None or row.undeliverable_at is not None:
            return
        attempts = row.attempts
        values: dict[str, object] = {"last_error": code[:200], "claimed_at": None}
        give_up = False
        if outcome is Outcome.BOT_TOKEN:
            values["attempts"] = max(0, attempts - 1)  # not this person's failure: no step toward the cap
        elif outcome is Outcome.PERSON or slack_errors.gives_up(attempts):
            give_up = True
            values["undeliverable_at"] = to_db(now)
        else:
            wait = slack_errors.backoff_seconds(attempts)
            values["send_at"] = to_db(now + timedelta(seconds=wait))
        # Conditional: a round closed meanwhile deleted the row, and another sender may have taken it or sent it.
        if not repo.update_if_still_claimed(session, delivery_id, claim, values):
            return
        if give_up:
            session.execute(
                update(PulseRound)
                .where(col(PulseRound.id) == round_id)
                .values(undeliverable=col(PulseRound.undeliverable) + 1)
            )
            logger.warning("pulse DM of delivery %s given up after %s attempt(s): %s", delivery_id, attempts, code)
        elif outcome is not Outcome.BOT_TOKEN:
            logger.warning("pulse DM of delivery %s failed (%s); tried again later", delivery_id, code)


def _already_delivered(
    deps: Deps, user_id: str, delivery_id: int, first_possible: datetime | None
) -> tuple[str, str] | None:
    """The (channel, ts) of this delivery's DM if an earlier attempt did send it, however long ago (a sender
    may come back hours after its crash): the history from the round's opening on, less a margin for clocks."""
    channel = deps.client.conversations_open(users=user_id)["channel"]["id"]
    oldest = (from_db(first_possible) - timedelta(minutes=10)).timestamp() if first_possible else 0
    cursor: str | None = None
    while True:
        history = deps.client.conversations_history(
            channel=channel, oldest=str(oldest), include_all_metadata=True, limit=200, cursor=cursor
        )
        messages: list[dict[str, Any]] = history.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("delivery_id") == delivery_id
            ):
                return channel, str(message.get("ts") or "")
        cursor = (history.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None


def send_due_reminders(deps: Deps) -> int:
    """One reminder, halfway through the window, to everyone invited (muted people excepted).

    Not only to those who haven't answered: Slack keeps the reminder, and who got one would tell who had
    answered by then. The note says as much to everyone.
    """
    now = deps.now()
    reminded = 0
    with deps.db.session_scope() as session:
        due = session.exec(
            select(Delivery.id)
            .join(PulseRound, col(PulseRound.id) == col(Delivery.round_id))
            .where(
                col(Delivery.sent_at).is_not(None),
                col(Delivery.reminder_at) <= to_db(now),
                col(Delivery.reminder_handled_at).is_(None),
                PulseRound.status == "open",
                ~_sending_stopped(),  # they wait until Slack accepts the token again
            )
            .limit(5000)
        ).all()
    for delivery_id in due:
        assert delivery_id is not None
        with deps.db.session_scope() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.reminder_handled_at is not None:
                continue
            pulse_round = session.get(PulseRound, delivery.round_id)
            if pulse_round is None or pulse_round.status != "open":
                continue
            person = repo.person(session, delivery.workspace_id, delivery.user_id)
            muted = bool(person and person.muted)
            delivery.reminder_handled_at = to_db(now)
            session.add(delivery)
            user_id, workspace_id = delivery.user_id, delivery.workspace_id
        if muted:
            continue
        try:
            with deps.acting_for(workspace_id) as installed:
                if not installed:
                    continue  # a nudge, never worth a duplicate: not kept for a re-install
                if team_access.person_out(deps, workspace_id, user_id):
                    continue  # their workspace was taken out of the org install since the pulse went out
                t = translator_for_person(deps, workspace_id, user_id)
                deps.client.chat_postMessage(
                    channel=user_id, text=t("pulsedm.reminder.text"), blocks=[mrkdwn(t("pulsedm.reminder.text"))]
                )
            reminded += 1
        except SlackApiError as error:
            # A reminder is a nudge, never worth a duplicate: it is not retried.
            code = slack_problems.error_code(error)
            logger.warning("reminder DM failed: %s", code)
            if slack_errors.for_dm(code) is Outcome.BOT_TOKEN:
                slack_problems.stop_sending(deps, workspace_id, code)
                break  # every other reminder would fail the same way
    return reminded


def _sending_stopped() -> Any:
    """Rows of a workspace whose sending stopped (Slack refused the token)."""
    return exists().where(
        col(Workspace.id) == col(Delivery.workspace_id), col(Workspace.sending_stopped_at).is_not(None)
    )
