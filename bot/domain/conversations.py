"""Anonymous conversations on a pulse comment: the sealed reply route and when replies travel.

A person who ticks "allow replies" under a comment gets a reply route when the round closes: their Slack
user id sealed (bot.domain.sealing, AES-GCM) under a key derived from PULSSI_SECRET_KEY (`anonymity.derived_key`,
purpose "reply-route"), bound to the route's random id and workspace. A database copy without the secret holds only
ciphertext; nothing in the route row (no user id, no DM channel, no time finer than the day it expires) joins
it to an answer, a delivery or a Slack message.

Replies in both directions travel in batches at fixed times of the day (`next_slot`), never when written, so
the time a DM arrives says nothing about when anyone wrote it; and Pulssi never records whether a reply was
read.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.domain import anonymity, schedule, sealing

ROUTE_DAYS = 30  # a route is deleted this many days after its round closed
DELIVERY_TIMES: tuple[time, ...] = (time(9, 0), time(15, 0))  # local times replies are delivered at
MESSAGE_CHARS = 3000
ROUTE_ID_BYTES = 16

MANAGER = "manager"
AUTHOR = "author"


class RouteUnreadable(Exception):
    """The sealed id can't be opened: another secret, another route, or tampered bytes."""


def new_route_id() -> str:
    """A random id: ids that count up would tell the order routes were made in."""
    return secrets.token_urlsafe(ROUTE_ID_BYTES)


def _key(secret: str, workspace_id: str) -> bytes:
    return anonymity.derived_key(secret, "reply-route", workspace_id)


def _bound(workspace_id: str, route_id: str) -> str:
    # The sealed record's purpose: a sealed id copied onto another route (or workspace) does not open.
    return f"reply-route:{workspace_id}:{route_id}"


def seal(secret: str, workspace_id: str, route_id: str, user_id: str) -> str:
    """The user id encrypted and authenticated (bot.domain.sealing: AES-256-GCM, random nonce), as text."""
    return sealing.seal(_key(secret, workspace_id), _bound(workspace_id, route_id), {"u": user_id})


def open_sealed(secret: str, workspace_id: str, route_id: str, sealed: str) -> str:
    """The user id a route was sealed for; RouteUnreadable when the secret, route or bytes don't match."""
    fields = sealing.unseal(_key(secret, workspace_id), _bound(workspace_id, route_id), sealed)
    user_id = fields.get("u") if fields is not None else None
    if not isinstance(user_id, str):
        raise RouteUnreadable()
    return user_id


def routes_allowed(answered: int, comments: int, k: int) -> bool:
    """Routes are made only for rounds whose comments may be shown at all (respondents and comments ≥ k):
    a comment nobody can read needs no reply route."""
    return anonymity.round_feeds(answered, k) and anonymity.round_feeds(comments, k)


def expires_on(closed_on: date) -> date:
    """Every route of a round expires the same day, so the expiry says nothing about who wrote when."""
    return closed_on + timedelta(days=ROUTE_DAYS)


def next_slot(after: datetime, zone: str, times: Sequence[time] = DELIVERY_TIMES) -> datetime:
    """The first delivery time strictly after `after`, in `zone` (an aware datetime in UTC's offset kept)."""
    tz = schedule.zone(zone)
    local = after.astimezone(tz)
    for days in range(0, 3):
        day = local.date() + timedelta(days=days)
        for at in sorted(times):
            candidate = datetime.combine(day, at, tzinfo=tz)
            if candidate > local:
                return candidate.astimezone(after.tzinfo)
    raise ValueError("no delivery time configured")


def clean_message(text: str) -> str:
    return text.strip()[:MESSAGE_CHARS]
