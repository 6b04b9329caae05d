"""slack_sdk's SQLAlchemy installation store on Pulssi's own tables (storage.models), tokens sealed at rest.

The store is slack_sdk's (Bolt's OAuth flow and authorize call it); only its tables are swapped for ones whose
token columns seal and open through a cipher, and a workspace's newest installation can be found by its team
id alone (jobs know the workspace, not its enterprise).
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import MetaData, and_, desc, update
from sqlalchemy.engine import Engine

from storage.models import TokenCipher, bots_table, installations_table

logger = logging.getLogger(__name__)


class SealedInstallationStore(SQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=logger)
        self.metadata = MetaData()
        self.installations = installations_table(self.metadata, cipher)
        self.bots = bots_table(self.metadata, cipher)

    def latest_for_team(self, team_id: str) -> Installation | None:
        """The workspace's newest installation that still has a bot token (any enterprise), or None."""
        c = self.installations.c
        query = (
            self.installations.select()
            .where(and_(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None)))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else self.build_installation_entity(row)

    def forget_team_tokens(
        self, team_id: str, *, bot: bool, users: tuple[str, ...] = (), every_user: bool = False
    ) -> int:
        """Delete tokens of the workspace: every bot token (with its refresh token) when `bot`, the user tokens
        of `users` (or of everyone). The rows stay (who installed, when) without anything that could call Slack."""
        changed = 0
        i, b = self.installations.c, self.bots.c
        with self.engine.begin() as connection:
            if bot:
                cleared = {"bot_token": None, "bot_refresh_token": None, "bot_token_expires_at": None}
                changed += connection.execute(
                    update(self.installations)
                    .where(i.client_id == self.client_id, i.team_id == team_id)
                    .values(**cleared)
                ).rowcount
                connection.execute(
                    update(self.bots).where(b.client_id == self.client_id, b.team_id == team_id).values(**cleared)
                )
            if users or every_user:
                whose = i.user_id.is_not(None) if every_user else i.user_id.in_(users)
                changed += connection.execute(
                    update(self.installations)
                    .where(i.client_id == self.client_id, i.team_id == team_id, whose)
                    .values(user_token=None, user_refresh_token=None, user_token_expires_at=None)
                ).rowcount
        return int(changed)
