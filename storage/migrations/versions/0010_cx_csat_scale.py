"""CSAT answers on scales other than 1–5 keep their scale's top

Revision ID: 0010
Revises: 0005

A CSAT of 1–7 or 0–10 is stored as answered; `scale_max` (NULL for NPS and 1–5 CSAT) says which answers
are the top two, so `cx_daily.satisfied` counts them right.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cx_response") as batch:
        batch.add_column(sa.Column("scale_max", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cx_response") as batch:
        batch.drop_column("scale_max")
