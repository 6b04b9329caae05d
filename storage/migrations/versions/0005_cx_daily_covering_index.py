"""a covering index for the report's read of the per-day CX counts

Revision ID: 0005
Revises: 0004

A team's year of `cx_daily` rows lies scattered over every import's pages; with every column the report
reads in the index, they come from the index alone (on PostgreSQL an index-only scan once vacuumed).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["workspace_id", "team_key", "day", "metric", "n", "promoters", "passives", "detractors", "satisfied"]


def upgrade() -> None:
    op.create_index("ix_cx_daily_report", "cx_daily", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cx_daily_report", table_name="cx_daily")
