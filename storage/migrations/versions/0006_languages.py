"""a person's chosen language and a team's language for its channel posts

Revision ID: 0006
Revises: 0005

Slack has no Finnish UI locale, so the language must be Pulssi's own setting. Both columns are nullable:
NULL means "not chosen", and the precedence rule (bot.i18n.choose_language) falls through to the next step.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
    with op.batch_alter_table("team") as batch:
        batch.add_column(sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("language")
