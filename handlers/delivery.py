"""Renders and sends what several features show: the Home tab today.

Handlers of other features (win, language, …) refresh Home after they change it; they import it from here
rather than from handlers.home, whose listeners in turn open their modals, so no two handler modules import
each other.
"""

from __future__ import annotations

from bot.blocks.home import home_view
from bot.deps import Deps
from bot.services.home import build_home
from handlers.common import translator_for


def refresh_home(deps: Deps, workspace_id: str, user_id: str) -> None:
    """Publish the person's Home; called on app_home_opened and after anything that changes it."""
    t = translator_for(deps, workspace_id, user_id)
    view = home_view(t, build_home(deps, workspace_id, user_id))
    deps.client.views_publish(user_id=user_id, view=view)
