"""The report's pulse comments from stored rows (bot.services.feedback) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.blocks.report import report_text
from bot.domain.report import report_json
from bot.i18n import translator
from bot.services.reports import Scope, build_report, workspace_scope
from storage import repositories as repo
from storage.db import Database
from storage.models import CxResponse, PulseComment, PulseRound, RoundResult, Team, Win
from tests.conftest import BOTH_BACKENDS

WS = "T0001"
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
END = date(2026, 3, 29)
START = END - timedelta(weeks=4) + timedelta(days=1)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def add_team(db: Database, name: str) -> int:
    with db.session_scope() as session:
        repo.ensure_workspace(session, WS, NOW)
        team = Team(workspace_id=WS, channel_id="C" + name, channel_name=name, name=name, created_at=NOW)
        session.add(team)
        session.flush()
        assert team.id is not None
        return team.id


_numbers = iter(range(1, 10**6))


def add_round(
    db: Database, team_id: int, day: date, answered: int, comments: list[str], *, status: str = "closed"
) -> None:
    with db.session_scope() as session:
        opened = datetime.combine(day, datetime.min.time(), UTC)
        pulse_round = PulseRound(
            workspace_id=WS,
            team_id=team_id,
            number=next(_numbers),
            scheduled_for=day,
            opened_at=opened,
            closes_at=opened + timedelta(days=3),
            closed_at=opened + timedelta(days=3) if status == "closed" else None,
            status=status,
            invited=10,
            answered=answered,
        )
        session.add(pulse_round)
        session.flush()
        assert pulse_round.id is not None
        if status == "closed":
            session.add(
                RoundResult(
                    round_id=pulse_round.id,
                    workspace_id=WS,
                    team_id=team_id,
                    opened_on=day,
                    invited=10,
                    answered=answered,
                    comments_n=len(comments),
                )
            )
        for i, text in enumerate(comments):
            respondent = None if status == "closed" else f"token{i}"
            need = "belonging" if i == 0 else None
            session.add(
                PulseComment(workspace_id=WS, round_id=pulse_round.id, respondent=respondent, text=text, need=need)
            )


@BOTH_BACKENDS
def test_the_report_reads_the_periods_comments_at_k_only(db: Database) -> None:
    team = add_team(db, "support")
    other = add_team(db, "sales")
    shown = [f"in period {i}" for i in range(5)]
    add_round(db, team, date(2026, 3, 10), 6, shown)
    add_round(db, team, date(2026, 3, 17), 6, ["below k 1", "below k 2"])  # the round's comments < k
    add_round(db, team, date(2026, 3, 18), 4, [f"few answered {i}" for i in range(4)])  # respondents < k
    add_round(db, team, date(2026, 1, 5), 6, [f"before the period {i}" for i in range(5)])
    add_round(db, other, date(2026, 3, 10), 6, [f"other team {i}" for i in range(5)])
    add_round(db, team, date(2026, 3, 25), 6, [f"still open {i}" for i in range(6)], status="open")

    report = build_report(db, Scope(WS, team, "support", 1), START, END, k=5)
    assert report.comments is not None and sorted(c.text for c in report.comments.shown) == shown
    data = report_json(report)
    assert data["pulse_comments"]["count"] == 5
    assert sorted(c["text"] for c in data["pulse_comments"]["comments"]) == shown
    assert {c["need"] for c in data["pulse_comments"]["comments"]} == {"belonging", None}
    json.dumps(data)
    text = report_text(translator("fi"), report)
    assert "Mitä tiimi kirjoitti" in text and all(comment in text for comment in shown)
    assert "- [Yhteisöllisyys] in period 0" in text

    whole = build_report(db, workspace_scope(WS), START, END, k=5)
    assert whole.comments is not None and whole.comments.total == 10  # both teams' qualifying rounds

    strict = build_report(db, Scope(WS, team, "support", 1), START, END, k=6)
    assert strict.comments is not None and strict.comments.suppressed
    assert report_json(strict)["pulse_comments"] == {"suppressed": True, "count": None, "comments": []}
    assert "in period" not in report_text(translator("en"), strict)


def add_nps(db: Database, team_id: int | None, day: date, score: int, comment: str | None) -> None:
    with db.session_scope() as session:
        key = f"k{next(_numbers)}"
        session.add(
            CxResponse(
                workspace_id=WS, row_key=key, day=day, metric="nps", score=score, team_id=team_id, comment=comment
            )
        )


@BOTH_BACKENDS
def test_customers_words_newest_first_masked_and_clipped(db: Database) -> None:
    team = add_team(db, "support")
    other = add_team(db, "sales")
    for offset in range(5):
        add_nps(db, team, date(2026, 3, 10 + offset), 10, f"promoter {offset}")
    add_nps(db, team, date(2026, 3, 3), 2, "Refund to FI21 1234 5600 0007 85, mail anna@example.fi " + "x" * 400)
    add_nps(db, team, date(2026, 3, 20), 3, "   ")  # an empty comment is no voice
    add_nps(db, team, date(2026, 3, 21), 5, None)
    add_nps(db, team, date(2026, 3, 22), 8, "a passive is on neither side")
    add_nps(db, team, date(2026, 1, 5), 1, "before the period")
    add_nps(db, other, date(2026, 3, 10), 0, "another team's customer")
    with db.session_scope() as session:  # CSAT comments are not NPS voices
        session.add(
            CxResponse(
                workspace_id=WS,
                row_key="csat1",
                day=date(2026, 3, 9),
                metric="csat",
                score=1,
                team_id=team,
                comment="csat",
            )
        )

    report = build_report(db, Scope(WS, team, "support", 1), START, END, k=5)
    words = report_json(report)["cx_comments"]
    assert [v["text"] for v in words["promoters"]] == ["promoter 4", "promoter 3", "promoter 2"]
    [detractor] = words["detractors"]
    assert detractor["text"].startswith("Refund to [IBAN], mail [email] xxx") and len(detractor["text"]) == 300
    assert "FI21" not in json.dumps(words) and "anna@" not in json.dumps(words)

    fi = report_text(translator("fi"), report)
    assert "Asiakkaiden omin sanoin" in fi and "Suosittelijat (9–10)" in fi and "promoter 4" in fi
    whole = report_json(build_report(db, workspace_scope(WS), START, END, k=5))["cx_comments"]
    assert [v["text"] for v in whole["detractors"]] == [
        "another team's customer",
        whole["detractors"][1]["text"],
    ]  # newest first


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_wins_per_element_beside_what_customers_mention(db: Database, language: str) -> None:
    team = add_team(db, "support")
    with db.session_scope() as session:
        for elements, need, day in [
            ("commitment,fulfilment", "belonging", 10),
            ("commitment", None, 11),
            ("responsiveness", "competence", 12),
            ("commitment", None, 40),  # after the period: not counted
        ]:
            created = datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=day)
            session.add(
                Win(
                    workspace_id=WS,
                    team_id=team,
                    author_id="U1",
                    text="w",
                    elements=elements,
                    need=need,
                    created_at=created,
                )
            )
    add_nps(db, team, date(2026, 3, 10), 2, "Nobody answered and I waited a week")
    add_nps(db, team, date(2026, 3, 11), 3, "Vastaus tuli hitaasti")
    add_nps(db, team, date(2026, 3, 12), 10, "They kept their promise")

    report = build_report(db, Scope(WS, team, "support", 1), START, END, k=5)
    data = report_json(report)["cx_elements"]
    assert data["wins"]["commitment"] == 2 and data["wins"]["responsiveness"] == 1
    assert data["win_needs"] == {"autonomy": 0, "competence": 1, "belonging": 1}
    assert data["detractor_mentions"]["responsiveness"] == 2 and data["promoter_mentions"]["commitment"] == 1
    assert data["gap"] == {"customers": "responsiveness", "team": "commitment"}
    text = report_text(translator(language), report)
    expected = {
        "en": "Customers mention responsiveness most in detractor comments; the team celebrates commitment most.",
        "fi": "Asiakkaat mainitsevat arvostelevissa kommenteissa eniten osa-alueen reagointikyky",
    }[language]
    assert expected in text
