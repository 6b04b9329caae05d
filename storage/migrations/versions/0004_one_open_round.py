"""one open round per team: a partial unique index, so two schedulers can never open two rounds

Revision ID: 0004
Revises: 0003

Before this index, two `clock` processes started by mistake could each open a round for the same
scheduled date (the second read the first one's round number and took the next). A database that has
such duplicates gets them closed here exactly as the service closes a round: the aggregate is stored,
then the round key, the respondent hashes and the per-person deliveries are removed. The oldest open
round of the team stays open.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEEDS = ("autonomy", "competence", "belonging")


def _close_duplicate_open_rounds(connection: sa.Connection) -> None:
    duplicates = connection.execute(
        sa.text(
            """
            SELECT r.id, r.workspace_id, r.team_id, r.opened_at, r.invited FROM pulse_round r
            WHERE r.status = 'open' AND EXISTS (
                SELECT 1 FROM pulse_round older
                WHERE older.team_id = r.team_id AND older.status = 'open' AND older.id < r.id
            )
            """
        ).columns(
            sa.column("id"),
            sa.column("workspace_id"),
            sa.column("team_id"),
            sa.column("opened_at", UTCDateTime()),
            sa.column("invited"),
        )
    ).all()
    now = datetime.now(UTC)
    for round_id, workspace_id, team_id, opened_at, invited in duplicates:
        answered = connection.execute(
            sa.text("SELECT COUNT(DISTINCT respondent) FROM pulse_answer WHERE round_id = :id"), {"id": round_id}
        ).scalar_one()
        values: dict[str, object] = {
            "round_id": round_id,
            "workspace_id": workspace_id,
            "team_id": team_id,
            "opened_on": opened_at.astimezone(UTC).date(),
            "invited": invited,
            "answered": answered,
        }
        for need in NEEDS:
            n, total, squares = connection.execute(
                sa.text(
                    "SELECT COUNT(*), COALESCE(SUM(value), 0), COALESCE(SUM(value * value), 0) "
                    "FROM pulse_answer WHERE round_id = :id AND question = :need"
                ),
                {"id": round_id, "need": need},
            ).one()
            values.update({f"{need}_n": n, f"{need}_sum": float(total), f"{need}_sq": float(squares)})
        promoters, passives, detractors = connection.execute(
            sa.text(
                "SELECT COALESCE(SUM(CASE WHEN value >= 9 THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN value BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN value <= 6 THEN 1 ELSE 0 END), 0) "
                "FROM pulse_answer WHERE round_id = :id AND question = 'enps'"
            ),
            {"id": round_id},
        ).one()
        values.update({"enps_promoters": promoters, "enps_passives": passives, "enps_detractors": detractors})
        round_result = sa.table(
            "round_result", *(sa.column(name, sa.Date() if name == "opened_on" else None) for name in values)
        )
        connection.execute(sa.insert(round_result).values(**values))
        connection.execute(
            sa.text(
                "UPDATE pulse_round SET status = 'closed', closed_at = :now, round_key = NULL, answered = :answered "
                "WHERE id = :id"
            ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
            {"now": now, "answered": answered, "id": round_id},
        )
        for table in ("pulse_answer", "pulse_comment"):
            connection.execute(sa.text(f"UPDATE {table} SET respondent = NULL WHERE round_id = :id"), {"id": round_id})
        connection.execute(sa.text("DELETE FROM delivery WHERE round_id = :id"), {"id": round_id})


def upgrade() -> None:
    _close_duplicate_open_rounds(op.get_bind())
    op.create_index(
        "uq_round_team_open",
        "pulse_round",
        ["team_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_round_team_open", table_name="pulse_round")
