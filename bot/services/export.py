"""`/pulse export`: aggregates only. Rounds under k answers are left out; no row is about one answer."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.deps import Deps
from bot.domain.anonymity import is_reportable
from bot.domain.feedback import select_comments
from bot.domain.questions import NEEDS
from bot.services import feedback, team_actions, tough
from storage import cx_repository
from storage.models import CxAggregate, CxResponse, PulseRound, RoundResult, Team, Win

# A cell starting with one of these is a formula to Excel, LibreOffice or Sheets (`=HYPERLINK(…)` in a story).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COMMENTS = 100_000  # all of a team's comments that may be shown


def neutralise_formula(cell: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, so it is shown as typed;
    numbers (a negative eNPS) stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


class FormulaSafeWriter:
    """csv.writer whose text cells go through neutralise_formula: the export holds people's text."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[object]) -> None:
        self._writer.writerow([neutralise_formula(cell) for cell in row])


def export_csv(deps: Deps, workspace_id: str) -> str:
    k = deps.settings.anonymity_min
    out = io.StringIO()
    writer = FormulaSafeWriter(out)
    writer.writerow(
        ["section", "team", "date", "round", "invited", "answered", "metric", "value", "n", "text", "reactions"]
    )
    with deps.db.session_scope() as session:
        names = {t.id: t.name for t in session.exec(select(Team).where(Team.workspace_id == workspace_id))}
        for result, pulse_round in session.exec(
            select(RoundResult, PulseRound)
            .join(PulseRound, col(PulseRound.id) == col(RoundResult.round_id))
            .where(RoundResult.workspace_id == workspace_id)
            .order_by(col(RoundResult.opened_on), col(RoundResult.round_id))
        ):
            if not is_reportable(result.answered, k):
                continue
            base = [
                "round",
                names.get(result.team_id, ""),
                result.opened_on.isoformat(),
                pulse_round.number,
                result.invited,
                result.answered,
            ]
            for need in NEEDS:
                n = getattr(result, f"{need}_n")
                if is_reportable(n, k):
                    writer.writerow([*base, need, round(getattr(result, f"{need}_sum") / n, 3), n, "", ""])
            enps_n = result.enps_promoters + result.enps_passives + result.enps_detractors
            if is_reportable(enps_n, k):
                value = 100.0 * (result.enps_promoters - result.enps_detractors) / enps_n
                writer.writerow([*base, "enps", round(value, 1), enps_n, "", ""])
        # CX: monthly per team, counted in SQL by day and score, folded into months here.
        rows = session.execute(
            cx_repository.confirmed_only(
                session,
                workspace_id,
                sa_select(
                    col(CxResponse.team_id),
                    col(CxResponse.day),
                    col(CxResponse.metric),
                    col(CxResponse.score),
                    col(CxResponse.scale_max),
                    func.count(),
                ).where(col(CxResponse.workspace_id) == workspace_id),
            ).group_by(
                col(CxResponse.team_id),
                col(CxResponse.day),
                col(CxResponse.metric),
                col(CxResponse.score),
                col(CxResponse.scale_max),
            )
        ).all()
        tallies: dict[tuple[int | None, str, str], list[int]] = {}
        for team_id, day, metric, score, scale_max, count in rows:
            tally = tallies.setdefault((team_id, day.isoformat()[:7], metric), [0, 0])
            if metric == "nps":
                tally[0] += count if score >= 9 else (-count if score <= 6 else 0)
            else:
                tally[0] += count if score >= (scale_max or 5) - 1 else 0  # the scale's top two answers
            tally[1] += count
        for (team_id, period, metric), (score_sum, n) in sorted(tallies.items(), key=lambda i: (i[0][1], str(i[0][0]))):
            writer.writerow(
                [
                    "cx",
                    names.get(team_id, "") if team_id else "",
                    period,
                    "",
                    "",
                    "",
                    metric,
                    round(100.0 * score_sum / n, 1),
                    n,
                    "",
                    "",
                ]
            )
        for aggregate in session.exec(
            select(CxAggregate).where(CxAggregate.workspace_id == workspace_id).order_by(col(CxAggregate.day))
        ):
            writer.writerow(
                [
                    "cx_aggregate",
                    names.get(aggregate.team_id, "") if aggregate.team_id else "",
                    aggregate.day.isoformat(),
                    "",
                    "",
                    "",
                    aggregate.metric,
                    aggregate.value,
                    aggregate.count or "",
                    "",
                    "",
                ]
            )
        for win in session.exec(select(Win).where(Win.workspace_id == workspace_id).order_by(col(Win.created_at))):
            writer.writerow(
                [
                    "win",
                    names.get(win.team_id, "") if win.team_id else "",
                    win.created_at.date().isoformat(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    win.text,
                    win.reactions,
                ]
            )
        # Comments per team, by the report's rule: no date, round or statement, shuffled within the team.
        for team_id, name in sorted(names.items(), key=lambda item: str(item[1])):
            rounds = feedback.round_comments(session, workspace_id, team_id)
            for comment in select_comments(rounds, k, limit=EXPORT_COMMENTS).shown:
                writer.writerow(["comment", name, "", "", "", "", comment.need or "", "", "", comment.text, ""])
        for row in [
            *tough.export_rows(session, workspace_id, names, k),
            *team_actions.export_rows(session, workspace_id, names, k),
        ]:
            writer.writerow(row)
    return out.getvalue()
