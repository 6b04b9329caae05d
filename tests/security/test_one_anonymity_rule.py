"""The k-threshold is compared in bot/domain/anonymity alone: every other module calls it.

A second `n >= k` somewhere is how a report, Home or an export drifted from the rule before (Home showed
"3 of 4"); this walks the code's syntax trees and refuses any comparison that involves the threshold.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULE = ROOT / "bot" / "domain" / "anonymity.py"
SCANNED = ("bot", "handlers", "storage")
# Names a threshold goes by in this code base; a comparison touching one of them applies the rule.
THRESHOLD_NAME = re.compile(r"^(k|anonymity_min|min_anonymity|anonymity_threshold|threshold|ANONYMITY_MIN)$", re.I)
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _mentions_threshold(node: ast.AST) -> bool:
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and THRESHOLD_NAME.match(part.id):
            return True
        if isinstance(part, ast.Attribute) and THRESHOLD_NAME.match(part.attr):
            return True
        # bindparam("k"): the threshold handed to SQL
        if isinstance(part, ast.Call) and any(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) and THRESHOLD_NAME.match(arg.value)
            for arg in part.args
        ):
            return True
    return False


def threshold_comparisons(source: str) -> list[int]:
    """Line numbers of ordering comparisons (<, <=, >, >=) with the threshold on either side."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare) or not any(isinstance(op, ORDERING) for op in node.ops):
            continue
        if any(_mentions_threshold(side) for side in (node.left, *node.comparators)):
            lines.append(node.lineno)
    return lines


def _python_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py") if p != RULE)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("ok = answered >= k", True),
        ("ok = result.answered < deps.settings.anonymity_min", True),
        ("enough = column >= bindparam('k')", True),
        ("ok = 3 <= n < k", True),
        ("ok = is_reportable(answered, k)", False),
        ("ok = len(rows) >= 5", False),
        ("ok = weeks >= 1", False),
    ],
)
def test_the_scanner_finds_a_threshold_comparison(source: str, found: bool) -> None:
    assert bool(threshold_comparisons(source)) is found


def test_no_module_but_anonymity_compares_against_the_threshold() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in _python_files()
        if (lines := threshold_comparisons(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"apply k through bot.domain.anonymity, not by hand: {offenders}"


@pytest.mark.parametrize(
    "module",
    [
        "bot/services/home.py",  # Home
        "bot/services/export.py",  # the export
        "bot/services/reports.py",  # /cxreport, the CLI, JSON and digests (digests are built by build_report)
        "bot/domain/report.py",  # the report model every renderer reads
        "handlers/pulse_team.py",  # /pulse status and close
    ],
)
def test_every_surface_calls_the_rule(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    names = {"anonymity", "is_reportable", "reportable_condition", "reportable_count"}
    imported = any(
        isinstance(node, ast.ImportFrom)
        and node.module in ("bot.domain.anonymity", "bot.domain")
        and any(alias.name in names for alias in node.names)
        for node in ast.walk(tree)
    )
    assert imported, f"{module} must take k from bot.domain.anonymity"
