"""tough customer moments (named talk requests, the managers chosen for them, anonymous per-day counts)
team actions ("you said, we did") and manager nudges (one per team per week, snoozes)

Revision ID: 0011
Revises: 0006

tough_daily holds counts only (no user id, no time finer than the day); tough_request rows are named by
nature and deleted when the support loop ends.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tough_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(length=1500), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reminder_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("checkin_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminder_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("checkin_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tough_request_workspace_id", "tough_request", ["workspace_id"])
    op.create_index("ix_tough_request_team_id", "tough_request", ["team_id"])
    op.create_index("ix_tough_request_reminder_due_at", "tough_request", ["reminder_due_at"])
    op.create_index("ix_tough_request_checkin_due_at", "tough_request", ["checkin_due_at"])
    op.create_table(
        "tough_request_manager",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["tough_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "user_id", name="uq_tough_request_manager"),
    )
    op.create_index("ix_tough_request_manager_workspace_id", "tough_request_manager", ["workspace_id"])
    op.create_index("ix_tough_request_manager_request_id", "tough_request_manager", ["request_id"])
    op.create_table(
        "tough_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_key", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("moments", sa.Integer(), nullable=False),
        sa.Column("talks", sa.Integer(), nullable=False),
        sa.Column("supported_in_time", sa.Integer(), nullable=False),
        sa.Column("checkin_yes", sa.Integer(), nullable=False),
        sa.Column("checkin_no", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "team_key", "day", name="uq_tough_daily"),
    )

    op.create_table(
        "team_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("need", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_action_ws_team", "team_action", ["workspace_id", "team_id", "done_at"])
    op.create_table(
        "manager_nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("need", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "team_id", "week_start", name="uq_manager_nudge_week"),
    )
    op.create_table(
        "nudge_snooze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "team_id", "user_id", name="uq_nudge_snooze"),
    )


def downgrade() -> None:
    op.drop_table("nudge_snooze")
    op.drop_table("manager_nudge")
    op.drop_index("ix_team_action_ws_team", table_name="team_action")
    op.drop_table("team_action")
    op.drop_table("tough_daily")
    op.drop_index("ix_tough_request_manager_request_id", table_name="tough_request_manager")
    op.drop_index("ix_tough_request_manager_workspace_id", table_name="tough_request_manager")
    op.drop_table("tough_request_manager")
    for column in ("checkin_due_at", "reminder_due_at", "team_id", "workspace_id"):
        op.drop_index(f"ix_tough_request_{column}", table_name="tough_request")
    op.drop_table("tough_request")
