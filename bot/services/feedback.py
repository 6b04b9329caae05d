"""Open feedback for reports: the period's pulse comments (through bot.domain.feedback's k rule) for a report,
Home or the export, and customers' own words from the CX feed (masked by bot.domain.cxwords)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.cxelements import ElementComparison, compare
from bot.domain.cxwords import DETRACTOR_MAX, PROMOTER_MIN, VOICES_PER_SIDE, CustomerWords, voices
from bot.domain.feedback import MAX_SHOWN, Comment, PulseComments, RoundComments, select_comments
from storage import cx_repository
from storage.db import Database
from storage.models import CxResponse, PulseComment, RoundResult, Win


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
    texts: dict[int, list[Comment]] = defaultdict(list)
    for round_id, text, need, route in session.exec(
        select(PulseComment.round_id, PulseComment.text, PulseComment.need, PulseComment.route_id).where(
            PulseComment.workspace_id == workspace_id,
            col(PulseComment.round_id).in_([r[0] for r in results]),
            col(PulseComment.respondent).is_(None),  # only rows rewritten at close, never an open round's
        )
    ):
        texts[round_id].append(Comment(text, need, route))
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


def customer_words(
    db: Database, workspace_id: str, team_id: int | None, start: date, end: date, *, per_side: int = VOICES_PER_SIDE
) -> CustomerWords:
    """The period's newest NPS promoter and detractor comments, masked and clipped (bot.domain.cxwords)."""

    def side(score_condition: Any) -> list[tuple[str, int, date]]:
        statement = select(col(CxResponse.comment), col(CxResponse.score), col(CxResponse.day)).where(
            CxResponse.workspace_id == workspace_id,
            CxResponse.metric == "nps",
            col(CxResponse.day) >= start,
            col(CxResponse.day) <= end,
            col(CxResponse.comment).is_not(None),
            func.length(func.trim(col(CxResponse.comment))) > 0,
            score_condition,
        )
        if team_id is not None:
            statement = statement.where(CxResponse.team_id == team_id)
        statement = cx_repository.confirmed_only(session, workspace_id, statement)
        statement = statement.order_by(col(CxResponse.day).desc(), col(CxResponse.id).desc()).limit(per_side)
        return [(str(text), int(score), day) for text, score, day in session.exec(statement)]

    with db.session_scope() as session:
        promoters = side(col(CxResponse.score) >= PROMOTER_MIN)
        detractors = side(col(CxResponse.score) <= DETRACTOR_MAX)
    return CustomerWords(voices(promoters), voices(detractors))


COMPARED_COMMENTS = 5000  # the newest comments a side read for the element comparison


def element_comparison(
    db: Database, workspace_id: str, team_id: int | None, start: date, end: date, *, after: datetime, before: datetime
) -> ElementComparison:
    """Wins per element and need in [after, before), beside the elements in the period's NPS comments."""
    with db.session_scope() as session:
        wins = select(col(Win.elements), col(Win.need)).where(
            Win.workspace_id == workspace_id, col(Win.created_at) >= after, col(Win.created_at) < before
        )
        if team_id is not None:
            wins = wins.where(Win.team_id == team_id)
        tagged = list(session.exec(wins))

        def texts(score_condition: Any) -> list[str]:
            statement = select(col(CxResponse.comment)).where(
                CxResponse.workspace_id == workspace_id,
                CxResponse.metric == "nps",
                col(CxResponse.day) >= start,
                col(CxResponse.day) <= end,
                col(CxResponse.comment).is_not(None),
                score_condition,
            )
            if team_id is not None:
                statement = statement.where(CxResponse.team_id == team_id)
            statement = cx_repository.confirmed_only(session, workspace_id, statement)
            statement = statement.order_by(col(CxResponse.day).desc()).limit(COMPARED_COMMENTS)
            return [str(text) for text in session.exec(statement) if text]

        detractors = texts(col(CxResponse.score) <= DETRACTOR_MAX)
        promoters = texts(col(CxResponse.score) >= PROMOTER_MIN)
    return compare([e for e, _ in tagged], [n for _, n in tagged], detractors, promoters)
