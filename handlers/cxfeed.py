"""`/pulse cxfeed [<url-or-path> | refresh | off | alias NAME = TEAM | columns MAPPING]` for admins."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.blocks import clip, escape
from bot.blocks.cxfeed import status_text, summary_text
from bot.deps import Deps
from bot.domain.policy import Action
from bot.domain.workspaces import is_org_install
from bot.services import cx_fetch, cx_import, teams
from bot.services.teams import NotAllowed
from handlers.pulse import PulseCommand, reply, subcommand
from handlers.pulse_team import local_time
from handlers.registry import MANAGERS

logger = logging.getLogger(__name__)


def _status(deps: Deps, command: PulseCommand) -> None:
    status = cx_import.feed_status(deps, command.workspace_id)
    last = local_time(deps, command.user_id, status.last_pull_at) if status.last_pull_at else ""
    reply(command, status_text(command.t, status, last))


def _import_now(deps: Deps, command: PulseCommand) -> None:
    """A big feed or a slow server can take a while: it runs on the feed pool (not the one reports use) and
    the summary follows."""

    def run() -> None:
        summary = cx_import.run_import(deps, command.workspace_id, force=True)
        reply(command, summary_text(command.t, summary))

    if deps.run_feed_later(run) is None:
        reply(command, command.t("cxfeed.busy"))


@subcommand("cxfeed", "cx", audience=MANAGERS, order=80)
def cxfeed(deps: Deps, command: PulseCommand) -> None:
    t = command.t
    if not teams.may(deps, command.workspace_id, command.user_id, Action.CX_FEED):
        # An org-wide Grid install's feed is the org's: its workspace admins are told whose it is.
        reply(
            command, t("core.refusal.org_admins_only" if is_org_install(command.workspace_id) else "cxfeed.admins_only")
        )
        return
    words = command.args.split(maxsplit=1)
    action = words[0].lower() if words else ""
    rest = words[1].strip() if len(words) > 1 else ""
    try:
        if action in ("", "status", "tila"):
            _status(deps, command)
        elif action in ("refresh", "päivitä", "paivita", "now"):
            _import_now(deps, command)
        elif action in ("off", "pois"):
            cx_import.set_feed_source(deps, command.workspace_id, command.user_id, None)
            reply(command, t("cxfeed.off.done"))
        elif action == "alias":
            _alias(deps, command, rest)
        elif action in ("columns", "sarakkeet"):
            _columns(deps, command, rest)
        else:
            source = command.args.strip().strip("<>").split("|", 1)[0]  # Slack wraps URLs as <url|label>
            problem = cx_fetch.source_problem(deps.settings, source)
            if problem:
                reply(command, t(problem, source=escape(clip(source, 200))))
                return
            cx_import.set_feed_source(deps, command.workspace_id, command.user_id, source)
            reply(command, t("cxfeed.set.done", source=f"`{escape(clip(source.split('?', 1)[0], 300))}`"))
            _import_now(deps, command)
    except NotAllowed:
        reply(command, t("cxfeed.admins_only"))


def _alias(deps: Deps, command: PulseCommand, rest: str) -> None:
    alias, equals, reference = rest.partition("=")
    alias = alias.strip().strip("\"'“”")
    if not equals or not alias or not reference.strip():
        reply(command, command.t("cxfeed.alias.usage"))
        return
    team = teams.find_team(deps, command.workspace_id, reference.strip())
    if team is None:
        reply(command, command.t("cxfeed.alias.unknown_team", team=escape(reference.strip())))
        return
    cx_import.set_alias(deps, command.workspace_id, command.user_id, alias, team.id)
    reply(command, command.t("cxfeed.alias.done", alias=escape(alias), team=escape(team.name)))


def _columns(deps: Deps, command: PulseCommand, rest: str) -> None:
    columns = rest.strip()
    if columns.lower() in ("", "off", "pois", "none"):
        cx_import.set_feed_columns(deps, command.workspace_id, command.user_id, None)
        reply(command, command.t("cxfeed.columns.cleared"))
        return
    try:
        cx_import.set_feed_columns(deps, command.workspace_id, command.user_id, columns)
    except ValueError as error:
        reply(command, command.t("cxfeed.columns.bad", error=escape(str(error))))
        return
    reply(command, command.t("cxfeed.columns.done", columns=escape(columns)))


def register(app: App, deps: Deps) -> None:  # noqa: ARG001 (every handler module has this signature)
    """`/pulse cxfeed` is a subcommand of /pulse (registered by the decorator above); the feed job is
    added to the scheduler in bot.services.jobs."""
    return None
