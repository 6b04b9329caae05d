"""One source for each rule: the three needs, the answer scales, a team's schedule, the time-zone fallback and
the default zone are each defined in one module, and every other module imports them from there.

Like tests/security/test_one_anonymity_rule.py does for k, these scan the code (bot/ and handlers/; migrations
are frozen history and keep their own copies) for the shapes a second copy takes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDS = {"autonomy", "competence", "belonging"}


def _python_files() -> Iterator[Path]:
    for package in ("bot", "handlers"):
        yield from (ROOT / package).rglob("*.py")


def needs_literals(tree: ast.AST) -> list[int]:
    """Lines of a tuple, list or set literal naming all three needs."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)} >= NEEDS
    ]


def scale_literals(tree: ast.AST) -> list[int]:
    """Lines of an answer scale written out: range(1, 6), range(0, 11), range(11), (1, 2, 3, 4, 5)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if args in ([1, 6], [0, 11], [11]):
                found.append(node.lineno)
        elif isinstance(node, ast.Tuple | ast.List) and [e.value for e in node.elts if isinstance(e, ast.Constant)] == [
            1,
            2,
            3,
            4,
            5,
        ]:
            found.append(node.lineno)
    return found


def at_time_parsing(tree: ast.AST) -> list[int]:
    """Lines reading a stored "HH:MM" (`….at_time.split(…)`): a second schedule lookup."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "at_time"
    ]


def zoneinfo_calls(tree: ast.AST) -> list[int]:
    """Lines building a ZoneInfo directly, without the fallback for an unknown or empty zone name."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "ZoneInfo")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "ZoneInfo")
        )
    ]


def default_zone_literals(tree: ast.AST) -> list[int]:
    return [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value == "Europe/Helsinki"
    ]


# (scanner, the one module allowed to hold it, what to use elsewhere)
RULES = {
    "needs": (needs_literals, {"bot/domain/questions.py"}, "bot.domain.questions.NEEDS"),
    "answer scales": (scale_literals, {"bot/domain/questions.py"}, "AGREEMENT_SCALE, ENPS_SCALE, validate_answer"),
    "schedule lookup": (at_time_parsing, {"bot/domain/schedule.py"}, "bot.domain.schedule.schedule_of"),
    # settings.py checks DEFAULT_TIMEZONE names a zone (and stops the start if not); it needs no fallback.
    "time-zone fallback": (zoneinfo_calls, {"bot/domain/schedule.py", "bot/settings.py"}, "bot.domain.schedule.zone"),
    "default zone": (default_zone_literals, {"bot/timeutil.py"}, "bot.timeutil.DEFAULT_TIMEZONE"),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_is_defined_once(rule: str) -> None:
    scanner, home, use = RULES[rule]
    offenders = {}
    for path in _python_files():
        name = str(path.relative_to(ROOT))
        if name in home:
            continue
        lines = scanner(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[name] = lines
    assert offenders == {}, f"{rule}: use {use} instead of a copy: {offenders}"
    # The home module still holds it (else the scanner has gone blind).
    assert any(scanner(ast.parse((ROOT / module).read_text(encoding="utf-8"))) for module in home), rule


@pytest.mark.parametrize(
    ("source", "rule", "found"),
    [
        ('NEEDS = ("autonomy", "competence", "belonging")', "needs", True),
        ('for need in ["belonging", "autonomy", "competence", "enps"]: pass', "needs", True),
        ('x = ("autonomy", "competence")', "needs", False),
        ("ok = value in range(1, 6)", "answer scales", True),
        ("buttons = [b(v) for v in range(0, 11)]", "answer scales", True),
        ("scale = (1, 2, 3, 4, 5)", "answer scales", True),
        ("weeks = range(1, 13)", "answer scales", False),
        ('h, m = team.at_time.split(":")', "schedule lookup", True),
        ('h, m = text.split(":")', "schedule lookup", False),
        ("zone = ZoneInfo(team.timezone)", "time-zone fallback", True),
        ("zone = zoneinfo.ZoneInfo(name)", "time-zone fallback", True),
        ("zone = schedule.zone(name, fallback)", "time-zone fallback", False),
        ('tz = person.tz or "Europe/Helsinki"', "default zone", True),
    ],
)
def test_the_scanners_find_a_copy(source: str, rule: str, found: bool) -> None:
    assert bool(RULES[rule][0](ast.parse(source))) is found
