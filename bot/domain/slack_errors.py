"""What a Slack Web API error means for Pulssi: one table, used by the outbox, channel posts and the README.

Slack answers HTTP 200 with `ok:false` and an `error` code (HTTP 429 for rate limits). The codes come from
each method's page on docs.slack.dev (chat.postMessage, chat.postEphemeral, conversations.open,
conversations.info, views.open) and from captured responses. Anything not listed is treated as transient:
retried with backoff, up to a cap, so an unknown code can neither freeze sending nor retry forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto


class Outcome(Enum):
    PERSON = auto()  # this person can't get a DM: give up on them, never retry
    BOT_TOKEN = auto()  # the bot's token or installation is broken: stop sending for the workspace
    MAYBE_BOT_TOKEN = auto()  # the same code names a dead user or a dead token: ask auth.test
    CHANNEL = auto()  # the team's channel can't be posted to: tell the people who set the team up
    EXPIRED_TRIGGER = auto()  # a modal opened too late: ask the person to try again
    NOT_IN_CHANNEL_EPHEMERAL = auto()  # an ephemeral to someone not in the channel: DM instead
    TRANSIENT = auto()  # Slack or the network hiccuped: back off and retry, with a cap


# The person can't receive a DM from the bot; retrying changes nothing until they (or an admin) do something.
PERSON_ERRORS = frozenset(
    {
        "user_not_found",  # no such user (removed from the workspace)
        "user_not_visible",  # conversations.open: the bot may not see this user
        "user_disabled",  # conversations.open: the account is deactivated
        "cannot_dm_bot",  # conversations.open: the "person" is a bot
        "messages_tab_disabled",  # chat.postMessage: the app's Messages tab is off for DMs
        "restricted_action",  # chat.postMessage: a workspace preference forbids this DM
        "channel_not_found",  # chat.postMessage to a user id that doesn't exist (any more)
        "is_archived",  # the DM's conversation is archived
        "method_not_supported_for_channel_type",
    }
)

# The token the bot uses is no longer good (revoked, uninstalled, workspace gone) or lacks a permission: every
# call will fail the same way, so the workspace's sending stops until an admin fixes it.
BOT_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "org_login_required",
        "team_access_not_granted",
        "enterprise_is_restricted",
        "ekm_access_denied",
        "missing_scope",
        "not_allowed_token_type",
        "no_permission",
        "access_denied",
        "two_factor_setup_required",
    }
)

# "Authentication token is for a deleted user or workspace": for a DM this is also how Slack answers about a
# deactivated person. auth.test tells which.
MAYBE_BOT_TOKEN_ERRORS = frozenset({"account_inactive"})

# A post to a team's channel: the bot isn't in it, it's private and the bot isn't in it, or it was archived.
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})


def for_dm(code: str) -> Outcome:
    """A DM to a person (conversations.open, chat.postMessage to a user id) failed with `code`."""
    if code in BOT_TOKEN_ERRORS:
        return Outcome.BOT_TOKEN
    if code in MAYBE_BOT_TOKEN_ERRORS:
        return Outcome.MAYBE_BOT_TOKEN
    if code in PERSON_ERRORS:
        return Outcome.PERSON
    return Outcome.TRANSIENT


def for_channel_post(code: str) -> Outcome:
    """A post to a team's channel (digest, celebration) failed with `code`."""
    if code in BOT_TOKEN_ERRORS or code in MAYBE_BOT_TOKEN_ERRORS:
        return Outcome.BOT_TOKEN
    if code in CHANNEL_ERRORS:
        return Outcome.CHANNEL
    return Outcome.TRANSIENT


def for_ephemeral(code: str) -> Outcome:
    """chat.postEphemeral failed with `code`: the person isn't in that channel (or we can't post there)."""
    if code in ("user_not_in_channel", "not_in_channel", "channel_not_found", "is_archived"):
        return Outcome.NOT_IN_CHANNEL_EPHEMERAL
    if code in BOT_TOKEN_ERRORS:
        return Outcome.BOT_TOKEN
    return Outcome.TRANSIENT


def for_view(code: str) -> Outcome:
    """views.open/push failed with `code`."""
    if code in ("expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"):
        return Outcome.EXPIRED_TRIGGER
    if code in BOT_TOKEN_ERRORS:
        return Outcome.BOT_TOKEN
    return Outcome.TRANSIENT


# Transient failures: the n-th failed attempt waits BASE * 2**(n-1), at most MAX; after MAX_ATTEMPTS the DM
# is given up (marked undeliverable), so an unknown error can't keep a row alive for the whole round.
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
MAX_ATTEMPTS = 6


def backoff_seconds(failed_attempts: int) -> int:
    """How long to wait after the n-th failed attempt (n >= 1)."""
    exponent = max(0, failed_attempts - 1)
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(exponent, 20)))


def gives_up(failed_attempts: int) -> bool:
    return failed_attempts >= MAX_ATTEMPTS


@dataclass(frozen=True)
class Notice:
    """A line for Home: a message key and its parameters (counts, codes, channel ids; never a person)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)
