"""Shape checks for signed requests (and Socket Mode envelopes) before Bolt sees them.

Bolt reads some keys by subscript while building a request's context (`body["view"]["type"]`,
`body["actions"][0]`, `authorizations[0]`) and crashes with a 500 on a payload that lacks them. So the rule
here is written the other way round: a payload must have what Slack always sends, with Slack's types, and
may be null exactly where Slack sends null (`enterprise` outside Enterprise Grid, `team` in org-wide Grid
installs, `view.close` and friends). Anything else gets a plain 400 (or, in Socket Mode, an ack and a log
line) instead of an exception deep inside request parsing.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

NULL = type(None)

# Top-level keys of an interaction payload that hold objects, and whether Slack ever sends null there.
# (The corpus in the README's testing section: `enterprise` is null outside Grid, `team` is null in
# org-wide Grid installs; `user`, `view`, `container`, `channel` and `message` are objects or absent.)
INTERACTION_OBJECTS: dict[str, tuple[type, ...]] = {
    "user": (dict,),
    "team": (dict, NULL),
    "enterprise": (dict, NULL),
    "container": (dict,),
    "view": (dict,),
    "message": (dict,),
    "channel": (dict,),
    "state": (dict,),
}
# Every view Slack sends has these, as strings; Bolt indexes `type` of a submitted view.
VIEW_STRINGS = ("id", "type", "callback_id", "private_metadata")
# Inside an event: ID strings, or an object where Slack sends a whole object (user_change, team_join).
EVENT_FIELDS: dict[str, tuple[type, ...]] = {
    "user": (str, dict),
    "channel": (str,),
    "tab": (str,),
    "reaction": (str,),
    "inviter": (str,),
    "item_user": (str,),
    "item": (dict,),
    "view": (dict,),
}
COMMAND_FIELDS = ("command", "text", "user_id", "channel_id")


def malformed_reason(body: bytes, content_type: str) -> str | None:
    """None when an HTTP request body has the shape Slack sends; else a short reason."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if "application/json" in content_type:
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return "body is not JSON"
        return events_api_problem(data)
    form = urllib.parse.parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        for key in COMMAND_FIELDS:
            if key in form and len(form[key]) != 1:
                return f"{key} appears more than once"
        return None
    if len(form["payload"]) != 1:
        return "payload appears more than once"
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return "payload is not JSON"
    return interaction_problem(payload)


def envelope_problem(envelope_type: str, payload: Any) -> str | None:
    """The same rules for a Socket Mode envelope's payload (`events_api`, `interactive`, `slash_commands`)."""
    if envelope_type == "events_api":
        return events_api_problem(payload)
    if envelope_type == "interactive":
        return interaction_problem(payload)
    if envelope_type == "slash_commands":
        if not isinstance(payload, dict):
            return "slash command is not an object"
        for key in COMMAND_FIELDS:
            if key in payload and not isinstance(payload[key], str):
                return f"{key} is not a string"
        return None
    return f"unknown envelope type {envelope_type!r}"


def events_api_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "JSON body is not an object"
    authorizations = data.get("authorizations")
    # Absent on app_uninstalled and tokens_revoked; when present Bolt reads the first one.
    if authorizations is not None and (
        not isinstance(authorizations, list) or not all(isinstance(a, dict) for a in authorizations)
    ):
        return "authorizations is not a list of objects"
    if data.get("type") != "event_callback":
        return None
    event = data.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event is not an object with a type"
    for key, types in EVENT_FIELDS.items():
        if key in event and not isinstance(event[key], types):
            return f"event.{key} has the wrong type"
    user = event.get("user")
    if isinstance(user, dict) and not isinstance(user.get("id"), str):
        return "event.user.id is not a string"
    view = event.get("view")
    if view is not None:
        return _view_problem(view, "event.view")
    return None


def interaction_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "payload is not an object with a type"
    for key, types in INTERACTION_OBJECTS.items():
        if key in payload and not isinstance(payload[key], types):
            return f"{key} has the wrong type"
    user = payload.get("user")
    if user is not None and not isinstance(user.get("id"), str):
        return "user.id is not a string"
    actions = payload.get("actions")
    if payload["type"] == "block_actions" and (not isinstance(actions, list) or not actions):
        return "block_actions without actions"
    if actions is not None:
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            return "actions is not a list of objects"
        for action in actions:
            if not isinstance(action.get("action_id"), str):
                return "action_id is not a string"
            for key in ("block_id", "value"):
                if key in action and action[key] is not None and not isinstance(action[key], str):
                    return f"action {key} is not a string"
    if payload["type"] in ("view_submission", "view_closed") and "view" not in payload:
        return f"{payload['type']} without a view"
    view = payload.get("view")
    if view is not None:
        return _view_problem(view, "view")
    return None


def _view_problem(view: Any, where: str) -> str | None:
    if not isinstance(view, dict):
        return f"{where} is not an object"
    for key in VIEW_STRINGS:
        if not isinstance(view.get(key), str):
            return f"{where}.{key} is not a string"
    state = view.get("state")
    if state is None:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
        return f"{where}.state is not an object"
    for block in state.get("values", {}).values():
        if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
            return f"{where}.state.values has the wrong shape"
    return None
