"""a copy of the database can't name anyone: answers become per-need aggregates at close

Revision ID: 0009
Revises: 0005

- Round keys are no longer stored (they are derived from PULSSI_SECRET_KEY): `pulse_round.round_key` goes.
- A person's rotation offset is derived from the same secret: `person.rotation_offset` goes.
- Answers keep no statement (`pulse_answer.statement_key` goes) and live only while their round is open.
- `round_result` gains eNPS n/sum/sum of squares and the round's comment count; `round_value_count` holds
  each closed round's counts per value, per need and eNPS.
- Comments get random ids and are rewritten in random order per round, without hashes.
- Deliveries remember where their DM landed, so a close can update every DM the same way.

Existing data: every closed round's answers are counted into `round_value_count` and the eNPS sums, then
deleted. A round still open is closed now, as the service closes one (its stored key is about to go, and
answers hashed under it could no longer be matched to the person changing them).
"""

import random
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEEDS = ("autonomy", "competence", "belonging")


def _close_open_rounds(connection: sa.Connection) -> None:
    """Aggregate each open round into round_result (as 0004 does for duplicates) and close it."""
    open_rounds = connection.execute(
        sa.text("SELECT id, workspace_id, team_id, opened_at, invited FROM pulse_round WHERE status = 'open'").columns(
            sa.column("id"),
            sa.column("workspace_id"),
            sa.column("team_id"),
            sa.column("opened_at", UTCDateTime()),
            sa.column("invited"),
        )
    ).all()
    now = datetime.now(UTC)
    for round_id, workspace_id, team_id, opened_at, invited in open_rounds:
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
                "UPDATE pulse_round SET status = 'closed', closed_at = :now, answered = :answered WHERE id = :id"
            ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
            {"now": now, "answered": answered, "id": round_id},
        )
        connection.execute(sa.text("DELETE FROM delivery WHERE round_id = :id"), {"id": round_id})


def _count_values(connection: sa.Connection) -> None:
    """Closed rounds' answers into per-value counts and eNPS sums; then the answers go."""
    rows = connection.execute(
        sa.text(
            "SELECT a.round_id, r.workspace_id, a.question, a.value FROM pulse_answer a "
            "JOIN pulse_round r ON r.id = a.round_id WHERE r.status = 'closed'"
        )
    ).all()
    counts: Counter[tuple[int, str, str, int]] = Counter((r, w, q, v) for r, w, q, v in rows)
    value_count = sa.table(
        "round_value_count",
        sa.column("round_id"),
        sa.column("question"),
        sa.column("value"),
        sa.column("workspace_id"),
        sa.column("count"),
    )
    if counts:
        connection.execute(
            sa.insert(value_count),
            [
                {"round_id": r, "workspace_id": w, "question": q, "value": v, "count": c}
                for (r, w, q, v), c in sorted(counts.items())
            ],
        )
    enps: dict[int, list[int]] = {}
    for round_id, _workspace, question, value in rows:
        if question == "enps":
            enps.setdefault(round_id, []).append(value)
    for round_id, scores in enps.items():
        connection.execute(
            sa.text("UPDATE round_result SET enps_n = :n, enps_sum = :total, enps_sq = :squares WHERE round_id = :id"),
            {
                "n": len(scores),
                "total": float(sum(scores)),
                "squares": float(sum(v * v for v in scores)),
                "id": round_id,
            },
        )
    # Rounds aggregated before answers were kept (demo data): n from the category counts.
    connection.execute(
        sa.text("UPDATE round_result SET enps_n = enps_promoters + enps_passives + enps_detractors WHERE enps_n = 0")
    )
    connection.execute(
        sa.text("DELETE FROM pulse_answer WHERE round_id IN (SELECT id FROM pulse_round WHERE status = 'closed')")
    )


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        # What this deletes and drops is zeroed in the file, not left in free pages (the app's own
        # connections always run so; storage.migrate then checkpoints the WAL).
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
    with op.batch_alter_table("round_result") as batch_op:
        batch_op.add_column(sa.Column("enps_n", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("enps_sum", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("enps_sq", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("comments_n", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "round_value_count",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("round_id", "question", "value"),
    )
    op.create_index("ix_round_value_count_workspace_id", "round_value_count", ["workspace_id"])

    _close_open_rounds(connection)
    _count_values(connection)

    # Comments: counted per round, then rewritten per round in random order under random ids, without hashes.
    comments = connection.execute(sa.text("SELECT round_id, workspace_id, text FROM pulse_comment")).all()
    per_round = Counter(round_id for round_id, _w, _t in comments)
    for round_id, count in per_round.items():
        connection.execute(
            sa.text("UPDATE round_result SET comments_n = :n WHERE round_id = :id"), {"n": count, "id": round_id}
        )
    _drop_comment_table()
    comment_table = _comment_table(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False)
    shuffled = list(comments)
    random.SystemRandom().shuffle(shuffled)
    if shuffled:
        connection.execute(
            sa.insert(comment_table),
            [
                {"id": secrets.randbits(62) + 1, "workspace_id": w, "round_id": r, "respondent": None, "text": t}
                for r, w, t in shuffled
            ],
        )

    with op.batch_alter_table("pulse_round") as batch_op:
        batch_op.drop_column("round_key")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("rotation_offset")
    with op.batch_alter_table("pulse_answer") as batch_op:
        batch_op.drop_column("statement_key")
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.add_column(sa.Column("dm_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("dm_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def _comment_table(id_type: sa.types.TypeEngine[int], autoincrement: bool) -> sa.Table:
    table = op.create_table(
        "pulse_comment",
        sa.Column("id", id_type, autoincrement=autoincrement, nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("respondent", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "respondent", name="uq_comment_round_respondent"),
    )
    assert table is not None
    op.create_index("ix_pulse_comment_round_id", "pulse_comment", ["round_id"])
    op.create_index("ix_pulse_comment_workspace_id", "pulse_comment", ["workspace_id"])
    return table


def _drop_comment_table() -> None:
    op.drop_index("ix_pulse_comment_workspace_id", table_name="pulse_comment")
    op.drop_index("ix_pulse_comment_round_id", table_name="pulse_comment")
    op.drop_table("pulse_comment")


def downgrade() -> None:
    # The answers, keys and offsets dropped here are gone by design; the columns come back empty.
    connection = op.get_bind()
    comments = connection.execute(sa.text("SELECT round_id, workspace_id, respondent, text FROM pulse_comment")).all()
    _drop_comment_table()
    table = _comment_table(sa.Integer(), autoincrement=True)
    if comments:
        connection.execute(
            sa.insert(table), [{"round_id": r, "workspace_id": w, "respondent": h, "text": t} for r, w, h, t in comments]
        )
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_column("dm_ts")
        batch_op.drop_column("dm_channel")
    with op.batch_alter_table("pulse_answer") as batch_op:
        batch_op.add_column(sa.Column("statement_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("rotation_offset", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("pulse_round") as batch_op:
        batch_op.add_column(sa.Column("round_key", sa.LargeBinary(), nullable=True))
    op.drop_index("ix_round_value_count_workspace_id", table_name="round_value_count")
    op.drop_table("round_value_count")
    with op.batch_alter_table("round_result") as batch_op:
        batch_op.drop_column("comments_n")
        batch_op.drop_column("enps_sq")
        batch_op.drop_column("enps_sum")
        batch_op.drop_column("enps_n")
