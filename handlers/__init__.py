"""Slack listeners: one module per feature, each with `register(app, deps)`."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps


def register_all(app: App, deps: Deps) -> None:
    from handlers import cxfeed, cxreport, home, language, pulse, pulse_answers, pulse_team, win
    from handlers import nudges as manager_nudges
    from handlers import team_actions as action_loop
    from handlers import tough as tough_moments

    for module in (pulse, pulse_team, pulse_answers, win, cxfeed, cxreport, home, language):
        module.register(app, deps)
    for module in (tough_moments, action_loop, manager_nudges):
        module.register(app, deps)
