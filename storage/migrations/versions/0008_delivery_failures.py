"""Slack's failure modes: undeliverable DMs, a workspace whose token Slack refused, a team channel Pulssi can't post to

Revision ID: 0008
Revises: 0005

`delivery.undeliverable_at` ends a DM that Slack says can never arrive (user_not_found, user_disabled,
cannot_dm_bot, messages_tab_disabled...) or that failed transiently too many times; `pulse_round.undeliverable`
keeps the count after the round closes (delivery rows are deleted then). `workspace.sending_stopped_*` holds
why sending stopped (invalid_auth, token_revoked, account_inactive); `team.channel_problem*` why the last
post to the team's channel failed (not_in_channel, channel_not_found, is_archived).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("undeliverable_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("pulse_round") as batch:
        batch.add_column(sa.Column("undeliverable", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("sending_stopped_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("sending_stopped_reason", AutoString(length=64), nullable=True))
    with op.batch_alter_table("team") as batch:
        batch.add_column(sa.Column("channel_problem", AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("channel_problem_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team") as batch:
        batch.drop_column("channel_problem_at")
        batch.drop_column("channel_problem")
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("sending_stopped_reason")
        batch.drop_column("sending_stopped_at")
    with op.batch_alter_table("pulse_round") as batch:
        batch.drop_column("undeliverable")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("undeliverable_at")
