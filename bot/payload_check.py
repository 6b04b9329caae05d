"""Shape checks for signed requests before Bolt sees them.

Slack never sends `null` where an object belongs; a request that does (a broken proxy, a fuzzer, a
replayed edit) gets a plain 400 instead of an exception deep inside request parsing.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

OBJECT_KEYS = ("user", "team", "container", "view", "message", "channel", "enterprise")


def malformed_reason(body: bytes, content_type: str) -> str | None:
    """None when the body has the shape Slack sends; else a short reason."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if "application/json" in content_type:
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return "body is not JSON"
        if not isinstance(data, dict):
            return "JSON body is not an object"
        if data.get("type") == "event_callback":
            event = data.get("event")
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                return "event is not an object with a type"
            for key in ("user", "channel", "tab", "reaction", "inviter"):
                if key in event and not isinstance(event[key], str):
                    return f"event.{key} is not a string"
            if "item" in event and not isinstance(event["item"], dict):
                return "event.item is not an object"
        return None
    form = urllib.parse.parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        for key in ("command", "text", "user_id", "channel_id"):
            if key in form and len(form[key]) != 1:
                return f"{key} appears more than once"
        return None
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return "payload is not JSON"
    return _payload_problem(payload)


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "payload is not an object with a type"
    for key in OBJECT_KEYS:
        if key in payload and not isinstance(payload[key], dict):
            return f"{key} is not an object"
    user = payload.get("user")
    if user is not None and not isinstance(user.get("id"), str):
        return "user.id is not a string"
    actions = payload.get("actions")
    if actions is not None:
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            return "actions is not a list of objects"
        for action in actions:
            if not isinstance(action.get("action_id"), str):
                return "action_id is not a string"
            for key in ("block_id", "value"):
                if key in action and action[key] is not None and not isinstance(action[key], str):
                    return f"action {key} is not a string"
    view = payload.get("view")
    if view is not None:
        if "callback_id" in view and not isinstance(view["callback_id"], str):
            return "view.callback_id is not a string"
        if "private_metadata" in view and not isinstance(view["private_metadata"], str):
            return "view.private_metadata is not a string"
        state = view.get("state")
        if state is not None and (not isinstance(state, dict) or not isinstance(state.get("values", {}), dict)):
            return "view.state is not an object"
        values = (state or {}).get("values", {})
        for block in values.values():
            if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
                return "view.state.values has the wrong shape"
    return None
