"""Block Kit for a manager nudge: what dropped, one suggested action, commit and snooze buttons."""

from __future__ import annotations

from bot.blocks import Block, actions, button, context, escape, mrkdwn
from bot.blocks.team_actions import COMMIT_BUTTON
from bot.i18n import Translator

SNOOZE_BUTTON = "nudge_snooze"


def nudge_dm(
    t: Translator, *, team_id: int, team_name: str, need: str, change: float, suggestion_key: str
) -> tuple[str, list[Block]]:
    text = t("nudge.drop.text", team=escape(team_name), need=t(f"pulse.need.{need}"), change=f"{change:+.2f}")
    return text, [
        mrkdwn(text),
        context(f"{t('nudge.suggest.label')} {t(suggestion_key)}"),
        actions(
            f"nudge:{team_id}",
            [
                button(t("nudge.commit"), f"{COMMIT_BUTTON}_{need}", f"{team_id}:{need}", style="primary"),
                button(t("nudge.snooze"), SNOOZE_BUTTON, str(team_id)),
            ],
        ),
    ]
