"""`/kudos` blocks."""

from __future__ import annotations

from bot.blocks import Block, escape, mrkdwn
from bot.i18n import Translator


def kudos_blocks(t: Translator, who: str) -> list[Block]:
    return [mrkdwn(t("kudos.thanks", who=escape(who)))]
