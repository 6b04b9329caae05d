"""Text as Slack sends it, read back as the person typed it."""

from __future__ import annotations


def decode_entities(text: str) -> str:
    """Slack's three entities (`&lt;`, `&gt;`, `&amp;`) back to `<`, `>` and `&`, and nothing else.

    Slack escapes exactly these in the text it sends (a slash command's `text`, a message's `text`); its own
    markup (`<@U…>`, `<#C…|name>`, `<http…|label>`) comes as real `<…>` and stays. `&amp;` goes last, so a
    typed `&lt;` (sent as `&amp;lt;`) stays `&lt;`. Not html.unescape: a typed `&copy;` is not an entity
    Slack wrote. Modal input values come raw and must not pass through here."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
