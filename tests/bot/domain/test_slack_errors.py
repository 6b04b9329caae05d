from __future__ import annotations

import pytest

from bot.domain import slack_errors
from bot.domain.slack_errors import Outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("user_not_found", Outcome.PERSON),
        ("user_disabled", Outcome.PERSON),
        ("cannot_dm_bot", Outcome.PERSON),
        ("messages_tab_disabled", Outcome.PERSON),
        ("user_not_visible", Outcome.PERSON),
        ("channel_not_found", Outcome.PERSON),  # a DM to a user id that no longer exists
        ("account_inactive", Outcome.MAYBE_BOT_TOKEN),  # a dead person or a dead token: auth.test decides
        ("invalid_auth", Outcome.BOT_TOKEN),
        ("not_authed", Outcome.BOT_TOKEN),
        ("token_revoked", Outcome.BOT_TOKEN),
        ("token_expired", Outcome.BOT_TOKEN),
        ("missing_scope", Outcome.BOT_TOKEN),
        ("ratelimited", Outcome.TRANSIENT),
        ("internal_error", Outcome.TRANSIENT),
        ("fatal_error", Outcome.TRANSIENT),
        ("service_unavailable", Outcome.TRANSIENT),
        ("request_timeout", Outcome.TRANSIENT),
        ("http_503", Outcome.TRANSIENT),
        ("something_slack_adds_next_year", Outcome.TRANSIENT),  # unknown: retried, but only up to the cap
    ],
)
def test_dm_errors(code: str, outcome: Outcome) -> None:
    assert slack_errors.for_dm(code) is outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("not_in_channel", Outcome.CHANNEL),
        ("channel_not_found", Outcome.CHANNEL),
        ("is_archived", Outcome.CHANNEL),
        ("token_revoked", Outcome.BOT_TOKEN),
        ("account_inactive", Outcome.BOT_TOKEN),  # a channel post names no person: it is the token
        ("invalid_auth", Outcome.BOT_TOKEN),
        ("internal_error", Outcome.TRANSIENT),
        ("msg_too_long", Outcome.TRANSIENT),
    ],
)
def test_channel_post_errors(code: str, outcome: Outcome) -> None:
    assert slack_errors.for_channel_post(code) is outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("user_not_in_channel", Outcome.NOT_IN_CHANNEL_EPHEMERAL),
        ("not_in_channel", Outcome.NOT_IN_CHANNEL_EPHEMERAL),
        ("channel_not_found", Outcome.NOT_IN_CHANNEL_EPHEMERAL),
        ("invalid_auth", Outcome.BOT_TOKEN),
        ("internal_error", Outcome.TRANSIENT),
    ],
)
def test_ephemeral_errors(code: str, outcome: Outcome) -> None:
    assert slack_errors.for_ephemeral(code) is outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("expired_trigger_id", Outcome.EXPIRED_TRIGGER),
        ("exchanged_trigger_id", Outcome.EXPIRED_TRIGGER),
        ("invalid_auth", Outcome.BOT_TOKEN),
        ("invalid_arguments", Outcome.TRANSIENT),
    ],
)
def test_view_errors(code: str, outcome: Outcome) -> None:
    assert slack_errors.for_view(code) is outcome


def test_no_code_is_in_two_dm_classes() -> None:
    classes = [slack_errors.PERSON_ERRORS, slack_errors.BOT_TOKEN_ERRORS, slack_errors.MAYBE_BOT_TOKEN_ERRORS]
    for index, first in enumerate(classes):
        for second in classes[index + 1 :]:
            assert not first & second


@pytest.mark.parametrize(
    ("failed", "seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1920), (7, 3600), (50, 3600), (0, 60)],
)
def test_backoff_doubles_up_to_an_hour(failed: int, seconds: int) -> None:
    assert slack_errors.backoff_seconds(failed) == seconds


@pytest.mark.parametrize(("failed", "gives_up"), [(1, False), (5, False), (6, True), (7, True)])
def test_attempts_are_capped(failed: int, gives_up: bool) -> None:
    assert slack_errors.gives_up(failed) is gives_up
