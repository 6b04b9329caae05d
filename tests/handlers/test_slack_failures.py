"""Slack's failure modes at the edges people see: setup in a channel Pulssi isn't in, who is pulsed, a team
channel Pulssi can't post to, an ephemeral to someone not in the channel, a modal opened too late."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

# Loaded with this module, not inside a test: pytest's rewrite calls ast.parse, which CPython 3.11 cannot run
# beside the app's threads formatting a traceback (SystemError: AST constructor recursion depth mismatch).
import tests.handlers.test_win  # noqa: F401
from storage.models import PulseRound, Team
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team, wait_pulse_dms

MEMBERS = [f"U00{i}" for i in range(1, 8)]
MANAGER = "U001"


def _reply(harness: Harness, needle: str, timeout: float = WAIT_SECONDS) -> str:
    calls = harness.fake.wait_for("response_url", predicate=lambda c: needle in json.dumps(c.params), timeout=timeout)
    return str(calls[-1].params.get("text"))


def _dms_to(harness: Harness, user: str) -> list[str]:
    return [str(c.params.get("text")) for c in harness.fake.calls_to("chat.postMessage") if c.params["channel"] == user]


def _open_home(harness: Harness, user: str) -> str:
    harness.fake.clear_calls()
    harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
    return json.dumps(harness.fake.home_views[user])


def _teams(harness: Harness) -> list[Team]:
    with harness.db.session_scope() as session:
        found = list(session.exec(select(Team)))
        for team in found:
            session.expunge(team)
        return found


@pytest.mark.parametrize(("private", "says"), [(False, "isn't a member of"), (True, "can't see this channel")])
def test_setup_refuses_a_channel_pulssi_is_not_in_with_the_fix(harness: Harness, private: bool, says: str) -> None:
    harness.fake.add_user(ADMIN, is_admin=True)
    for user in MEMBERS:
        harness.fake.add_user(user)
    harness.fake.add_channel(CHANNEL, "support", MEMBERS, is_private=private)
    harness.fake.remove_bot_from_channel(CHANNEL)
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL, channel_name="support")
    text = _reply(harness, "/invite @Pulssi")
    assert says in text
    assert _teams(harness) == []  # refused: no team that could never get its results
    # Invited: setup works.
    harness.fake.clear_injected_errors()
    harness.fake.add_channel(CHANNEL, "support", [*MEMBERS, "UBOT"], is_private=private)
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL, channel_name="support")
    _reply(harness, "is now the Pulssi team")
    assert [t.channel_id for t in _teams(harness)] == [CHANNEL]


def test_home_setup_refuses_a_channel_pulssi_is_not_in(harness: Harness) -> None:
    harness.fake.add_user(ADMIN, is_admin=True)
    harness.fake.add_channel("C0PUBLIC", "public", ["U001"])
    harness.fake.remove_bot_from_channel("C0PUBLIC")
    values = {"channel": {"value": {"type": "conversations_select", "selected_conversation": "C0PUBLIC"}}}
    refused = harness.sender.view_submission(user_id=ADMIN, callback_id="home_setup_modal", values=values)
    assert "/invite @Pulssi" in refused.json()["errors"]["channel"]
    harness.fake.add_channel("C0OLD", "old", ["U001"])
    harness.fake.archive_channel("C0OLD")
    values = {"channel": {"value": {"type": "conversations_select", "selected_conversation": "C0OLD"}}}
    refused = harness.sender.view_submission(user_id=ADMIN, callback_id="home_setup_modal", values=values)
    assert "archived" in refused.json()["errors"]["channel"]
    assert _teams(harness) == []


def _mixed_channel(harness: Harness, *, admin_locale: str = "en-US") -> None:
    harness.fake.add_user(ADMIN, is_admin=True, locale=admin_locale)
    for user in MEMBERS:
        harness.fake.add_user(user)
    harness.fake.add_guest("UGUEST")
    harness.fake.add_external_user("UEXT")
    harness.fake.add_channel(CHANNEL, "support", [*MEMBERS, "UGUEST", "UEXT", "UBOT"])


@BOTH_BACKENDS
def test_setup_says_who_is_pulsed_and_guests_and_other_orgs_are_left_out(harness: Harness) -> None:
    _mixed_channel(harness)
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL, channel_name="support")
    text = _reply(harness, "in the channel")
    assert "10 in the channel: 7 pulsed, 1 guest, 1 from another organisation, 1 bot." in text
    assert "with 7 members" in text
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    _reply(harness, "Round 1")
    dms = wait_pulse_dms(harness, len(MEMBERS))
    assert sorted(dms) == MEMBERS  # no DM to the guest or the external person
    with harness.db.session_scope() as session:
        assert session.exec(select(PulseRound)).one().invited == len(MEMBERS)  # nor do they count toward k


def test_setup_counts_in_finnish_with_bots_and_deactivated_accounts(harness: Harness) -> None:
    _mixed_channel(harness, admin_locale="fi-FI")
    harness.fake.add_guest("UGUEST2", single_channel=True)
    harness.fake.add_external_user("USTRANGER", team_id="T0001", is_stranger=True)
    harness.fake.add_deactivated_user("UGONE")  # trimmed, as Slack sends it: no tz, no is_restricted
    harness.fake.add_user("UOTHERBOT", is_bot=True)
    harness.fake.add_channel(
        CHANNEL, "support", [*MEMBERS, "UGUEST", "UGUEST2", "UEXT", "USTRANGER", "UGONE", "UOTHERBOT", "UBOT"]
    )  # replaces _mixed_channel's channel
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL, channel_name="support")
    text = _reply(harness, "Kanavalla")
    assert (
        "Kanavalla 14: 7 saa pulssin, 2 vierasta, 2 toisista organisaatioista, 2 bottia, 1 poistettu tili." in text
    ), text


@BOTH_BACKENDS
@pytest.mark.parametrize(
    ("problem", "fix"),
    [("not_in_channel", "/invite @Pulssi"), ("channel_not_found", "/invite @Pulssi"), ("is_archived", "archived")],
)
def test_a_channel_pulssi_cannot_post_in_is_told_to_the_teams_setters(harness: Harness, problem: str, fix: str) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U001>", user_id=ADMIN, channel_id=CHANNEL)
    _reply(harness, "Managers")
    if problem == "is_archived":
        harness.fake.archive_channel(CHANNEL)
    else:
        harness.fake.inject_error(problem, method="chat.postMessage", channel=CHANNEL)
    for number in (1, 2):
        harness.fake.clear_calls()
        harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
        _reply(harness, f"Round {number}")
        # The manager is not pulsed as a member of the team they manage.
        harness.fake.wait_for("chat.postMessage", count=len(MEMBERS) - 1, predicate=lambda c: "metadata" in c.params)
        harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
        _reply(harness, "closed")
        harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == CHANNEL)
        if number == 1:
            # Whoever set the team up and its manager learn the fix by DM, in their own DM.
            harness.fake.wait_for(
                "chat.postMessage",
                count=2,
                predicate=lambda c: c.params["channel"] in (ADMIN, MANAGER) and "couldn't post" in c.params["text"],
            )
            for person in (ADMIN, MANAGER):
                [dm] = [text for text in _dms_to(harness, person) if "couldn't post" in text]
                assert fix in dm and f"<#{CHANNEL}>" in dm
        else:
            assert not [t for p in (ADMIN, MANAGER) for t in _dms_to(harness, p) if "couldn't post" in t]  # once
    assert fix in _open_home(harness, ADMIN)
    assert fix in _open_home(harness, MANAGER)
    assert "couldn't post" not in _open_home(harness, "U002")
    # Fixed and set up again: the notice is gone.
    harness.fake.clear_injected_errors()
    harness.fake.add_channel(CHANNEL, "support", [*MEMBERS, "UBOT"])
    harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=CHANNEL, channel_name="support")
    _reply(harness, "already the team")
    assert "couldn't post" not in _open_home(harness, ADMIN)


def test_an_ephemeral_to_someone_not_in_the_channel_becomes_a_dm(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.add_user("UOUTSIDER", is_admin=True)  # an admin managing the team from Home, not in its channel
    harness.fake.inject_error("user_not_in_channel", method="chat.postEphemeral", user="UOUTSIDER")
    with harness.db.session_scope() as session:
        team_id = str(session.exec(select(Team)).one().id)
    values: dict[str, Any] = {
        "cadence": {"value": {"type": "static_select", "selected_option": {"value": "1"}}},
        "weekday": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
        "time": {"value": {"type": "plain_text_input", "value": "10:30"}},
    }
    harness.sender.view_submission(
        user_id="UOUTSIDER", callback_id="pulse_schedule_modal", values=values, private_metadata=team_id
    )
    [dm] = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == "UOUTSIDER")
    assert "Pulses for *support* go out" in dm.params["text"]
    assert len(harness.fake.calls_to("chat.postEphemeral")) == 1  # tried once, then the DM


def test_an_expired_trigger_gets_a_friendly_retry_message(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.inject_error("expired_trigger_id", method="views.open", times=1)
    harness.sender.command("/pulse", "schedule", user_id=ADMIN, channel_id=CHANNEL)
    assert "took too long" in _reply(harness, "took too long")
    assert not [c for c in harness.fake.calls_to("response_url") if "went wrong" in json.dumps(c.params)]
    harness.sender.command("/pulse", "schedule", user_id=ADMIN, channel_id=CHANNEL)  # the retry works
    assert harness.fake.wait_for("views.open", count=2)[1].params["view"]["callback_id"] == "pulse_schedule_modal"


def test_a_wins_channel_pulssi_left_is_told_to_the_setters_and_cleared_by_a_good_post(harness: Harness) -> None:
    from tests.handlers.test_win import ENGLISH_STORY, state, submit

    make_team(harness, MEMBERS)
    harness.fake.add_channel("C0WINS", "wins", [*MEMBERS, "UBOT"])
    harness.sender.command("/pulse", "winschannel <#C0WINS|wins>", user_id=ADMIN, channel_id=CHANNEL)
    _reply(harness, "celebrated in")
    harness.fake.remove_bot_from_channel("C0WINS")
    submit(harness, "U002", state(ENGLISH_STORY))
    [dm] = harness.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params["channel"] == ADMIN and "couldn't post" in c.params["text"]
    )
    assert "<#C0WINS>" in dm.params["text"] and "/invite @Pulssi" in dm.params["text"]
    assert "/invite @Pulssi" in _open_home(harness, ADMIN)
    harness.fake.join_channel("C0WINS", "UBOT")  # invited back
    submit(harness, "U003", state(ENGLISH_STORY), view_id="VWIN2")
    harness.fake.wait_for("chat.postEphemeral")  # "thanks for sharing": after the post went through
    assert "/invite @Pulssi" not in _open_home(harness, ADMIN)
