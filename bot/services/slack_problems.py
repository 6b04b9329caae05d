"""What Pulssi does when Slack refuses: stop a workspace whose token is refused, tell a team's setters when
its channel can't be posted to, and the notices Home shows for both (bot.domain.slack_errors decides which).

Privacy: undeliverable DMs are only ever counted, per round. Nothing here names the person or says whether
anyone answered.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from bot.blocks import escape
from bot.deps import Deps
from bot.domain import slack_errors
from bot.domain.people import TeamView
from bot.domain.slack_errors import Notice as Notice
from bot.domain.slack_errors import Outcome
from bot.services import team_access
from bot.services.languages import translator_for_person
from bot.timeutil import from_db, to_db
from storage import repositories as repo
from storage.models import PulseRound, Team, Workspace

logger = logging.getLogger(__name__)

# Errors a new token fixes: sending resumes as soon as auth.test accepts the token again.
TOKEN_REASONS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "org_login_required"}
)
# OAuth mode: the workspace has no installation (uninstalled, its token revoked): sending waits for an install.
NOT_INSTALLED = "not_installed"
# Permission errors (missing_scope...) auth.test can't see: sending is tried again after this long.
RETRY_STOPPED_AFTER = timedelta(hours=1)


def error_code(error: SlackApiError) -> str:
    """Slack's error code; for an HTTP 5xx or 429 without one (HTML from a proxy), `http_<status>`."""
    response = error.response
    status = int(getattr(response, "status_code", 200) or 200)
    code = response.get("error") if isinstance(response.data, dict) else None
    if status == 429:
        return "ratelimited"
    if status >= 500 or not isinstance(code, str) or not code or " " in code:
        return f"http_{status}"
    return code


def token_refusal(deps: Deps) -> str | None:
    """Slack's error if it refuses the bot token right now (auth.test), else None."""
    try:
        deps.client.auth_test()
    except SlackApiError as error:
        code = error_code(error)
        return code if slack_errors.for_dm(code) in (Outcome.BOT_TOKEN, Outcome.MAYBE_BOT_TOKEN) else None
    return None


def dm_outcome(deps: Deps, code: str) -> Outcome:
    """What a failed DM means. `account_inactive` names a deactivated person or a dead bot token: auth.test tells."""
    outcome = slack_errors.for_dm(code)
    if outcome is Outcome.MAYBE_BOT_TOKEN:
        return Outcome.BOT_TOKEN if token_refusal(deps) else Outcome.PERSON
    return outcome


def stop_sending(deps: Deps, workspace_id: str, code: str) -> None:
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, deps.now())
        if workspace.sending_stopped_at is None:
            workspace.sending_stopped_at = to_db(deps.now())
            logger.error("Slack refused the bot token (%s): sending stopped for workspace %s", code, workspace_id)
        workspace.sending_stopped_reason = code[:64]
        session.add(workspace)


def resume_if_token_works(deps: Deps) -> int:
    """Resume stopped workspaces whose token Slack accepts again (one auth.test per tick while stopped)."""
    now = deps.now()
    with deps.db.session_scope() as session:
        stopped = [
            (w.id, w.sending_stopped_reason or "", from_db(w.sending_stopped_at))
            for w in session.exec(select(Workspace).where(col(Workspace.sending_stopped_at).is_not(None)))
            if w.sending_stopped_at is not None
        ]
    if not stopped:
        return 0
    if deps.installations is not None:
        return _resume_installed(deps, stopped)
    try:
        answer = deps.client.auth_test()
    except SlackApiError as error:
        logger.warning("sending stays stopped: Slack still refuses the bot token (%s)", error_code(error))
        return 0
    resumed = 0
    for workspace_id, reason, since in stopped:
        if answer.get("team_id") not in (workspace_id, None) and not answer.get("enterprise_id"):
            continue  # this token belongs to another workspace
        if reason not in TOKEN_REASONS and now - since < RETRY_STOPPED_AFTER:
            continue
        with deps.db.session_scope() as session:
            workspace = session.get(Workspace, workspace_id)
            if workspace is not None and workspace.sending_stopped_at is not None:
                workspace.sending_stopped_at = None
                workspace.sending_stopped_reason = None
                session.add(workspace)
                resumed += 1
                logger.info("Slack accepts the bot token again: sending resumed for workspace %s", workspace_id)
    return resumed


def _resume_installed(deps: Deps, stopped: list[tuple[str, str, datetime]]) -> int:
    """OAuth mode: each stopped workspace is asked about with its own token; one without an installation stays
    stopped (installing again resumes it)."""
    now = deps.now()
    resumed = 0
    for workspace_id, reason, since in stopped:
        if reason not in TOKEN_REASONS | {NOT_INSTALLED} and now - since < RETRY_STOPPED_AFTER:
            continue
        with deps.acting_for(workspace_id) as installed:
            if not installed:
                continue
            try:
                deps.client.auth_test()
            except SlackApiError as error:
                logger.warning("workspace %s: Slack still refuses its token (%s)", workspace_id, error_code(error))
                continue
        resumed += resume_sending(deps, workspace_id)
    return resumed


def resume_sending(deps: Deps, workspace_id: str) -> int:
    with deps.db.session_scope() as session:
        workspace = session.get(Workspace, workspace_id)
        if workspace is None or workspace.sending_stopped_at is None:
            return 0
        workspace.sending_stopped_at = None
        workspace.sending_stopped_reason = None
        session.add(workspace)
    logger.info("Slack accepts the bot token again: sending resumed for workspace %s", workspace_id)
    return 1


def channel_post_failed(deps: Deps, workspace_id: str, channel_id: str, error: SlackApiError) -> bool:
    """A post to a team's channel failed. For not_in_channel, channel_not_found and is_archived, the team's
    setters (who set it up, its managers) learn the fix by DM, once per problem, and on Home; a refused token
    stops sending. Returns whether the error was one of those (anything else is the caller's to log)."""
    code = error_code(error)
    outcome = slack_errors.for_channel_post(code)
    if outcome is Outcome.BOT_TOKEN:
        stop_sending(deps, workspace_id, code)
        return True
    if outcome is not Outcome.CHANNEL:
        return False
    to_tell: dict[str, list[tuple[str, str]]] = {}
    with deps.db.session_scope() as session:
        for team in _teams_posting_in(session, workspace_id, channel_id):
            if team.channel_problem == code:
                continue  # they were told already
            team.channel_problem = code
            team.channel_problem_at = to_db(deps.now())
            session.add(team)
            assert team.id is not None
            for person in _setters(session, team):
                to_tell.setdefault(person, []).append((team.name, team.channel_id))
    for person, named in to_tell.items():
        t = translator_for_person(deps, workspace_id, person)
        text = "\n".join(t(f"slackerr.channel.{code}", channel=channel_id, team=escape(name)) for name, _ in named)
        try:
            deps.client.chat_postMessage(channel=person, text=text)
        except SlackApiError as dm_error:
            logger.warning("could not DM a team setter about a channel problem: %s", error_code(dm_error))
    logger.warning("post to channel %s failed (%s); the team's setters were told", channel_id, code)
    return True


def channel_post_succeeded(deps: Deps, workspace_id: str, channel_id: str) -> None:
    """A post went through: any channel problem recorded for it is over."""
    with deps.db.session_scope() as session:
        for team in _teams_posting_in(session, workspace_id, channel_id):
            if team.channel_problem is not None:
                team.channel_problem = None
                team.channel_problem_at = None
                session.add(team)


def _teams_posting_in(session: Session, workspace_id: str, channel_id: str) -> list[Team]:
    return list(
        session.exec(
            select(Team).where(
                Team.workspace_id == workspace_id,
                (col(Team.channel_id) == channel_id) | (col(Team.wins_channel_id) == channel_id),
            )
        )
    )


def _setters(session: Session, team: Team) -> list[str]:
    """The people who set the team up: whoever ran setup, and its managers."""
    assert team.id is not None
    people = [team.created_by] if team.created_by else []
    return list(dict.fromkeys(people + repo.manager_ids(session, team.workspace_id, team.id)))


def home_notices(
    deps: Deps, workspace_id: str, user_id: str, team: TeamView | None, *, is_admin: bool, is_manager: bool
) -> list[Notice]:
    """What Slack refused that this person can fix: for admins the stopped workspace; for admins and a team's
    setters its channel problem; how many of each recent round couldn't get the DM, for admins (every team) and
    managers (their team)."""
    notices: list[Notice] = []
    with deps.db.session_scope() as session:
        if is_admin:
            workspace = session.get(Workspace, workspace_id)
            if workspace is not None and workspace.sending_stopped_at is not None:
                reason = workspace.sending_stopped_reason or "invalid_auth"
                key = "slackerr.stopped.token" if reason in TOKEN_REASONS else "slackerr.stopped.scope"
                since = from_db(workspace.sending_stopped_at).strftime("%Y-%m-%d %H:%M UTC")
                notices.append(Notice(key, {"code": reason, "since": since}))
        for problem_team in session.exec(
            select(Team).where(Team.workspace_id == workspace_id, col(Team.channel_problem).is_not(None))
        ):
            if is_admin or user_id in _setters(session, problem_team):
                notices.append(
                    Notice(
                        f"slackerr.channel.{problem_team.channel_problem}",
                        {"channel": problem_team.channel_id, "team": escape(problem_team.name)},
                    )
                )
        if is_admin or (is_manager and team is not None):
            query = (
                select(PulseRound.number, PulseRound.undeliverable, PulseRound.invited, Team.name)
                .join(Team, col(Team.id) == col(PulseRound.team_id))
                .where(PulseRound.workspace_id == workspace_id, col(PulseRound.undeliverable) > 0)
                .order_by(col(PulseRound.opened_at).desc())
                .limit(3)
            )
            if not is_admin and team is not None:
                query = query.where(PulseRound.team_id == team.id)
            for number, count, invited, team_name in session.exec(query):
                params: dict[str, object] = {
                    "number": number,
                    "count": count,
                    "invited": invited,
                    "team": escape(team_name),
                }
                notices.append(Notice("slackerr.undeliverable", params))
    return notices + team_access.home_notices(deps, workspace_id, is_admin=is_admin)
