"""Small helpers every handler uses: workspace id, the caller's translator, friendly errors."""

from __future__ import annotations

import logging
from typing import Any

from bot.deps import Deps
from bot.i18n import CatalogTranslator, translator
from bot.services.languages import translator_for_person

logger = logging.getLogger(__name__)


def workspace_id_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return ""


def user_id_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def translator_for(deps: Deps, workspace_id: str, user_id: str) -> CatalogTranslator:
    """The caller's language by Pulssi's rule (their choice, a supported Slack locale, their team, the default)."""
    if not user_id:
        return translator(deps.settings.default_language)
    return translator_for_person(deps, workspace_id, user_id)


def friendly_error(deps: Deps, body: dict[str, Any], respond: Any, key: str) -> None:
    """Tell the person something went wrong, without a stack trace; never raise from here."""
    if not isinstance(body, dict) or respond is None:
        return
    if not body.get("response_url") and not body.get("response_urls"):
        return
    try:
        t = translator_for(deps, workspace_id_of(body), user_id_of(body))
        respond(text=t(key), response_type="ephemeral", replace_original=False)
    except Exception:  # the error path must not fail; the traceback is logged
        logger.warning("could not tell the user about an error", exc_info=True)
