"""The shell's workspace rule, table-driven."""

from __future__ import annotations

import pytest

from bot.domain.workspaces import InstallationKey, choose_workspace, installation_key, is_org_install


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


@pytest.mark.parametrize(
    ("workspace_id", "enterprise_id", "key"),
    [
        ("T1", None, InstallationKey(None, "T1", False)),  # a workspace outside Grid
        ("T1", "E1", InstallationKey("E1", "T1", False)),  # a Grid workspace install
        ("E1", "E1", InstallationKey("E1", None, True)),  # an org-wide install: one row for the org
        ("E1", None, InstallationKey("E1", None, True)),  # before its row knows the org
    ],
)
def test_installation_key(workspace_id: str, enterprise_id: str | None, key: InstallationKey) -> None:
    assert installation_key(workspace_id, enterprise_id) == key
    assert is_org_install(workspace_id) is key.is_enterprise_install
