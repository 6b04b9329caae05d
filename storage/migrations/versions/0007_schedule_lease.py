"""the schedule lease: one process at a time runs rounds, reminders, closes and feed pulls

Revision ID: 0007
Revises: 0005

Every `serve` worker, `socket` and `clock` process carries the scheduler; the one holding this row's
lease (renewed well before `expires_at`) runs the jobs, the others wait to take over. The row is made
here, so taking the lease is always a conditional UPDATE, never an INSERT race.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    lease = op.create_table(
        "schedule_lease",
        sa.Column("name", AutoString(length=32), nullable=False),
        sa.Column("holder", AutoString(length=200), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("acquired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(lease, [{"name": "pulse", "holder": None, "expires_at": None, "acquired_at": None}])


def downgrade() -> None:
    op.drop_table("schedule_lease")
