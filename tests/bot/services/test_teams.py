"""Team views for pickers: every team with its own managers, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from bot.services import teams
from storage.models import Team, TeamManager
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness


@BOTH_BACKENDS
def test_workspace_views_give_each_team_its_managers_in_two_queries(harness: Harness) -> None:
    # (channel, managers in the order they were added); another workspace's team must not show.
    layout = [("C1", ["UA", "UB"]), ("C2", []), ("C3", ["UC"]), ("C4", ["UB", "UA"])]
    with harness.db.session_scope() as session:
        for workspace, channel, managers in [("T0001", c, m) for c, m in layout] + [("T0002", "C9", ["UX"])]:
            team = Team(
                workspace_id=workspace, channel_id=channel, channel_name=channel.lower(), name=channel.lower(),
                created_at=datetime(2026, 1, 5, tzinfo=UTC),
            )  # fmt: skip
            session.add(team)
            session.flush()
            assert team.id is not None
            for user in managers:
                session.add(TeamManager(workspace_id=workspace, team_id=team.id, user_id=user))
                session.flush()
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(harness.db.engine, "before_cursor_execute", seen)
    try:
        with harness.db.session_scope() as session:
            views = teams.workspace_views(session, "T0001")
    finally:
        event.remove(harness.db.engine, "before_cursor_execute", seen)
    assert [(view.channel_id, list(view.managers)) for view in views] == [(c, m) for c, m in layout]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
