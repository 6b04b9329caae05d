from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import Block, context, divider, escape, header, mrkdwn
from bot.i18n import Translator


def help_blocks(
    t: Translator,
    *,
    everyone: Sequence[str],
    managers: Sequence[str],
    anonymity_min: int,
    unknown_command: str | None = None,
) -> list[Block]:
    """/pulse help. `everyone` and `managers` are core.help.cmd.* keys, from the handlers' subcommand registry."""
    blocks: list[Block] = []
    if unknown_command is not None:
        blocks.append(mrkdwn(t("core.help.unknown", command=escape(unknown_command[:100]))))
    blocks += [
        header(t("core.help.title")),
        mrkdwn(t("core.help.intro")),
        divider(),
        mrkdwn(t("core.help.everyone") + "\n" + "\n".join(f"• {t('core.help.cmd.' + c)}" for c in everyone)),
        mrkdwn(t("core.help.managers") + "\n" + "\n".join(f"• {t('core.help.cmd.' + c)}" for c in managers)),
        context(":lock: " + t("core.help.privacy", k=anonymity_min)),
    ]
    return blocks


def help_text(t: Translator, *, unknown_command: str | None = None) -> str:
    if unknown_command is not None:
        return t("core.help.unknown", command=escape(unknown_command[:100]))
    return t("core.help.title")
