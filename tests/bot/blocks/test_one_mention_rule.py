"""A mention is written in one place, bot.blocks.mention, which turns only an id-shaped value into `<@…>`.

A hand-built `f"<@{user_id}>"` elsewhere is how an id from a crafted submission (`U1> <!channel`) would
reach a channel as a broadcast; this walks the syntax trees of bot/ and handlers/ and refuses any f-string,
concatenation, `%` or `.format` that writes the literal `<@` (a regex that reads mentions is fine).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.blocks.tough import lesson_post_blocks, manager_dm, tough_modal
from bot.i18n import translator

ROOT = Path(__file__).resolve().parents[3]
RULE = ROOT / "bot" / "blocks" / "__init__.py"
FORGED = "U1> <!channel"


def _writes_mention(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and "<@" in node.value


def hand_built_mentions(source: str, *, allowed_function: str | None = None) -> list[int]:
    """Lines that build a `<@…>` string by hand, outside the function named `allowed_function`."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == allowed_function:
            allowed.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            built = any(_writes_mention(part) for part in node.values)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            built = _writes_mention(node.left) or (isinstance(node.op, ast.Add) and _writes_mention(node.right))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            built = _writes_mention(node.func.value)
        else:
            continue
        if built and node.lineno not in allowed:
            found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('x = f"<@{user}>"', True),
        ('x = f"• <@{w.author_id}>: {text}"', True),
        ('x = "<@" + user + ">"', True),
        ('x = prefix + "<@"', True),
        ('x = "<@%s>" % user', True),
        ('x = "<@{}>".format(user)', True),
        ("x = mention(user)", False),
        ('pattern = re.compile(r"<@(\\w+)>")', False),
        ('x = f"<#{channel}>"', False),
        ('def mention(u):\n    return f"<@{u}>"', False),
    ],
)
def test_the_scanner_finds_a_hand_built_mention(source: str, found: bool) -> None:
    assert bool(hand_built_mentions(source, allowed_function="mention")) is found


def test_only_bot_blocks_mention_writes_a_mention() -> None:
    offenders = {}
    for package in ("bot", "handlers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            allowed = "mention" if path == RULE else None
            if lines := hand_built_mentions(path.read_text(encoding="utf-8"), allowed_function=allowed):
                offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}, f"write mentions with bot.blocks.mention (or mentions), not by hand: {offenders}"


def test_the_rule_itself_is_seen_by_the_scanner() -> None:
    """The exemption is the definition alone: without it, the scanner flags `mention`'s own f-string."""
    assert hand_built_mentions(RULE.read_text(encoding="utf-8"))


def _texts(value: object) -> list[str]:
    """Every text Slack shows in a Block Kit structure (not the values buttons and options carry back)."""
    if isinstance(value, dict):
        return [
            *([value["text"]] if isinstance(value.get("text"), str) else []),
            *(text for key, inner in value.items() if key != "value" for text in _texts(inner)),
        ]
    if isinstance(value, list):
        return [text for inner in value for text in _texts(inner)]
    return []


def test_tough_blocks_show_a_forged_id_as_text() -> None:
    t = translator("en")
    _, blocks = manager_dm(t, request_id=1, person=FORGED, what=None, managers=["UMGR", FORGED], acknowledged_by=FORGED)
    shown = " ".join(_texts([blocks, lesson_post_blocks(t, "A lesson", FORGED), tough_modal(t, managers=[FORGED])]))
    assert "<!channel" not in shown and shown.count("U1&gt; &lt;!channel") >= 5
    assert "<@UMGR>" in shown  # an id-shaped value is still a mention
