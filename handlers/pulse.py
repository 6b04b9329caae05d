"""`/pulse` and its subcommands. Parsing and rendering only; the work happens in bot.services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.help import help_blocks, help_text
from bot.deps import Deps
from bot.i18n import CatalogTranslator
from handlers import registry
from handlers.common import command_text, translator_for, workspace_id_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PulseCommand:
    """What a subcommand handler gets: who asked, where, with which words."""

    workspace_id: str
    user_id: str
    channel_id: str
    channel_name: str
    args: str
    trigger_id: str
    body: dict[str, Any]
    t: CatalogTranslator
    respond: Respond


Subcommand = Callable[[Deps, PulseCommand], None]
_SUBCOMMANDS: dict[str, Subcommand] = {}
HELP_WORDS = ("help", "apua", "ohje")

registry.add_pulse_subcommand(registry.PulseSubcommand("help", HELP_WORDS[1:], registry.EVERYONE, "help", order=0))


def subcommand(
    *names: str, audience: str = registry.EVERYONE, help_key: str | None = None, order: int = 100
) -> Callable[[Subcommand], Subcommand]:
    """Feature modules add `/pulse <name>` handlers here; /pulse help and the manifest's usage hint list
    them (help_key names the core.help.cmd.* line, by default the first name; lower `order` comes first)."""

    def decorate(function: Subcommand) -> Subcommand:
        for name in names:
            _SUBCOMMANDS[name] = function
        entry = registry.PulseSubcommand(names[0], names[1:], audience, help_key or names[0], order)
        registry.add_pulse_subcommand(entry)
        return function

    return decorate


def reply(command: PulseCommand, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    command.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def _help(deps: Deps, command: PulseCommand, unknown: str | None = None) -> None:
    sections = {
        audience: [*registry.pulse_help_keys(audience), *registry.command_help_keys(audience)]
        for audience in (registry.EVERYONE, registry.MANAGERS)
    }
    reply(
        command,
        help_text(command.t, unknown_command=unknown),
        help_blocks(
            command.t,
            everyone=sections[registry.EVERYONE],
            managers=sections[registry.MANAGERS],
            anonymity_min=deps.settings.anonymity_min,
            unknown_command=unknown,
        ),
    )


def register(app: App, deps: Deps) -> None:
    @registry.command(app, "/pulse")
    def pulse_command(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        text = command_text(body)
        name, _, args = text.partition(" ")
        name = name.lower()
        user_id = str(body.get("user_id") or "")
        command = PulseCommand(
            workspace_id=workspace_id_of(body),
            user_id=user_id,
            channel_id=str(body.get("channel_id") or ""),
            channel_name=str(body.get("channel_name") or ""),
            args=args.strip(),
            trigger_id=str(body.get("trigger_id") or ""),
            body=body,
            t=translator_for(deps, workspace_id_of(body), user_id),
            respond=respond,
        )
        if name in ("", *HELP_WORDS):
            _help(deps, command)
            return
        handler = _SUBCOMMANDS.get(name)
        if handler is None:
            _help(deps, command, unknown=name)
            return
        handler(deps, command)
