"""The one escaping rule for people's text in Slack (bot.blocks.escape), and the CX feed's quoting rule."""

from __future__ import annotations

import pytest

from bot.blocks import escape
from bot.blocks.cxfeed import quotable_header

ESCAPED = {
    "plain words": "plain words",
    "<!channel>": "&lt;!channel&gt;",
    "<!here|here>": "&lt;!here|here&gt;",
    "<@U123>": "&lt;@U123&gt;",
    "<#C123|general>": "&lt;#C123|general&gt;",
    "<http://evil.example|docs.example.com>": "&lt;http://evil.example|docs.example.com&gt;",
    "R&D": "R&amp;D",
    "a && b": "a &amp;&amp; b",
    "&#60;!channel&#62;": "&amp;#60;!channel&amp;#62;",  # numeric entities are neutralised too
    # Entities Slack itself writes for escaped input stay as they are (escaping twice changes nothing).
    "&lt;!here&gt; &amp; co": "&lt;!here&gt; &amp; co",
    "&amp": "&amp;amp",
    "": "",
}


@pytest.mark.parametrize(("text", "expected"), ESCAPED.items())
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected
    assert escape(escape(text)) == expected
    assert "<" not in escape(text) and ">" not in escape(text)


QUOTABLE = {
    ("date", "nps", "team"): True,
    ("Score", "Comment"): True,
    ("SLACK_BOT_TOKEN=xoxb-1",): False,  # one cell is no table: a .env line
    ("PATH=/usr/bin\x00HOME=/root\x00SECRET=1", "x"): False,  # /proc/self/environ is NUL-separated
    ("a" * 81, "b"): False,
    tuple(f"c{i}" for i in range(61)): False,
    (): False,
}


@pytest.mark.parametrize(("columns", "quotable"), QUOTABLE.items())
def test_only_a_table_header_is_quoted(columns: tuple[str, ...], quotable: bool) -> None:
    assert (quotable_header(list(columns)) is not None) is quotable
