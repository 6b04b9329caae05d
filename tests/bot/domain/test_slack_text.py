"""Slack's three entities decoded once (bot.domain.slack_text.decode_entities), nothing else touched."""

from __future__ import annotations

import pytest

from bot.domain.slack_text import decode_entities

DECODED = {
    "R&amp;D &lt;Ops&gt;": "R&D <Ops>",
    "&amp;lt;": "&lt;",  # a typed `&lt;`: `&amp;` goes last, so it is not decoded twice
    "&amp;amp;": "&amp;",
    "a & b": "a & b",  # already raw: untouched
    "<@U123>": "<@U123>",  # Slack's own markup stays markup
    "<#C123|general> &amp; <https://example.com|docs>": "<#C123|general> & <https://example.com|docs>",
    "&copy; &quot;x&quot; &#60;": "&copy; &quot;x&quot; &#60;",  # not entities Slack writes: kept as typed
    "&lt;!channel&gt;": "<!channel>",  # a typed `<!channel>` reads as typed; escaping on the way out shows it
    "&LT; &amp": "&LT; &amp",
    "": "",
}


@pytest.mark.parametrize(("sent", "typed"), DECODED.items())
def test_decode_entities(sent: str, typed: str) -> None:
    assert decode_entities(sent) == typed
