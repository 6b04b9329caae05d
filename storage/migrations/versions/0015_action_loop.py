"""the action loop's remaining parts: "did this help?", manager-noticed wins, tough-to-win stories and the
sealed check-in after "just note it"

Revision ID: 0015
Revises: 0012

- `team_action` remembers the one round that asks "did this help?" and keeps only the counts of its answers.
- `action_help_answer` holds those answers while their round is open, under the round's keyed hash (as
  `pulse_answer`); closing the round adds them to the action's counts and deletes them.
- `win.noticed_at`: when one of the team's managers last reacted to the win (for the "no win noticed" nudge);
  `win.from_tough`: its author marked it as the recovery of an earlier tough moment of theirs.
- `sealed_checkin`: a check-in DM due after "just note it", its recipient sealed under a key derived from
  PULSSI_SECRET_KEY; deleted when sent. Nothing links it to the note's count.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team_action") as batch:
        batch.add_column(sa.Column("help_round_id", sa.Integer(), nullable=True))
        for column in ("help_yes", "help_no", "help_unsure"):
            batch.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "action_help_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", AutoString(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("respondent", AutoString(length=64), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("value", AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "respondent", "action_id", name="uq_action_help_answer"),
    )
    op.create_index("ix_action_help_answer_round_id", "action_help_answer", ["round_id"])
    with op.batch_alter_table("win") as batch:
        batch.add_column(sa.Column("noticed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("from_tough", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "sealed_checkin",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sealed", AutoString(length=512), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sealed_checkin_due_at", "sealed_checkin", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_sealed_checkin_due_at", table_name="sealed_checkin")
    op.drop_table("sealed_checkin")
    with op.batch_alter_table("win") as batch:
        batch.drop_column("from_tough")
        batch.drop_column("noticed_at")
    op.drop_index("ix_action_help_answer_round_id", table_name="action_help_answer")
    op.drop_table("action_help_answer")
    with op.batch_alter_table("team_action") as batch:
        for column in ("help_unsure", "help_no", "help_yes", "help_round_id"):
            batch.drop_column(column)
