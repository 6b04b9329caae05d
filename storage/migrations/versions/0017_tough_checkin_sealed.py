"""tough moments: a named request's check-in answer kept sealed in its row until the request is forgotten

Answering deleted the request at once, so every request still stored after its check-in went out named a
person who had not answered. The answer now waits in the row, sealed and the same length as "not answered".

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tough_request") as batch:
        batch.add_column(sa.Column("checkin_sealed", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tough_request") as batch:
        batch.drop_column("checkin_sealed")
