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


def registered(app: App) -> Registered:
    return _BY_APP.setdefault(app, Registered())


def command(app: App, name: str) -> Callable[..., Any]:
    registered(app).commands.add(name)
    return app.command(name)


def shortcut(app: App, callback_id: str) -> Callable[..., Any]:
    registered(app).shortcuts.add(callback_id)
    return app.shortcut(callback_id)


def event(app: App, event_type: str) -> Callable[..., Any]:
    registered(app).events.add(event_type)
    return app.event(event_type)
