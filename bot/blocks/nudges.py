"""Block Kit for a manager nudge: what happened, one suggested action, commit and snooze buttons."""

from __future__ import annotations

from bot.blocks import Block, actions, button, context, escape, mrkdwn
from bot.blocks.team_actions import COMMIT_BUTTON
from bot.domain.nudges import NEED_DROP
from bot.i18n import Translator

SNOOZE_BUTTON = "nudge_snooze"


def nudge_dm(
    t: Translator,
    *,
    team_id: int,
    team_name: str,
    kind: str = NEED_DROP,
    need: str,
    suggestion_key: str,
    change: float = 0.0,
) -> tuple[str, list[Block]]:
    """`kind` picks the sentence (bot.domain.nudges.KINDS); `need` the suggestion's need and the commit form's."""
    if kind == NEED_DROP:
        text = t("nudge.drop.text", team=escape(team_name), need=t(f"pulse.need.{need}"), change=f"{change:+.2f}")
    else:
        text = t(f"nudge.{kind}.text", team=escape(team_name))
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
