"""`python -m bot demo-data`: a realistic demo workspace, so `report --format png` shows what managers get.

Three teams, a year of closed weekly rounds (aggregates only, as real closed rounds are), wins with
reactions, and an NPS/CSAT feed in which NPS follows the team's pulse two weeks later. Deterministic for
a given seed. Refuses to touch a workspace that already has teams.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlmodel import select

from bot.domain.sentiment import detect_language
from bot.domain.tone import read_tone
from bot.timeutil import to_db
from storage import cx_repository
from storage.db import Database
from storage.models import CxResponse, PulseRound, RoundResult, Team, Win, WinColleague, Workspace

DEMO_ADMIN = "UDEMOADMIN"  # the creator of every demo team: how demo data is told from a real workspace
TEAMS = (
    ("C0DEMO1", "asiakaspalvelu", "Asiakaspalvelu", 14),
    ("C0DEMO2", "support-en", "Support", 9),
    ("C0DEMO3", "myynti", "Myynti", 7),
)
STORIES = (
    "The customer's order was stuck at the warehouse, so we called the carrier and got it delivered the same "
    "day. She was really happy and thanked the whole team.",
    "Asiakas soitti ja kiitti, kun korjasimme laskun heti ja selitimme muutokset selkeästi.",
    "We noticed a failing payment before the customer did and fixed it proactively. Great teamwork!",
    "Autoimme asiakasta siirtymään uuteen järjestelmään viikonlopun aikana, ja kaikki toimi maanantaina.",
    "A long-time client told us our support is the best they have had. Thanks for the patience on a tricky case.",
)


class WorkspaceNotEmpty(ValueError):
    """The demo workspace id already has teams: demo data goes only into an empty workspace."""

    def __init__(self, workspace_id: str) -> None:
        super().__init__(f"workspace {workspace_id} already has teams; demo data goes into an empty workspace")
        self.workspace_id = workspace_id


def generate(db: Database, workspace_id: str, seed: int, today: date, weeks: int = 52) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"teams": 0, "rounds": 0, "wins": 0, "cx_responses": 0}
    now = datetime.now(UTC)
    with db.session_scope() as session:
        if session.exec(select(Team).where(Team.workspace_id == workspace_id)).first() is not None:
            raise WorkspaceNotEmpty(workspace_id)
        if session.get(Workspace, workspace_id) is None:
            session.add(Workspace(id=workspace_id, created_at=to_db(now)))
        first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
        cx_rows: list[dict[str, object]] = []
        for channel_id, channel_name, name, size in TEAMS:
            team = Team(
                workspace_id=workspace_id,
                channel_id=channel_id,
                channel_name=channel_name,
                name=name,
                every_weeks=1,
                created_at=to_db(now),
                created_by=DEMO_ADMIN,
            )
            session.add(team)
            session.flush()
            assert team.id is not None
            counts["teams"] += 1
            base = rng.uniform(3.3, 3.9)
            phase = rng.uniform(0, math.pi)
            pulse_by_week: list[float] = []
            for week in range(weeks):
                monday = first_monday + timedelta(weeks=week)
                level = base + 0.45 * math.sin(week / 6.0 + phase) + rng.gauss(0, 0.08)
                pulse_by_week.append(level)
                answered = max(2, min(size, int(rng.gauss(size * 0.75, 1.5))))
                if week == weeks - 3:
                    answered = 3  # a holiday week: too few answers to show, so reports mark the gap "n < k"
                opened = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=7)
                pulse_round = PulseRound(
                    workspace_id=workspace_id,
                    team_id=team.id,
                    number=week + 1,
                    scheduled_for=monday,
                    opened_at=to_db(opened),
                    closes_at=to_db(opened + timedelta(days=3)),
                    closed_at=to_db(opened + timedelta(days=3)),
                    status="closed",
                    asks_enps=(week % 4 == 3),
                    invited=size,
                    answered=answered,
                    digest_posted=True,
                )
                session.add(pulse_round)
                session.flush()
                assert pulse_round.id is not None
                result = RoundResult(
                    round_id=pulse_round.id,
                    workspace_id=workspace_id,
                    team_id=team.id,
                    opened_on=monday,
                    invited=size,
                    answered=answered,
                )
                for need, shift in (("autonomy", 0.1), ("competence", 0.25), ("belonging", -0.1)):
                    values = [min(5, max(1, round(rng.gauss(level + shift, 0.8)))) for _ in range(answered)]
                    setattr(result, f"{need}_n", len(values))
                    setattr(result, f"{need}_sum", float(sum(values)))
                    setattr(result, f"{need}_sq", float(sum(v * v for v in values)))
                if pulse_round.asks_enps:
                    scores = [min(10, max(0, round(rng.gauss(level * 2, 1.8)))) for _ in range(answered)]
                    result.enps_promoters = sum(1 for s in scores if s >= 9)
                    result.enps_passives = sum(1 for s in scores if 7 <= s <= 8)
                    result.enps_detractors = sum(1 for s in scores if s <= 6)
                    result.enps_n = len(scores)
                    result.enps_sum = float(sum(scores))
                    result.enps_sq = float(sum(s * s for s in scores))
                session.add(result)
                counts["rounds"] += 1
            # Customers feel it two weeks later: NPS follows the pulse with a lag.
            for week in range(weeks):
                level = pulse_by_week[max(0, week - 2)]
                monday = first_monday + timedelta(weeks=week)
                for _ in range(rng.randint(15, 30)):
                    day = monday + timedelta(days=rng.randint(0, 6))
                    nps_score = min(10, max(0, round(rng.gauss(2.2 * level + 0.3, 1.6))))
                    cx_rows.append(
                        {
                            "workspace_id": workspace_id,
                            "row_key": f"demo:{team.id}:{len(cx_rows)}",
                            "day": day,
                            "metric": "nps",
                            "score": nps_score,
                            "team_id": team.id,
                            "team_label": name,
                        }
                    )
                    if rng.random() < 0.5:
                        cx_rows.append(
                            {
                                "workspace_id": workspace_id,
                                "row_key": f"demo:{team.id}:{len(cx_rows)}",
                                "day": day,
                                "metric": "csat",
                                "score": min(5, max(1, round(rng.gauss(level + 0.4, 0.8)))),
                                "team_id": team.id,
                                "team_label": name,
                            }
                        )
            for index in range(rng.randint(10, 20)):
                story = STORIES[rng.randrange(len(STORIES))]
                reading = read_tone(story)
                posted = datetime.combine(
                    today - timedelta(days=rng.randint(0, weeks * 7 - 1)), datetime.min.time(), UTC
                )
                win = Win(
                    workspace_id=workspace_id,
                    team_id=team.id,
                    author_id=f"UDEMO{team.id}{index % 5}",
                    text=story,
                    elements="commitment,responsiveness",
                    need="competence",
                    channel_id=channel_id,
                    message_ts=f"{posted.timestamp():.6f}",
                    language=detect_language(story),
                    polarity=reading.polarity if reading else None,
                    reactions=rng.randint(0, 12),
                    created_at=to_db(posted + timedelta(hours=rng.randint(7, 16))),
                )
                session.add(win)
                session.flush()
                assert win.id is not None
                session.add(
                    WinColleague(workspace_id=workspace_id, win_id=win.id, user_id=f"UDEMO{team.id}{(index + 1) % 5}")
                )
                counts["wins"] += 1
        for start in range(0, len(cx_rows), 5000):
            session.execute(insert(CxResponse), cx_rows[start : start + 5000])
        session.flush()
        cx_repository.rebuild_daily(session, workspace_id)
        counts["cx_responses"] = len(cx_rows)
    return counts


def real_workspace_ids(db: Database) -> list[str]:
    """Workspaces that are not demo data: any with a team a real person set up, or with no teams at all."""
    with db.session_scope() as session:
        ids = session.exec(select(Workspace.id)).all()
        creators: dict[str, set[str | None]] = {}
        for workspace_id, created_by in session.exec(select(Team.workspace_id, Team.created_by)).all():
            creators.setdefault(workspace_id, set()).add(created_by)
    return sorted(w for w in ids if creators.get(w) != {DEMO_ADMIN})
