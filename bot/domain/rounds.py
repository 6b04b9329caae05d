"""What a person sees of a pulse round: a plain value that services hand to Block Kit builders and handlers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

# A pulse DM whose person deleted their data while its round was open: the row keeps the DM (channel and
# message) under a random stand-in for the user id, so the close edits it like every other DM of the round.
FORGOTTEN_PREFIX = "forgotten:"


def forgotten_stand_in() -> str:
    """A delivery row's user id once its person is forgotten: random, never a Slack id, unique in its round."""
    return FORGOTTEN_PREFIX + secrets.token_hex(8)


def is_forgotten(user_id: str) -> bool:
    return user_id.startswith(FORGOTTEN_PREFIX)


@dataclass(frozen=True)
class PersonRoundView:
    """What one person sees of their own round. Holds no answers and not whether they answered: every view
    of a round looks the same whatever the person did, so no message or Home tab can show it."""

    round_id: int
    statements: dict[str, str]
    asks_enps: bool
    is_open: bool = True
