from __future__ import annotations

from bot.blocks import Block, context, divider, header, mrkdwn
from bot.i18n import Translator

EVERYONE_COMMANDS = ("help", "status", "whoami", "language", "mute", "delete", "win")
MANAGER_COMMANDS = (
    "setup",
    "rename",
    "managers",
    "move",
    "schedule",
    "now",
    "winschannel",
    "cxfeed",
    "export",
    "cxreport",
)


def help_blocks(t: Translator, *, anonymity_min: int, unknown_command: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if unknown_command is not None:
        blocks.append(mrkdwn(t("core.help.unknown", command=unknown_command[:100])))
    blocks += [
        header(t("core.help.title")),
        mrkdwn(t("core.help.intro")),
        divider(),
        mrkdwn(t("core.help.everyone") + "\n" + "\n".join(f"• {t('core.help.cmd.' + c)}" for c in EVERYONE_COMMANDS)),
        mrkdwn(t("core.help.managers") + "\n" + "\n".join(f"• {t('core.help.cmd.' + c)}" for c in MANAGER_COMMANDS)),
        context(":lock: " + t("core.help.privacy", k=anonymity_min)),
    ]
    return blocks


def help_text(t: Translator, *, unknown_command: str | None = None) -> str:
    if unknown_command is not None:
        return t("core.help.unknown", command=unknown_command[:100])
    return t("core.help.title")
