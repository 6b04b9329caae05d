"""anonymous conversations: comments may allow replies; sealed reply routes and batched reply messages

Revision ID: 0016
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pulse_comment") as batch:
        batch.add_column(sa.Column("allow_replies", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("route_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.create_index("ix_pulse_comment_route_id", ["route_id"], unique=False)
    op.create_table(
        "reply_route",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("end_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reply_route_workspace_id", "reply_route", ["workspace_id"], unique=False)
    op.create_index("ix_reply_route_team_id", "reply_route", ["team_id"], unique=False)
    op.create_index("ix_reply_route_expires_on", "reply_route", ["expires_on"], unique=False)
    op.create_table(
        "reply_message",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("route_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("manager_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
        sa.Column("deliver_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["route_id"], ["reply_route.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reply_message_workspace_id", "reply_message", ["workspace_id"], unique=False)
    op.create_index("ix_reply_message_route_id", "reply_message", ["route_id"], unique=False)
    op.create_index("ix_reply_message_deliver_at", "reply_message", ["deliver_at"], unique=False)


def downgrade() -> None:
    # Dropping the tables drops every sealed route and pending reply with them.
    op.drop_table("reply_message")
    op.drop_table("reply_route")
    with op.batch_alter_table("pulse_comment") as batch:
        batch.drop_index("ix_pulse_comment_route_id")
        batch.drop_column("route_id")
        batch.drop_column("allow_replies")
