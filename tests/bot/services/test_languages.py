"""Stored language choices on both databases: per person and workspace, per team, each workspace apart."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlmodel import select

from bot.services import languages
from storage.models import Membership, Person, Team
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness


def add_team(harness: Harness, workspace: str, channel: str, language: str | None) -> int:
    with harness.db.session_scope() as session:
        team = Team(
            workspace_id=workspace, channel_id=channel, channel_name=channel, name=channel, language=language,
            created_at=datetime(2026, 1, 5, tzinfo=UTC),
        )  # fmt: skip
        session.add(team)
        session.flush()
        assert team.id is not None
        return team.id


@BOTH_BACKENDS
def test_person_language_follows_the_rule_with_stored_values(harness: Harness) -> None:
    deps = harness.deps
    harness.fake.add_user("UFI")  # en-US
    harness.fake.add_user("UDE", locale="de-DE")
    finnish_team = add_team(harness, "T0001", "C1", "fi")
    with harness.db.session_scope() as session:
        session.add(Membership(workspace_id="T0001", user_id="UDE", team_id=finnish_team))
        session.add(Membership(workspace_id="T0001", user_id="UFI", team_id=finnish_team))

    # No choice: en-US is a locale Pulssi has; de-DE is not, so the team's Finnish comes next.
    assert languages.person_language(deps, "T0001", "UFI").language == "en"
    assert languages.person_language(deps, "T0001", "UDE") == languages.PersonLanguage("fi", "team", None)

    languages.set_person_language(deps, "T0001", "UFI", "fi")
    assert languages.person_language(deps, "T0001", "UFI") == languages.PersonLanguage("fi", "chosen", "fi")
    # The choice is per workspace, as every per-person setting is.
    assert languages.person_language(deps, "T0002", "UFI").language == "en"

    languages.set_person_language(deps, "T0001", "UFI", None)
    assert languages.person_language(deps, "T0001", "UFI").source == "slack"
    with harness.db.session_scope() as session:
        rows = session.exec(select(Person).where(Person.user_id == "UFI")).all()
        assert [(p.workspace_id, p.language) for p in rows] == [("T0001", None)]

    # Forgetting a choice that was never made stores nothing.
    languages.set_person_language(deps, "T0001", "UDE", None)
    with harness.db.session_scope() as session:
        assert session.exec(select(Person).where(Person.user_id == "UDE")).first() is None


@BOTH_BACKENDS
def test_team_language_is_per_team_with_the_default_for_none(harness: Harness) -> None:
    deps = harness.deps
    finnish = add_team(harness, "T0001", "C1", "fi")
    unset = add_team(harness, "T0001", "C2", None)
    other_workspace = add_team(harness, "T0002", "C3", "fi")
    assert languages.team_language(deps, "T0001", finnish) == "fi"
    assert languages.team_language(deps, "T0001", unset) == "en"
    assert languages.team_language(deps, "T0001", None) == "en"
    # Another workspace's team is not found through this one.
    assert languages.team_language(deps, "T0001", other_workspace) == "en"


@BOTH_BACKENDS
def test_a_double_click_on_a_language_for_a_new_person_stores_one_row(harness: Harness) -> None:
    harness.fake.add_user("UNEW")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def choose() -> None:
        try:
            start.wait()
            languages.set_person_language(harness.deps, "T0001", "UNEW", "fi")
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=choose) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with harness.db.session_scope() as session:
        rows = session.exec(select(Person).where(Person.user_id == "UNEW")).all()
        assert [(p.workspace_id, p.language) for p in rows] == [("T0001", "fi")]
