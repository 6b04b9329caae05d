"""report indexes: covering indexes for per-day CX counts, round results and wins by team

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cx_response_ws_team_day", "cx_response", ["workspace_id", "team_id", "day", "metric", "score"]
    )
    op.create_index("ix_cx_response_ws_day", "cx_response", ["workspace_id", "day", "metric", "score"])
    op.create_index("ix_round_result_ws_team_day", "round_result", ["workspace_id", "team_id", "opened_on"])
    op.create_index("ix_win_ws_team_created", "win", ["workspace_id", "team_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_win_ws_team_created", table_name="win")
    op.drop_index("ix_round_result_ws_team_day", table_name="round_result")
    op.drop_index("ix_cx_response_ws_day", table_name="cx_response")
    op.drop_index("ix_cx_response_ws_team_day", table_name="cx_response")
