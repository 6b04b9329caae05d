"""The shell's workspace rule, table-driven."""

from __future__ import annotations

import pytest

from bot.domain.workspaces import choose_workspace


@pytest.mark.parametrize(
    ("known", "requested", "may_create", "chosen", "problem"),
    [
        ([], None, False, None, "empty"),
        ([], None, True, None, "empty"),
        ([], "T1", False, None, "empty"),
        ([], "T1", True, "T1", None),  # the first import may name its workspace
        (["T1"], None, False, "T1", None),  # the only one needs no --workspace
        (["T1"], "T1", False, "T1", None),
        (["T1"], " T1 ", False, "T1", None),
        (["T1"], "T2", False, None, "unknown"),  # a typo never starts an orphan workspace
        (["T1"], "T2", True, None, "unknown"),
        (["T2", "T1"], None, False, None, "several"),
        (["T2", "T1"], "T2", False, "T2", None),
    ],
)
def test_choose_workspace(
    known: list[str], requested: str | None, may_create: bool, chosen: str | None, problem: str | None
) -> None:
    choice = choose_workspace(known, requested, may_create=may_create)
    assert (choice.workspace_id, choice.problem) == (chosen, problem)
    assert choice.known == tuple(sorted(known))
