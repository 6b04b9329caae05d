"""CSAT answers on scales other than 1–5 keep their scale's top; cx_response keeps only the indexes queries use

Revision ID: 0010
Revises: 0005

A CSAT of 1–7 or 0–10 is stored as answered; `scale_max` (NULL for NPS and 1–5 CSAT) says which answers
are the top two, so `cx_daily.satisfied` counts them right.

Reports read `cx_daily` since 0003, so the per-day indexes of `cx_response` (0001, 0002) served no query
(EXPLAIN QUERY PLAN of every report and import statement) and cost every import a third of its time.
`workspace.cx_feed_state` remembers the last imported file (length, hash, parse decisions): a feed that
only grew is read from where the last import stopped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_cx_response_ws_team_day", table_name="cx_response")
    op.drop_index("ix_cx_response_ws_day", table_name="cx_response")
    op.drop_index("ix_cx_response_day", table_name="cx_response")
    with op.batch_alter_table("cx_response") as batch:
        batch.add_column(sa.Column("scale_max", sa.Integer(), nullable=True))
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("cx_feed_state", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("cx_feed_state")
    with op.batch_alter_table("cx_response") as batch:
        batch.drop_column("scale_max")
    op.create_index("ix_cx_response_day", "cx_response", ["day"])
    op.create_index("ix_cx_response_ws_day", "cx_response", ["workspace_id", "day", "metric", "score"])
    op.create_index(
        "ix_cx_response_ws_team_day", "cx_response", ["workspace_id", "team_id", "day", "metric", "score"]
    )
