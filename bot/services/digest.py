"""The team digest: posted in the team channel by whichever process closes a round.

Closing a round (the scheduler's tick, `/pulse close`) calls `post_digest` explicitly; there is no hook
list to register, so a `clock` or `serve` process that never built the Bolt app posts it too.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlmodel import col

from bot.blocks.report import chart_png, notification_text, report_blocks
from bot.blocks.team_actions import digest_blocks as action_digest_blocks
from bot.deps import Deps
from bot.services import reports, slack_problems, teams
from bot.services.languages import translator_for_team
from bot.services.rounds import ClosedRound
from storage import repositories as repo
from storage.models import PulseRound

logger = logging.getLogger(__name__)


def after_close(deps: Deps, closed: ClosedRound) -> None:
    """What follows a round's close, in whichever process closed it: the team digest, then a manager nudge
    when a need dropped beyond noise. Each is guarded on its own; neither raises."""
    from bot.services.nudges import nudge_after_round

    post_digest(deps, closed)
    try:
        nudge_after_round(deps, closed)
    except Exception:
        logger.exception("the nudge after round %s failed", closed.round_id)


def post_digest(deps: Deps, closed: ClosedRound) -> None:
    """After a round closes: the last 4 weeks for the team channel, once per round, same suppression.

    Never raises: the round is closed whatever happens to its digest; a failure is logged.
    """
    try:
        _post_digest(deps, closed)
    except Exception:
        logger.exception("the digest of round %s was not posted", closed.round_id)


def _post_digest(deps: Deps, closed: ClosedRound) -> None:
    workspace_id = closed.workspace_id
    with deps.db.session_scope() as session:
        # Claimed before posting: two processes closing at once (or a retry) post it once.
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
            return  # another process posted it
        team_row = repo.team_by_id(session, workspace_id, closed.team_id)
        if team_row is None:
            return
        team = teams.view_of(session, team_row)
    t = translator_for_team(deps, workspace_id, team.id)  # a channel post: the team's language
    start, end = reports.period_ending(reports.local_today(deps.settings, deps.now()), reports.DIGEST_WEEKS)
    scope = reports.Scope(workspace_id, team.id, team.name, max(1, team.every_weeks))
    report = reports.build_report(
        deps.db, scope, start, end, k=deps.settings.anonymity_min, timezone=deps.settings.default_timezone
    )
    blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": t("report.digest.intro")}]}]
    blocks += report_blocks(t, report, chart_note=t("report.chart.in_channel"), in_channel=True)
    blocks += action_digest_blocks(t, report.actions, report.anonymity_min)  # you said, we did
    try:
        deps.client.chat_postMessage(channel=team.channel_id, text=notification_text(t, report), blocks=blocks)
    except SlackApiError as error:
        # not_in_channel, channel_not_found, is_archived: the team's setters learn the fix (DM and Home).
        if not slack_problems.channel_post_failed(deps, workspace_id, team.channel_id, error):
            logger.warning("team digest not posted: %s", error.response.get("error"))
        return
    slack_problems.channel_post_succeeded(deps, workspace_id, team.channel_id)
    try:
        deps.client.files_upload_v2(
            channel=team.channel_id,
            content=chart_png(t, report),
            filename=f"pulssi-report-{report.end.isoformat()}.png",
            title=notification_text(t, report),
        )
    except SlackApiError as error:
        logger.warning("team digest chart not posted: %s", error.response.get("error"))
