"""Wins: store a shared story, find where to celebrate it, edit, delete and count reactions.

Slack calls (posting the celebration, DMs to colleagues) stay in the handler; each function here is one
transaction, so a failed Slack call never leaves half a win behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from bot.deps import Deps
from bot.domain import policy
from bot.domain.people import TeamView
from bot.domain.sentiment import detect_language
from bot.domain.tone import read_tone
from bot.domain.wins import WinDraft, clean_draft
from bot.services.teams import channels_of, home_team_of, workspace_views
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.models import Win, WinColleague


class WinGone(Exception):
    """The win was deleted (or never existed in this workspace)."""


class NotAuthor(Exception):
    """Only the person who shared a win may edit or delete it."""


@dataclass(frozen=True)
class StoredWin:
    id: int
    author_id: str
    team_id: int | None
    text: str
    customer: str | None
    colleagues: tuple[str, ...]
    elements: tuple[str, ...]
    need: str | None
    source_permalink: str | None
    channel_id: str | None
    message_ts: str | None
    language: str
    polarity: float | None
    subjectivity: float | None
    reactions: int
    posted_at: datetime
    edited: bool


@dataclass(frozen=True)
class TeamChoice:
    """Where an author shares: their home team, or (in no team) the teams they may pick from."""

    home: TeamView | None
    choices: tuple[TeamView, ...]
    teams_exist: bool = True  # False: the workspace has no team at all (else: none in the person's channels)


def team_choice(deps: Deps, workspace_id: str, user_id: str) -> TeamChoice:
    home = home_team_of(deps, workspace_id, user_id)
    if home is not None:
        return TeamChoice(home, (home,))
    with deps.db.session_scope() as session:
        every_team = workspace_views(session, workspace_id)
    if not every_team:
        return TeamChoice(None, (), teams_exist=False)
    theirs = channels_of(deps, user_id, workspace_id)
    allowed = set(policy.win_teams(None, (team.id for team in every_team if team.channel_id in theirs)))
    return TeamChoice(None, tuple(team for team in every_team if team.id in allowed))


def celebration_channel(team: TeamView) -> str:
    return team.wins_channel_id or team.channel_id


def _stored(session: Session, win: Win) -> StoredWin:
    assert win.id is not None
    colleagues = session.exec(
        select(WinColleague.user_id)
        .where(WinColleague.workspace_id == win.workspace_id, WinColleague.win_id == win.id)
        .order_by(col(WinColleague.id))
    ).all()
    return StoredWin(
        id=win.id,
        author_id=win.author_id,
        team_id=win.team_id,
        text=win.text,
        customer=win.customer,
        colleagues=tuple(colleagues),
        elements=tuple(e for e in win.elements.split(",") if e),
        need=win.need,
        source_permalink=win.source_permalink,
        channel_id=win.channel_id,
        message_ts=win.message_ts,
        language=win.language,
        polarity=win.polarity,
        subjectivity=win.subjectivity,
        reactions=win.reactions,
        posted_at=from_db(win.created_at),
        edited=win.updated_at is not None,
    )


def _apply(win: Win, draft: WinDraft) -> None:
    win.text = draft.story
    win.customer = draft.customer
    win.elements = ",".join(draft.elements)
    win.need = draft.need
    win.language = detect_language(draft.story)


def _polarity(story: str) -> float | None:
    """The story's tone in Finnish or English, read as comments and the shell's `tone` lines are. Never before an
    ack, nor inside a transaction: a process's first reading loads TextBlob or the Finnish lemmatiser (seconds)."""
    reading = read_tone(story)
    return reading.polarity if reading else None


def _set_colleagues(session: Session, win: Win, colleagues: tuple[str, ...]) -> None:
    assert win.id is not None
    session.execute(
        delete(WinColleague).where(
            col(WinColleague.workspace_id) == win.workspace_id, col(WinColleague.win_id) == win.id
        )
    )
    for user_id in colleagues:
        session.add(WinColleague(workspace_id=win.workspace_id, win_id=win.id, user_id=user_id))


def save_win(deps: Deps, workspace_id: str, author_id: str, draft: WinDraft, *, from_tough: bool = False) -> StoredWin:
    """Store a validated draft; not yet posted, its tone not yet read (`read_story_tone`). `from_tough`: the
    author linked it to an earlier tough moment of theirs (only this flag is kept, not which one)."""
    draft = clean_draft(draft, author_id)
    with deps.db.session_scope() as session:
        repo.ensure_workspace(session, workspace_id, deps.now())
        win = Win(
            workspace_id=workspace_id,
            team_id=draft.team_id,
            author_id=author_id,
            text=draft.story,
            source_permalink=draft.source_permalink,
            created_at=to_db(deps.now()),
            from_tough=from_tough,
        )
        _apply(win, draft)
        session.add(win)
        session.flush()
        _set_colleagues(session, win, draft.colleagues)
        session.flush()
        return _stored(session, win)


def record_post(deps: Deps, workspace_id: str, win_id: int, channel_id: str, message_ts: str) -> None:
    """Remember where the celebration was posted: reactions on that message count for this win."""
    with deps.db.session_scope() as session:
        win = _own_row(session, workspace_id, win_id)
        win.channel_id = channel_id
        win.message_ts = message_ts


def _own_row(session: Session, workspace_id: str, win_id: int, author_id: str | None = None) -> Win:
    win = session.exec(select(Win).where(Win.workspace_id == workspace_id, Win.id == win_id)).first()
    if win is None:
        raise WinGone()
    if author_id is not None and win.author_id != author_id:
        raise NotAuthor()
    return win


def get_win(deps: Deps, workspace_id: str, win_id: int, author_id: str | None = None) -> StoredWin:
    with deps.db.session_scope() as session:
        return _stored(session, _own_row(session, workspace_id, win_id, author_id))


@dataclass(frozen=True)
class EditedWin:
    win: StoredWin
    new_colleagues: tuple[str, ...]


def edit_win(deps: Deps, workspace_id: str, author_id: str, win_id: int, draft: WinDraft) -> EditedWin:
    """Change the story and tags (author only); the team stays where the win was celebrated. Fast enough to
    answer in the ack: the new story's tone is read after it (`read_story_tone`)."""
    draft = clean_draft(draft, author_id)
    with deps.db.session_scope() as session:
        win = _own_row(session, workspace_id, win_id, author_id)
        before = set(_stored(session, win).colleagues)
        if win.text != draft.story:
            win.polarity = None  # the old story's, until read_story_tone reads the new one
        _apply(win, draft)
        win.updated_at = to_db(deps.now())
        _set_colleagues(session, win, draft.colleagues)
        session.flush()
        stored = _stored(session, win)
        return EditedWin(stored, tuple(c for c in stored.colleagues if c not in before))


def read_story_tone(deps: Deps, workspace_id: str, win_id: int) -> None:
    """Once a story is celebrated or edited: its tone, stored unless the story changed again meanwhile."""
    with deps.db.session_scope() as session:
        story = session.exec(select(Win.text).where(Win.workspace_id == workspace_id, Win.id == win_id)).first()
    if story is None:
        return
    polarity = _polarity(story)
    with deps.db.session_scope() as session:
        session.execute(
            update(Win)
            .where(col(Win.workspace_id) == workspace_id, col(Win.id) == win_id, col(Win.text) == story)
            .values(polarity=polarity, subjectivity=None)
        )


def delete_win(deps: Deps, workspace_id: str, author_id: str, win_id: int) -> StoredWin:
    """Remove the win and its thanks (author only); it disappears from reports at once."""
    with deps.db.session_scope() as session:
        win = _own_row(session, workspace_id, win_id, author_id)
        stored = _stored(session, win)
        session.execute(
            delete(WinColleague).where(
                col(WinColleague.workspace_id) == workspace_id, col(WinColleague.win_id) == win_id
            )
        )
        session.delete(win)
        return stored


def count_reaction(deps: Deps, workspace_id: str, channel_id: str, message_ts: str, delta: int) -> bool:
    """Add or take one reaction on a celebration message; False when the message is not a win."""
    with deps.db.session_scope() as session:
        win = session.exec(
            select(Win).where(
                Win.workspace_id == workspace_id, Win.channel_id == channel_id, Win.message_ts == message_ts
            )
        ).first()
        if win is None:
            return False
        win.reactions = max(0, win.reactions + delta)
        return True
