"""Read the period's pulse comments for a report, Home or the export, through bot.domain.feedback's rule."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, select

from bot.domain.feedback import MAX_SHOWN, PulseComments, RoundComments, select_comments
from storage.db import Database
from storage.models import PulseComment, RoundResult


def round_comments(
    session: Session, workspace_id: str, team_id: int | None, start: date | None = None, end: date | None = None
) -> list[RoundComments]:
    """Closed rounds (they have a RoundResult) opened in [start, end], with their rewritten comments."""
    statement = select(RoundResult.round_id, RoundResult.answered, RoundResult.comments_n).where(
        RoundResult.workspace_id == workspace_id
    )
    if team_id is not None:
        statement = statement.where(RoundResult.team_id == team_id)
    if start is not None:
        statement = statement.where(col(RoundResult.opened_on) >= start)
    if end is not None:
        statement = statement.where(col(RoundResult.opened_on) <= end)
    results = list(session.exec(statement))
    if not results:
        return []
    texts: dict[int, list[str]] = defaultdict(list)
    for round_id, text in session.exec(
        select(PulseComment.round_id, PulseComment.text).where(
            PulseComment.workspace_id == workspace_id,
            col(PulseComment.round_id).in_([r[0] for r in results]),
            col(PulseComment.respondent).is_(None),  # only rows rewritten at close, never an open round's
        )
    ):
        texts[round_id].append(text)
    return [RoundComments(answered, comments_n, tuple(texts[round_id])) for round_id, answered, comments_n in results]


def pulse_comments(
    db: Database,
    workspace_id: str,
    team_id: int | None,
    start: date,
    end: date,
    *,
    k: int,
    limit: int = MAX_SHOWN,
) -> PulseComments:
    with db.session_scope() as session:
        rounds = round_comments(session, workspace_id, team_id, start, end)
    return select_comments(rounds, k, limit=limit)
