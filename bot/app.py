"""The app factory: a Bolt App wired to our settings, WebClient and handlers. Nothing at import time."""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped, warning_token_skipped

from bot.bot_identity import BotIdentity, ask_slack, authorize_as
from bot.deps import Deps
from bot.services.idempotency import claim_once

logger = logging.getLogger(__name__)

EXPIRED_TRIGGER_ERRORS = frozenset({"expired_trigger_id", "exchanged_trigger_id"})


class _DropTokenUnusedNote(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself, and then warns in every process that the
    client (and the authorize) we give it win over that token. They do, on purpose: the notes say nothing to an
    operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in (warning_client_prioritized_and_token_skipped(), warning_token_skipped())


def create_app(deps: Deps, *, identity: BotIdentity | None = None) -> App:
    """`identity` is what the start's auth.test said (bot.lifecycle.check_slack); without it the app asks
    Slack here, once, so that no request ever waits on auth.test before its ack."""
    settings = deps.settings
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropTokenUnusedNote) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropTokenUnusedNote())
    if settings.oauth_enabled:
        from bot.oauth import oauth_app_options, org_installed_for_team_access

        # each request is authorized as its own installation, from the store
        authorization = oauth_app_options(deps)
        org_installed = org_installed_for_team_access(deps)
    else:
        # Bolt's own auth.test would run per process (or on the first request); the start's one is reused.
        bot_token = settings.slack_bot_token
        assert bot_token is not None  # settings require it outside OAuth mode
        authorization = {"authorize": authorize_as(identity or ask_slack(deps.client), bot_token.reveal())}
        # One token answers every request: taking the event as the org's lends no other token, and its rows go
        # under the org the event names, as the org-wide form's do (bot.services.team_access).
        org_installed = _always
    app = App(
        signing_secret=settings.slack_signing_secret.reveal(),
        client=deps.client,
        # Listeners ack() first and do slow work afterwards in Bolt's thread pool.
        process_before_response=False,
        # Listeners only ack and hand slow work on (deps.run_later); enough threads that a burst of
        # requests never waits for a free one before its ack.
        listener_executor=ContextThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt-listener"),
        raise_error_for_unhandled_request=False,
        ignoring_self_events_enabled=True,
        before_authorize=team_access_to_the_org(org_installed),
        **authorization,
    )
    if settings.oauth_enabled:
        from bot.oauth import act_for_the_request

        app.use(act_for_the_request)
    app.use(_keep_first_ack)
    app.use(_drop_retried_events(deps))
    app.error(_error_handler(deps))

    import handlers

    handlers.register_all(app, deps)
    _acknowledge_the_rest(app)
    return app


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """Runs each listener in a copy of the request's context: in OAuth mode it names the installation whose
    token the listener's calls carry (bot.oauth.act_for_the_request)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def _always(_org: str, _team: str | None) -> bool:
    return True


TEAM_ACCESS_EVENTS = frozenset({"team_access_revoked", "team_access_granted"})


def team_access_to_the_org(org_installed: Callable[[str, str | None], bool]) -> Callable[..., None]:
    """Bolt's before_authorize middleware (it runs after the signature check): a `team_access_revoked` or
    `team_access_granted` event whose authorization names one of the org's workspaces is the org-wide install's.

    Slack sends these events only to org-wide installs, yet docs.slack.dev's example envelope authorizes a
    workspace (`authorizations[0]`: the org's `enterprise_id`, a `T…` `team_id`, `is_enterprise_install: false`).
    Bolt would then look for that workspace's own install, find none (the org's is kept under its `E…` key)
    and drop the event. So when `org_installed(org, team)` says the org-wide install is there and the workspace
    has none of its own, the request is authorized, and handled, as the org's: its authorization is rewritten to
    the org-wide form the other events have. Only these two events, which carry no person and call nothing:
    any other event of a workspace without its own install stays unauthorized, so nobody in a workspace the org
    took Pulssi out of gets the org's token by it."""

    def before_authorize(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
        event, authorizations = body.get("event"), body.get("authorizations")
        if (
            body.get("type") == "event_callback"
            and isinstance(event, dict)
            and event.get("type") in TEAM_ACCESS_EVENTS
            and isinstance(authorizations, list)
            and authorizations
            and isinstance(authorizations[0], dict)
        ):
            first = authorizations[0]
            org, team = first.get("enterprise_id"), first.get("team_id")
            if (
                first.get("is_enterprise_install") is not True
                and isinstance(org, str)
                and org.startswith("E")
                and (team is None or isinstance(team, str))
                and org_installed(org, team)
            ):
                first.update(team_id=None, is_enterprise_install=True)
                context["team_id"] = None
                context["is_enterprise_install"] = True
        next()

    return before_authorize


def _acknowledge_the_rest(app: App) -> None:
    """Registered last, so these only see what no handler took. Slack delivers some events without a
    subscription (app_uninstalled, tokens_revoked) and redelivers what isn't answered 200; link buttons send
    block_actions too; and in Socket Mode an envelope Bolt answers 404 is never acknowledged at all."""
    anything = re.compile(r".*")

    @app.event(anything)
    def ignore_event(event: dict[str, Any]) -> None:
        logger.debug("event %s has no handler; acknowledged", event.get("type"))

    @app.action(anything)
    def ignore_action(ack: Ack) -> None:
        ack()
        logger.debug("block action without a handler acknowledged")

    @app.shortcut(anything)
    def ignore_shortcut(ack: Ack) -> None:
        ack()
        logger.warning("shortcut without a handler acknowledged")

    @app.view_submission(anything)
    def ignore_view_submission(ack: Ack) -> None:
        ack()
        logger.warning("view submission without a handler acknowledged")

    @app.view_closed(anything)
    def ignore_view_closed(ack: Ack) -> None:
        ack()


class FirstAck(Ack):
    """An ack that stays given once given.

    When a listener raises after ack(), Bolt's thread runner sets ack.response back to None. If that
    happens before the request thread (which polls every 10 ms) has seen the ack, Slack gets no answer
    for 3 s and then a 404, although we acked: a listener that fails fast (the database is down) loses
    that race. The error itself still reaches the error handler, which tells the person.
    """

    def __init__(self) -> None:
        self._given: BoltResponse | None = None
        super().__init__()

    @property
    def response(self) -> BoltResponse | None:
        return self._given

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._given is None:
            self._given = value


def _keep_first_ack(context: BoltContext, next: Callable[[], None]) -> None:
    context["ack"] = FirstAck()
    next()


def _drop_retried_events(deps: Deps) -> Callable[..., BoltResponse | None]:
    """Slack resends an event when it did not see our 200 in time; each event_id is handled once."""
    from handlers.common import workspace_id_of

    def middleware(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if body.get("type") == "event_callback" and isinstance(event_id, str):
            # Keyed by the installation the event came to (authorizations[0]: an org-wide install's org),
            # as every other row is, not by the workspace it happened in.
            workspace_id = workspace_id_of(body)
            if not claim_once(deps.db, workspace_id, f"event:{event_id}", deps.now()):
                logger.info("duplicate event %s ignored", event_id)
                return BoltResponse(status=200, body="")
        next()
        return None

    return middleware


def _error_handler(deps: Deps) -> Callable[..., BoltResponse | None]:
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import OperationalError

    from bot.services.slack_problems import error_code
    from handlers.common import friendly_error

    def handle(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            return BoltResponse(status=404, body="")
        if isinstance(error, SlackApiError) and error_code(error) in EXPIRED_TRIGGER_ERRORS:
            # The modal's trigger_id outlived its 3 s: nothing is wrong but the timing, so ask for another try.
            logger.warning("views.open too late: %s", error_code(error))
            friendly_error(deps, body, respond, "slackerr.expired_trigger", dm_if_no_response_url=True)
            return None
        logger.exception("listener failed", exc_info=error)
        key = "core.error.database" if isinstance(error, OperationalError) else "core.error.generic"
        friendly_error(deps, body, respond, key)
        return None

    return handle
