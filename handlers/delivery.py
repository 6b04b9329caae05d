"""Renders and sends what several features and the jobs show: the Home tab, the team digest and manager
nudges, and a scheduled CX import's problems.

Handlers of other features (win, language, …) refresh Home after they change it; they import it from here
rather than from handlers.home, whose listeners in turn open their modals, so no two handler modules import
each other. A round's close (`/pulse close`, and the scheduler's tick through the callback bot.scheduler hands the
pulse job) posts the digest with after_close: services gather the data, this module renders and sends it.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks.cxfeed import summary_text
from bot.blocks.home import home_view
from bot.blocks.report import chart_png, notification_text, report_blocks
from bot.blocks.team_actions import digest_blocks as action_digest_blocks
from bot.deps import Deps
from bot.domain.cximport import ImportSummary
from bot.services import digest, nudges, slack_problems
from bot.services.home import build_home
from bot.services.languages import translator_for_person, translator_for_team
from bot.services.rounds import ClosedRound
from handlers.common import translator_for

logger = logging.getLogger(__name__)


def refresh_home(deps: Deps, workspace_id: str, user_id: str) -> None:
    """Publish the person's Home; called on app_home_opened and after anything that changes it."""
    t = translator_for(deps, workspace_id, user_id)
    view = home_view(t, build_home(deps, workspace_id, user_id))
    deps.client.views_publish(user_id=user_id, view=view)


def after_close(deps: Deps, closed: ClosedRound) -> None:
    """What follows a round's close, in whichever process closed it: the team digest, then a manager nudge
    when a need dropped beyond noise. Each is guarded on its own; neither raises."""
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
    team = digest.claim_digest(deps, closed)
    if team is None:
        return
    t = translator_for_team(deps, workspace_id, team.id)  # a channel post: the team's language
    report = digest.digest_report(deps, workspace_id, team)
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


def nudge_after_round(deps: Deps, closed: ClosedRound) -> None:
    """The nudge due after a round's close, if a need dropped beyond noise (bot.services.nudges sends it within
    the team's one-a-week budget, each manager in their own language)."""
    nudges.nudge_after_round(deps, closed)


def tell_import_problem(deps: Deps, workspace_id: str, user_id: str, summary: ImportSummary) -> None:
    """A scheduled CX import rejected rows or failed: the admin who set the feed gets the summary by DM."""
    try:
        t = translator_for_person(deps, workspace_id, user_id)
        deps.client.chat_postMessage(
            channel=user_id, text=t("cxfeed.scheduled_problem") + "\n" + summary_text(t, summary)
        )
    except SlackApiError:
        logger.warning("could not DM the CX feed admin", exc_info=True)
