"""The team digest's data: which round's digest to post (claimed once) and the report it shows.

Rendering and sending live in handlers/delivery.py (post_digest, after_close). Closing a round (the scheduler's
tick, `/pulse close`) calls delivery.after_close: `/pulse close` directly, the tick through the `after_close`
callback that bot.scheduler passes to the pulse job, so a `clock` or `serve` process that never built the Bolt
app posts the digest too.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from bot.deps import Deps
from bot.domain.people import TeamView
from bot.domain.report import Report
from bot.services import reports, teams
from bot.services.rounds import ClosedRound
from storage import repositories as repo
from storage.models import PulseRound


def claim_digest(deps: Deps, closed: ClosedRound) -> TeamView | None:
    """The team whose digest of this round is this process's to post; None when another process (or a retry)
    claimed it already, or the team is gone. Claimed before posting, so two processes closing at once post it once."""
    workspace_id = closed.workspace_id
    with deps.db.session_scope() as session:
        claimed = session.execute(
            update(PulseRound)
            .where(
                col(PulseRound.workspace_id) == workspace_id,
                col(PulseRound.id) == closed.round_id,
                col(PulseRound.digest_posted).is_(False),
            )
            .values(digest_posted=True)
        )
        if not getattr(claimed, "rowcount", 0):
            return None  # another process posted it
        team_row = repo.team_by_id(session, workspace_id, closed.team_id)
        if team_row is None:
            return None
        return teams.view_of(session, team_row)


def digest_report(deps: Deps, workspace_id: str, team: TeamView) -> Report:
    """The last 4 weeks of the team, with the same suppression as every report."""
    start, end = reports.period_ending(reports.local_today(deps.settings, deps.now()), reports.DIGEST_WEEKS)
    scope = reports.Scope(workspace_id, team.id, team.name, max(1, team.every_weeks))
    return reports.build_report(
        deps.db, scope, start, end, k=deps.settings.anonymity_min, timezone=deps.settings.default_timezone
    )
