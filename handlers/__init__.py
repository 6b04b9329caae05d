"""Slack listeners: one module per feature, each with `register(app, deps)`."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps


def register_all(app: App, deps: Deps) -> None:
    from handlers import cxfeed, cxreport, home, language, pulse, pulse_answers, pulse_team, team_actions, tough, win

    for module in (pulse, pulse_team, pulse_answers, win, cxfeed, cxreport, home, language, tough, team_actions):
        module.register(app, deps)
