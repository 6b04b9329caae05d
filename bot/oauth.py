"""OAuth mode's Bolt wiring (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and PULSSI_SECRET_KEY set): /slack/install and
/slack/oauth_redirect through Bolt's OAuth flow, slack_sdk's SQLAlchemy stores in Pulssi's database (tokens
sealed, bot.installations), and each request acting for the installation Bolt authorized for it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.deps import Deps
from bot.installations import TOKEN_REFRESH_MINUTES
from bot.slack_client import act_as, make_web_client
from storage.models import OAUTH_STATES_TABLE

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes asked for at install: manifest.oauth.yml's (tests/test_manifest.py holds them equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "reactions:read",
    "files:write",
    "im:history",
)
STATE_SECONDS = 600  # an install started must finish within 10 minutes (Bolt's default)


def authorize_url(slack_api_url: str) -> str:
    """Slack's authorize page beside its Web API: https://slack.com/api/ → https://slack.com/oauth/v2/authorize."""
    return urljoin(slack_api_url, "../oauth/v2/authorize")


def oauth_app_options(deps: Deps) -> dict[str, Any]:
    """The keyword arguments that make Bolt's App serve the OAuth flow and authorize per installation."""
    settings = deps.settings
    installations = deps.installations
    assert settings.slack_client_id is not None and installations is not None
    client_secret = settings.slack_client_secret.reveal()
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # GET /slack/install goes straight on to Slack's page: no page of ours between.
        install_page_rendering_enabled=False,
        authorization_url=authorize_url(settings.slack_api_url),
        installation_store=installations.store,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS, engine=deps.db.engine, logger=logger, table_name=OAUTH_STATES_TABLE
        ),
        state_expiration_seconds=STATE_SECONDS,
        token_rotation_expiration_minutes=TOKEN_REFRESH_MINUTES,
        callback_options=CallbackOptions(success=_installed(deps), failure=_failed),
        logger=logger,
    )
    # Bolt's own authorize would refresh rotating tokens through slack.com whatever SLACK_API_URL says.
    oauth_settings.authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=installations.store,
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=TOKEN_REFRESH_MINUTES,
        client=make_web_client(settings, own_token_only=True),
        # The auth.test answer (bot id, user id) is kept per token; the installation is still read per request,
        # so an uninstalled workspace's requests stop being authorized at once.
        cache_enabled=True,
    )
    return {"oauth_settings": oauth_settings}


def org_installed_for_team_access(deps: Deps) -> Callable[[str, str | None], bool]:
    """For bot.app.team_access_to_the_org: the org has a live org-wide install, and the workspace its event's
    authorization names has no install of its own (which Bolt authorizes first, as ever)."""
    store = deps.installations.store if deps.installations is not None else None
    assert store is not None

    def org_installed(org: str, team: str | None) -> bool:
        if store.latest_for_team(org) is None:
            return False
        return team is None or store.latest_for_team(team) is None

    return org_installed


def _installed(deps: Deps) -> Callable[[SuccessArgs], BoltResponse]:
    from bot.services import installations

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        # An org-wide Grid install has no team: it is kept under the org's id, as its requests are.
        key = installations.installed_key(
            installation.team_id, installation.enterprise_id, bool(installation.is_enterprise_install)
        )
        if key:
            installations.installed(deps, key)
        return args.default.success(args)

    return success


def _failed(args: FailureArgs) -> BoltResponse:
    logger.warning("an install did not finish: %s", args.reason)
    return args.default.failure(args)


def act_for_the_request(context: BoltContext, next: Callable[[], None]) -> None:
    """Middleware: the listener's Slack calls (deps.client, in the listener and in work it hands on) carry the
    token of the installation Bolt authorized for this request, refreshed by Bolt when it was about to expire.

    Bolt runs the listeners after the middleware chain has returned, so the token is bound for the rest of the
    request's context (each request runs in a context of its own: bot.web), not around next()."""
    act_as(context.bot_token)
    next()
