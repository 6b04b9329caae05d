"""Enterprise Grid: a workspace row knows its org, a team knows its Slack workspace

An org-wide install keeps the whole org in one workspace row (id = the enterprise id); each team records the
workspace its channel belongs to, so that workspace's admins run it and no other workspace's do.

Revision ID: 0014
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("enterprise_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.create_index(batch.f("ix_workspace_enterprise_id"), ["enterprise_id"], unique=False)
    with op.batch_alter_table("team") as batch:
        batch.add_column(sa.Column("slack_team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("slack_team_id")
    with op.batch_alter_table("workspace") as batch:
        batch.drop_index(batch.f("ix_workspace_enterprise_id"))
        batch.drop_column("enterprise_id")
