"""slack_sdk's SQLAlchemy installation store on Pulssi's own tables (storage.models), tokens sealed at rest.

The store is slack_sdk's (Bolt's OAuth flow and authorize call it); only its tables are swapped for ones whose
token columns seal and open through a cipher, and an installation can be found by the key Pulssi's rows carry
alone (jobs know the workspace row, not its enterprise): a workspace install's team id (T…), or for an org-wide
Enterprise Grid install the org's id (E…), whose rows have no team (bot.domain.workspaces.installation_key).
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import ColumnElement, MetaData, Table, and_, desc, or_, select, update
from sqlalchemy.engine import Engine

from storage.models import TokenCipher, bots_table, installations_table

logger = logging.getLogger(__name__)


def rows_of(table: Table, key: str) -> ColumnElement[bool]:
    """The installation (or bot) rows of one workspace key: a workspace install's rows name its team; an org-wide
    install's rows name the org, no team, and say is_enterprise_install. A workspace install of a Grid workspace
    (enterprise id set, not org-wide) is never taken for its org's."""
    c = table.c
    return or_(
        c.team_id == key,
        and_(c.team_id.is_(None), c.enterprise_id == key, c.is_enterprise_install.is_(True)),
    )


class SealedInstallationStore(SQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=logger)
        self.metadata = MetaData()
        self.installations = installations_table(self.metadata, cipher)
        self.bots = bots_table(self.metadata, cipher)

    def latest_for_team(self, team_id: str) -> Installation | None:
        """The newest installation of a workspace key (T…, or an org-wide install's E…) that still has a bot
        token, or None."""
        c = self.installations.c
        query = (
            self.installations.select()
            .where(and_(c.client_id == self.client_id, rows_of(self.installations, team_id), c.bot_token.is_not(None)))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else self.build_installation_entity(row)

    def has_rows(self, key: str) -> bool:
        """Whether anything was ever installed under the workspace key (tokens or not)."""
        c = self.installations.c
        query = select(c.id).where(c.client_id == self.client_id, rows_of(self.installations, key)).limit(1)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def forget_team_tokens(
        self, team_id: str, *, bot: bool, users: tuple[str, ...] = (), every_user: bool = False
    ) -> int:
        """Delete tokens of the workspace key: every bot token (with its refresh token) when `bot`, the user tokens
        of `users` (or of everyone). The rows stay (who installed, when) without anything that could call Slack."""
        changed = 0
        i, b = self.installations.c, self.bots.c
        own_installations = and_(i.client_id == self.client_id, rows_of(self.installations, team_id))
        with self.engine.begin() as connection:
            if bot:
                cleared = {"bot_token": None, "bot_refresh_token": None, "bot_token_expires_at": None}
                changed += connection.execute(
                    update(self.installations).where(own_installations).values(**cleared)
                ).rowcount
                connection.execute(
                    update(self.bots)
                    .where(b.client_id == self.client_id, rows_of(self.bots, team_id))
                    .values(**cleared)
                )
            if users or every_user:
                whose = i.user_id.is_not(None) if every_user else i.user_id.in_(users)
                changed += connection.execute(
                    update(self.installations)
                    .where(own_installations, whose)
                    .values(user_token=None, user_refresh_token=None, user_token_expires_at=None)
                ).rowcount
        return int(changed)
