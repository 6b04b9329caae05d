"""cx_daily: response rows counted per team, day and metric, for fast reports

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cx_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_key", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("promoters", sa.Integer(), nullable=False),
        sa.Column("passives", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "team_key", "day", "metric", name="uq_cx_daily"),
    )
    # Existing answers are counted once here; from now on every import keeps the counts in step.
    op.execute(
        """
        INSERT INTO cx_daily (workspace_id, team_key, day, metric, n, promoters, passives, detractors, satisfied)
        SELECT workspace_id, COALESCE(team_id, 0), day, metric, COUNT(*),
               SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END),
               SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
               SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END),
               SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END)
        FROM cx_response GROUP BY workspace_id, COALESCE(team_id, 0), day, metric
        """
    )
    # team_key -1: every answer of the workspace, so a workspace report reads one row per day and metric.
    op.execute(
        """
        INSERT INTO cx_daily (workspace_id, team_key, day, metric, n, promoters, passives, detractors, satisfied)
        SELECT workspace_id, -1, day, metric, COUNT(*),
               SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END),
               SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
               SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END),
               SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END)
        FROM cx_response GROUP BY workspace_id, day, metric
        """
    )


def downgrade() -> None:
    op.drop_table("cx_daily")
