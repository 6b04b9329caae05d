"""Anonymous conversations on pulse comments: sealed reply routes, queued replies, batched delivery.

The rules (bot.domain.conversations): a route is made at a round's close only for a comment whose writer
allowed replies, with the writer's id sealed under a key derived from PULSSI_SECRET_KEY; managers of the
team (policy `REPLY_TO_COMMENT`) and the author write into `reply_message`, and `reply_tick` delivers what is
due at the next fixed delivery time, then deletes it. A route ends when either side ends it (removed at the
next delivery time, so a manager can't see the moment an author withdrew), when its author deletes their data,
or 30 days after its round closed. Nothing here logs a user id next to a route.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from bot.blocks.conversations import author_dm, manager_dm
from bot.deps import Deps
from bot.domain import conversations as convo
from bot.domain import policy
from bot.services import team_access, teams
from bot.services.languages import translator_for_person
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.models import PulseComment, ReplyMessage, ReplyRoute

logger = logging.getLogger(__name__)

# Deleted replies and routes, and the comments' cleared route ids: scrubbed from the files after a delivery.
SCRUBBED_TABLES = ("reply_message", "reply_route", "pulse_comment")


class RouteGone(Exception):
    """No such route in this workspace, it has ended, or it isn't the caller's."""


@dataclass(frozen=True)
class RouteView:
    route_id: str
    team_id: int
    comment: str
    ended: bool


def _secret(deps: Deps) -> str:
    return deps.settings.secret_key.reveal()


def _slot(deps: Deps) -> datetime:
    return convo.next_slot(deps.now(), deps.settings.default_timezone)


def open_routes(
    session: Session,
    secret: str,
    workspace_id: str,
    team_id: int,
    closed_on: date,
    authors: Iterable[str | None],
) -> list[str | None]:
    """At a round's close: one sealed route per author who allowed replies (None: no route), in the order
    given (the caller's shuffled order), so neither ids nor the rows' order follow who wrote when."""
    made: list[str | None] = []
    for user_id in authors:
        if user_id is None:
            made.append(None)
            continue
        route_id = convo.new_route_id()
        session.add(
            ReplyRoute(
                id=route_id,
                workspace_id=workspace_id,
                team_id=team_id,
                sealed=convo.seal(secret, workspace_id, route_id, user_id),
                expires_on=convo.expires_on(closed_on),
            )
        )
        made.append(route_id)
    session.flush()
    return made


def _route(session: Session, workspace_id: str, route_id: str) -> ReplyRoute:
    route = session.get(ReplyRoute, route_id)
    if route is None or route.workspace_id != workspace_id:
        raise RouteGone()
    return route


def _comment_text(session: Session, route_id: str) -> str:
    return session.exec(select(PulseComment.text).where(PulseComment.route_id == route_id)).first() or ""


def _view(session: Session, route: ReplyRoute) -> RouteView:
    return RouteView(route.id, route.team_id, _comment_text(session, route.id), route.ended_by == convo.MANAGER)


def may_reply(deps: Deps, workspace_id: str, user_id: str, team_id: int, *, ask_slack: bool = False) -> bool:
    """Only the team's own managers (policy: not admins as such), so no admin lookup in Slack is needed,
    which keeps a modal's submission fast enough to answer before its ack. A person from outside the
    installation named a manager (let through by the cache) has no role here either: `ask_slack` after an ack,
    the cache before one (the click that opened the modal asked)."""
    with deps.db.session_scope() as session:
        managed = frozenset(repo.managed_team_ids(session, workspace_id, user_id))
    if not policy.may(policy.Actor(managed=managed), policy.Action.REPLY_TO_COMMENT, team_id):
        return False
    return not teams.is_outsider(deps, workspace_id, user_id, ask_slack=ask_slack)


def _require_manager(deps: Deps, workspace_id: str, user_id: str, team_id: int, *, ask_slack: bool = False) -> None:
    if not may_reply(deps, workspace_id, user_id, team_id, ask_slack=ask_slack):
        raise teams.NotAllowed([])


def route_for_manager(deps: Deps, workspace_id: str, manager_id: str, route_id: str) -> RouteView:
    """What a team's manager sees of a route: the comment, and whether a manager ended it. An author's
    withdrawal shows only at the next delivery time, when the route goes."""
    with deps.db.session_scope() as session:
        route = _route(session, workspace_id, route_id)
        team_id = route.team_id
    _require_manager(deps, workspace_id, manager_id, team_id, ask_slack=True)  # after the click's ack
    with deps.db.session_scope() as session:
        return _view(session, _route(session, workspace_id, route_id))


def queue_reply(deps: Deps, workspace_id: str, manager_id: str, route_id: str, text: str, *, end: bool) -> datetime:
    """A manager's reply (and/or ending), delivered at the next delivery time; returns that time."""
    with deps.db.session_scope() as session:
        team_id = _route(session, workspace_id, route_id).team_id
    _require_manager(deps, workspace_id, manager_id, team_id)
    slot = _slot(deps)
    with deps.db.session_scope() as session:
        route = _route(session, workspace_id, route_id)
        if route.ended_by == convo.MANAGER:
            raise RouteGone()
        text = convo.clean_message(text)
        if text:
            session.add(
                ReplyMessage(
                    id=convo.new_route_id(),
                    workspace_id=workspace_id,
                    route_id=route_id,
                    sender=convo.MANAGER,
                    manager_id=manager_id,
                    text=text,
                    deliver_at=to_db(slot),
                )
            )
        if end and route.ended_by is None:
            route.ended_by, route.end_at = convo.MANAGER, to_db(slot)
            session.add(route)
    return slot


def _author_route(session: Session, secret: str, workspace_id: str, user_id: str, route_id: str) -> ReplyRoute:
    route = _route(session, workspace_id, route_id)
    if route.sealed is None or route.ended_by is not None:
        raise RouteGone()
    try:
        opened = convo.open_sealed(secret, workspace_id, route_id, route.sealed)
    except convo.RouteUnreadable as error:
        raise RouteGone() from error
    if opened != user_id:
        raise RouteGone()
    return route


def route_for_author(deps: Deps, workspace_id: str, user_id: str, route_id: str) -> RouteView:
    with deps.db.session_scope() as session:
        return _view(session, _author_route(session, _secret(deps), workspace_id, user_id, route_id))


def queue_answer(deps: Deps, workspace_id: str, user_id: str, route_id: str, text: str, *, end: bool) -> datetime:
    """The author's answer (and/or ending). Ending unseals the route at once; it goes at the delivery time."""
    slot = _slot(deps)
    with deps.db.session_scope() as session:
        route = _author_route(session, _secret(deps), workspace_id, user_id, route_id)
        text = convo.clean_message(text)
        if text:
            session.add(
                ReplyMessage(
                    id=convo.new_route_id(),
                    workspace_id=workspace_id,
                    route_id=route_id,
                    sender=convo.AUTHOR,
                    text=text,
                    deliver_at=to_db(slot),
                )
            )
        if end:
            _withdraw(route, slot)
            session.add(route)
    return slot


def _withdraw(route: ReplyRoute, slot: datetime) -> None:
    route.sealed = None  # unusable from now on: nothing can reach the author any more
    route.ended_by, route.end_at = convo.AUTHOR, to_db(slot)


def withdraw(deps: Deps, workspace_id: str, user_id: str, route_id: str) -> datetime:
    return queue_answer(deps, workspace_id, user_id, route_id, "", end=True)


def forget_author(session: Session, secret: str, workspace_id: str, slot: datetime, user_id: str) -> int:
    """`/pulse delete-my-data`: unseal every route of the person and drop their pending answers. Routes have
    no index by person (one would link a person's comments together), so each of the workspace's open
    routes is opened; there are only the last 30 days' of them."""
    mine: list[ReplyRoute] = []
    for route in session.exec(
        select(ReplyRoute).where(ReplyRoute.workspace_id == workspace_id, col(ReplyRoute.sealed).is_not(None))
    ):
        assert route.sealed is not None
        try:
            if convo.open_sealed(secret, workspace_id, route.id, route.sealed) == user_id:
                mine.append(route)
        except convo.RouteUnreadable:
            continue
    for route in mine:
        _withdraw(route, slot)
        session.add(route)
    if mine:
        session.execute(
            delete(ReplyMessage).where(
                col(ReplyMessage.route_id).in_([r.id for r in mine]), col(ReplyMessage.sender) == convo.AUTHOR
            )
        )
    return len(mine)


@dataclass(frozen=True)
class _Outgoing:
    workspace_id: str
    recipient: str
    to_author: bool
    route_id: str
    comment: str
    text: str | None  # None: a notice that the other side ended the conversation
    manager_id: str | None
    open_route: bool  # the author may still answer


def reply_tick(deps: Deps) -> int:
    """Deliver every reply whose delivery time has come, remove ended and expired routes; returns the number
    of DMs sent. Rows are deleted before anything is sent, so a second scheduler or a retry sends nothing
    twice (a failed DM is lost rather than repeated; the log says so without naming anyone)."""
    now = deps.now()
    secret = _secret(deps)
    outgoing: list[_Outgoing] = []
    with deps.db.session_scope() as session:
        due = list(session.exec(select(ReplyMessage).where(col(ReplyMessage.deliver_at) <= to_db(now))))
        ending = list(session.exec(select(ReplyRoute).where(col(ReplyRoute.end_at) <= to_db(now))))
        expired = list(session.exec(select(ReplyRoute).where(col(ReplyRoute.expires_on) <= now.date())))
        if not (due or ending or expired):
            return 0
        routes = {
            r.id: r for r in session.exec(select(ReplyRoute).where(col(ReplyRoute.id).in_({m.route_id for m in due})))
        }
        routes.update({r.id: r for r in ending})
        comments = dict(
            session.exec(
                select(PulseComment.route_id, PulseComment.text).where(col(PulseComment.route_id).in_(list(routes)))
            ).all()
        )
        managers: dict[tuple[str, int], list[str]] = {}

        def managers_of(route: ReplyRoute) -> list[str]:
            key = (route.workspace_id, route.team_id)
            if key not in managers:
                managers[key] = repo.manager_ids(session, route.workspace_id, route.team_id)
            return managers[key]

        def author_of(route: ReplyRoute) -> str | None:
            if route.sealed is None:
                return None
            try:
                return convo.open_sealed(secret, route.workspace_id, route.id, route.sealed)
            except convo.RouteUnreadable:
                logger.warning("a reply route could not be opened (another PULSSI_SECRET_KEY?); it is skipped")
                return None

        leaving = {r.id for r in ending} | {r.id for r in expired}
        for message in due:
            route = routes.get(message.route_id)
            if route is None:
                continue
            comment = str(comments.get(route.id) or "")
            if message.sender == convo.MANAGER:
                author = author_of(route)
                if author is not None:
                    outgoing.append(
                        _Outgoing(
                            route.workspace_id,
                            author,
                            True,
                            route.id,
                            comment,
                            message.text,
                            message.manager_id,
                            route.id not in leaving and route.ended_by is None,
                        )
                    )
            else:
                outgoing += [
                    _Outgoing(route.workspace_id, manager, False, route.id, comment, message.text, None, False)
                    for manager in managers_of(route)
                ]
        for route in ending:
            comment = str(comments.get(route.id) or "")
            if route.ended_by == convo.MANAGER:
                author = author_of(route)
                if author is not None:
                    outgoing.append(_Outgoing(route.workspace_id, author, True, route.id, comment, None, None, False))
            else:
                outgoing += [
                    _Outgoing(route.workspace_id, manager, False, route.id, comment, None, None, False)
                    for manager in managers_of(route)
                ]
        session.execute(delete(ReplyMessage).where(col(ReplyMessage.id).in_([m.id for m in due])))
        _remove_routes(session, leaving)
    deps.db.scrub(SCRUBBED_TABLES)
    sent = 0
    for item in random.sample(outgoing, len(outgoing)):  # in random order: not even the order follows anything
        with deps.acting_for(item.workspace_id) as installed:
            if not installed:  # OAuth mode: the workspace was uninstalled; its messages go nowhere
                continue
            try:
                if not item.to_author and teams.is_outsider(deps, item.workspace_id, item.recipient):
                    continue  # a Slack Connect person named a manager (let through by the cache): no role here
                if item.to_author and team_access.person_out(deps, item.workspace_id, item.recipient):
                    continue  # their workspace was taken out of the org-wide install
                t = translator_for_person(deps, item.workspace_id, item.recipient)
                text, blocks = (
                    author_dm(t, item.route_id, item.comment, item.text, item.manager_id, can_answer=item.open_route)
                    if item.to_author
                    else manager_dm(t, item.route_id, item.comment, item.text)
                )
                deps.client.chat_postMessage(channel=item.recipient, text=text, blocks=blocks)
                sent += 1
            except SlackApiError as error:
                logger.warning("a conversation reply was not delivered: %s", error.response.get("error", "error"))
    if outgoing:
        logger.info("delivered %d of %d conversation messages", sent, len(outgoing))
    return sent


def _remove_routes(session: Session, route_ids: set[str]) -> None:
    if not route_ids:
        return
    ids = list(route_ids)
    session.execute(delete(ReplyMessage).where(col(ReplyMessage.route_id).in_(ids)))
    session.execute(update(PulseComment).where(col(PulseComment.route_id).in_(ids)).values(route_id=None))
    session.execute(delete(ReplyRoute).where(col(ReplyRoute.id).in_(ids)))


def pending_deliveries(deps: Deps, workspace_id: str) -> list[datetime]:
    """The delivery times of what waits (for tests and the shell: no text, no route, no person)."""
    with deps.db.session_scope() as session:
        return [
            from_db(at)
            for at in session.exec(select(ReplyMessage.deliver_at).where(ReplyMessage.workspace_id == workspace_id))
        ]
