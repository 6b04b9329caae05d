"""org-wide Grid installs: the org's workspaces Pulssi was taken out of (team_access_revoked)

Their people are not pulsed, DM'd or counted, and teams whose channel is there pause, until
team_access_granted removes the row.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revoked_workspace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("slack_team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "slack_team_id", name="uq_revoked_workspace"),
    )
    op.create_index(op.f("ix_revoked_workspace_workspace_id"), "revoked_workspace", ["workspace_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_revoked_workspace_workspace_id"), table_name="revoked_workspace")
    op.drop_table("revoked_workspace")
