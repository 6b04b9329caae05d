"""OAuth mode: each workspace's installation, its token sealed at rest, refreshed before it expires.

Listeners act for the workspace Bolt authorized (bot.oauth binds the request's token); jobs act for the
workspace whose row they handle, through `Installations.acting_for`. A workspace without an installation
(uninstalled, revoked, never installed) is skipped: nothing is ever sent with another workspace's token.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.token_rotation.rotator import TokenRotator

from bot.domain.secret_keys import INSTALLATION_TOKENS_LABEL, derive_key
from bot.settings import Settings
from bot.slack_client import acting_as
from storage.db import Database
from storage.installations import SealedInstallationStore

logger = logging.getLogger(__name__)

# Refresh a rotating token when it has less than this left (Bolt's default for listeners, used for jobs too).
TOKEN_REFRESH_MINUTES = 120


class UnreadableTokenError(RuntimeError):
    """A sealed token that the key derived from PULSSI_SECRET_KEY can't open (the secret was changed)."""


class FernetTokenCipher:
    """Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key derived from PULSSI_SECRET_KEY
    with its own label; the key is never stored, so a copy of the database holds no usable token."""

    def __init__(self, secret: str) -> None:
        key = derive_key(secret, INSTALLATION_TOKENS_LABEL)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise UnreadableTokenError(
                "an installation token can't be decrypted: PULSSI_SECRET_KEY is not the one it was sealed with"
            ) from None


class Installations:
    """The installation store and the token rotation that jobs use."""

    def __init__(self, settings: Settings, db: Database, rotation_client: WebClient) -> None:
        assert settings.slack_client_id is not None
        self.store = SealedInstallationStore(
            settings.slack_client_id, db.engine, FernetTokenCipher(settings.secret_key.reveal())
        )
        self.rotator = TokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.reveal(),
            client=rotation_client,
        )

    def bot_token(self, workspace_id: str) -> str | None:
        """The workspace's bot token, refreshed first when it is about to expire; None when it has none."""
        installation = self.store.latest_for_team(workspace_id)
        if installation is None or not installation.bot_token:
            return None
        return self._fresh(workspace_id, installation)

    def _fresh(self, workspace_id: str, installation: Installation) -> str | None:
        try:
            refreshed = self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=TOKEN_REFRESH_MINUTES
            )
        except (SlackTokenRotationError, SlackApiError, SlackClientError, OSError) as error:
            cause = getattr(error, "api_error", None) or error
            code = getattr(getattr(cause, "response", None), "get", lambda _k: None)("error") or type(cause).__name__
            logger.warning("workspace %s: its token could not be refreshed (%s); skipped", workspace_id, code)
            return None
        if refreshed is None:
            return installation.bot_token
        self.store.save(refreshed)
        logger.info("workspace %s: bot token refreshed before it expired", workspace_id)
        return refreshed.bot_token

    @contextmanager
    def acting_for(self, workspace_id: str) -> Iterator[bool]:
        """Slack calls inside carry the workspace's token; yields False (and binds nothing) when it has none."""
        token = self.bot_token(workspace_id)
        if token is None:
            yield False
            return
        with acting_as(token):
            yield True
