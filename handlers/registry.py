"""Registers Slack listeners and remembers which commands, shortcuts and events an app has,
so a test can hold manifest.yml and the code to the same list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from slack_bolt import App


@dataclass
class Registered:
    commands: set[str] = field(default_factory=set)
    shortcuts: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)


_BY_APP: WeakKeyDictionary[App, Registered] = WeakKeyDictionary()

# Who a command is for, in /pulse help: everyone, or team managers and workspace admins.
EVERYONE = "everyone"
MANAGERS = "managers"


def registered(app: App) -> Registered:
    return _BY_APP.setdefault(app, Registered())


def command(app: App, name: str, *, help_key: str | None = None, audience: str = EVERYONE) -> Callable[..., Any]:
    """Register a slash command; with `help_key`, /pulse help lists it (the core.help.cmd.<help_key> line, which
    may live in the feature's own strings) for `audience`, so a new command needs no line in handlers/pulse.py."""
    registered(app).commands.add(name)
    if help_key is not None:
        _COMMAND_HELP[name] = (audience, help_key)
    return app.command(name)


# slash command → (audience, help key): the commands of their own that /pulse help lists beside its subcommands
_COMMAND_HELP: dict[str, tuple[str, str]] = {}


def command_help_keys(audience: str) -> list[str]:
    """The help keys of the slash commands registered for `audience`, by command name."""
    return [key for _name, (who, key) in sorted(_COMMAND_HELP.items()) if who == audience]


def shortcut(app: App, callback_id: str) -> Callable[..., Any]:
    registered(app).shortcuts.add(callback_id)
    return app.shortcut(callback_id)


def event(app: App, event_type: str) -> Callable[..., Any]:
    registered(app).events.add(event_type)
    return app.event(event_type)


# -- `/pulse` subcommands: the one list that /pulse help and the manifest's usage hint are made from


@dataclass(frozen=True)
class PulseSubcommand:
    name: str
    aliases: tuple[str, ...]
    audience: str  # EVERYONE or MANAGERS (team managers and workspace admins)
    help_key: str  # core.help.cmd.<help_key>; a pair such as now/close shares one line
    order: int = 100  # where it stands in help and the usage hint (then by name)


_PULSE_SUBCOMMANDS: dict[str, PulseSubcommand] = {}


def add_pulse_subcommand(entry: PulseSubcommand) -> None:
    for name in (entry.name, *entry.aliases):
        _PULSE_SUBCOMMANDS[name] = entry


def pulse_subcommands() -> list[PulseSubcommand]:
    """Each subcommand once, for everyone first, then by order and name (independent of import order)."""
    unique = {entry.name: entry for entry in _PULSE_SUBCOMMANDS.values()}
    return sorted(unique.values(), key=lambda e: (e.audience != EVERYONE, e.order, e.name))


def pulse_help_keys(audience: str) -> list[str]:
    keys: list[str] = []
    for entry in pulse_subcommands():
        if entry.audience == audience and entry.help_key not in keys:
            keys.append(entry.help_key)
    return keys


def pulse_usage_hint() -> str:
    """What manifest.yml (and manifest.http.yml) must show as /pulse's usage hint."""
    return " | ".join(entry.name for entry in pulse_subcommands())
