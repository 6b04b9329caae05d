"""Languages from Pulssi's own settings, end to end: `/pulse language`, the buttons in the first DM and on
Home, a team's language for its channel posts, DEFAULT_LANGUAGE; `/pulse whoami`; a bare `/cxreport`."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.i18n import translate
from bot.services import outbox
from storage.models import Person, Team
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness, running_app
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms
from tests.slack.fake_slack import FakeSlack

MEMBERS = ["U001", "U002", "U003", "U004", "U005", "U006"]
# The machine running the tests may be busy: waits are generous (they end as soon as the call is seen).
WAIT = WAIT_SECONDS
FINN = "U001"  # Slack locale en-US (the fake's default), as for every Finnish speaker: Slack has no Finnish


def fi(key: str, **params: object) -> str:
    text = translate("fi", key, **params)
    assert text != translate("en", key, **params), f"{key} reads the same in both languages: a useless check"
    return text


def en(key: str, **params: object) -> str:
    return translate("en", key, **params)


def command_reply(harness: Harness, command: str, text: str, user: str, channel: str = CHANNEL) -> dict[str, Any]:
    """Send a slash command and return what it answered through its response_url."""
    key = f"{command}-{text}-{user}-{len(harness.fake.calls)}"
    harness.sender.command(command, text, user_id=user, channel_id=channel, response_key=key)
    [call] = harness.fake.wait_for("response_url", predicate=lambda c: c.params.get("key") == key, timeout=WAIT)
    return dict(call.params)


def open_home(harness: Harness, user: str) -> str:
    before = len([c for c in harness.fake.calls_to("views.publish") if c.params.get("user_id") == user])
    harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for(
        "views.publish", timeout=WAIT, count=before + 1, predicate=lambda c: c.params.get("user_id") == user
    )
    return json.dumps(harness.fake.home_views[user], ensure_ascii=False)


def dm_messages(harness: Harness, user: str) -> list[dict[str, Any]]:
    return [m for (channel, _ts), m in sorted(harness.fake.messages.items()) if channel in (user, "D" + user)]


def stored_person_language(harness: Harness, user: str) -> str | None:
    with harness.db.session_scope() as session:
        person = session.exec(select(Person).where(Person.workspace_id == "T0001", Person.user_id == user)).first()
        return person.language if person else None


@BOTH_BACKENDS
def test_a_finnish_speaker_who_chose_finnish_gets_everything_in_finnish(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    # Before choosing: Slack says en-US, so Pulssi speaks English.
    assert command_reply(harness, "/pulse", "help", FINN)["text"] == en("core.help.title")

    reply = command_reply(harness, "/pulse", "language fi", FINN)
    assert reply["text"] == fi("language.set.done", language="suomi")
    assert stored_person_language(harness, FINN) == "fi"

    # Help.
    help_reply = command_reply(harness, "/pulse", "help", FINN)
    assert help_reply["text"] == fi("core.help.title")
    assert fi("core.help.cmd.language") in json.dumps(help_reply["blocks"], ensure_ascii=False)

    # The pulse DM (with the first-time note), while a colleague with the same Slack locale gets English.
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS), timeout=WAIT)
    finn_dms = dm_messages(harness, FINN)
    assert [m["text"] for m in finn_dms] == [fi("pulsedm.onboarding.text"), fi("pulsedm.fallback")]
    assert fi("pulse.need.autonomy") in json.dumps(dms[FINN][2], ensure_ascii=False)
    assert [m["text"] for m in dm_messages(harness, "U002")] == [
        en("pulsedm.onboarding.text"),
        en("pulsedm.fallback"),
    ]

    # The reminder halfway through the window (they haven't answered yet).
    harness.clock.advance(timedelta(days=1, hours=23))
    reminded = 0
    deadline = time.monotonic() + WAIT
    while reminded < len(MEMBERS) and time.monotonic() < deadline:
        reminded += outbox.send_due_reminders(harness.deps)  # a DM is marked sent just after Slack has it
        time.sleep(0.05)
    assert reminded == len(MEMBERS)
    assert dm_messages(harness, FINN)[-1]["text"] == fi("pulsedm.reminder.text")
    assert dm_messages(harness, "U002")[-1]["text"] == en("pulsedm.reminder.text")

    # Answer confirmations: private notes in Finnish (the DM itself never changes when someone answers).
    harness.fake.clear_calls()
    for question in ("autonomy", "competence", "belonging"):
        assert click(harness, FINN, dms[FINN], question, 4).status == 200
    notes = harness.fake.wait_for("chat.postEphemeral", timeout=WAIT, count=3)
    assert {n.params["text"] for n in notes} == {
        fi("pulsedm.recorded", question=fi(f"pulse.need.{need}"), value=4)
        for need in ("autonomy", "competence", "belonging")
    }
    assert not harness.fake.calls_to("chat.update")

    # From here on FINN also manages the team (a manager is not pulsed with the team they manage).
    command_reply(harness, "/pulse", "managers <@U001>", ADMIN)

    # Home, with where they are and the language choice.
    home = open_home(harness, FINN)
    assert fi("home.open_round") in home
    assert fi("whereami.language", language="suomi", source=fi("language.source.chosen")) in home
    assert en("home.open_round") not in home

    # /win opens the Finnish modal.
    harness.sender.command("/win", "", user_id=FINN, channel_id=CHANNEL)
    [opened] = harness.fake.wait_for("views.open", timeout=WAIT)
    assert opened.params["view"]["title"]["text"] == fi("win.modal.title")

    # /cxreport: the reply and the note saying which team it chose.
    report = command_reply(harness, "/cxreport", "", FINN)
    text = json.dumps(report, ensure_ascii=False)
    assert fi("whereami.report.channel_team", team="support") in text
    assert fi("report.chart.sent_dm") in text
    assert en("report.chart.sent_dm") not in text
    harness.fake.wait_for("files.completeUploadExternal", timeout=WAIT)  # the chart DM, in Finnish too
    [chart] = harness.fake.uploaded_files
    assert chart.title is not None
    assert chart.title.startswith(fi("report.title", team="support", start="S", end="E").split("S–E")[0])

    # /pulse whoami and an unknown subcommand.
    whoami = json.dumps(command_reply(harness, "/pulse", "whoami", FINN), ensure_ascii=False)
    assert fi("whereami.title") in whoami and fi("whereami.role.manager", teams="support") in whoami
    assert command_reply(harness, "/pulse", "blah", FINN)["text"] == fi("core.help.unknown", command="blah")

    # Back to English, then to what Slack and the team say.
    assert command_reply(harness, "/pulse", "language en", FINN)["text"] == en("language.set.done", language="English")
    assert command_reply(harness, "/pulse", "help", FINN)["text"] == en("core.help.title")
    cleared = command_reply(harness, "/pulse", "language auto", FINN)
    assert cleared["text"] == en("language.reset.done", language="English")
    assert stored_person_language(harness, FINN) is None


def test_language_command_shows_the_current_one_and_refuses_what_it_lacks(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    shown = command_reply(harness, "/pulse", "language", FINN)
    assert shown["text"] == en("language.current", language="English", source=en("language.source.slack"))
    assert "language_choose_fi" in json.dumps(shown["blocks"])
    refused = command_reply(harness, "/pulse", "language sv", FINN)
    assert refused["text"].startswith(en("language.unknown", value="sv"))
    assert stored_person_language(harness, FINN) is None
    # The Finnish alias of the command and of the language.
    assert command_reply(harness, "/pulse", "kieli Suomi", FINN)["text"] == fi("language.set.done", language="suomi")


def test_the_first_dm_and_home_offer_both_languages_and_a_click_sets_it(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, len(MEMBERS), timeout=WAIT)
    onboarding = dm_messages(harness, FINN)[0]
    assert onboarding["text"] == en("pulsedm.onboarding.text")
    offered = json.dumps(onboarding["blocks"], ensure_ascii=False)
    assert en("language.choice.prompt") in offered and fi("language.choice.prompt") in offered
    assert "language_choose_en" in offered and "language_choose_fi" in offered

    home = open_home(harness, FINN)
    assert en("language.choice.prompt") in home and fi("language.choice.prompt") in home

    # The Finnish button in the DM: the choice is stored, confirmed in Finnish, and Home follows.
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id=FINN,
        action_id="language_choose_fi",
        value="fi",
        block_id="language_choice",
        channel_id="D" + FINN,
        container={"type": "message", "channel_id": "D" + FINN, "message_ts": "1.0", "is_ephemeral": False},
        response_key="dm-choice",
    )
    [confirmed] = harness.fake.wait_for(
        "response_url", timeout=WAIT, predicate=lambda c: c.params.get("key") == "dm-choice"
    )
    assert confirmed.params["text"] == fi("language.set.done", language="suomi")
    assert stored_person_language(harness, FINN) == "fi"
    harness.fake.wait_for("views.publish", timeout=WAIT, predicate=lambda c: c.params.get("user_id") == FINN)
    assert fi("home.open_round") in json.dumps(harness.fake.home_views[FINN], ensure_ascii=False)

    # The English button on Home: no message, Home republished in English.
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id=FINN, action_id="language_choose_en", value="en", container={"type": "view", "view_id": "VHOME"}
    )
    harness.fake.wait_for("views.publish", timeout=WAIT, predicate=lambda c: c.params.get("user_id") == FINN)
    assert stored_person_language(harness, FINN) == "en"
    assert en("home.open_round") in json.dumps(harness.fake.home_views[FINN], ensure_ascii=False)
    assert not harness.fake.calls_to("response_url")


@BOTH_BACKENDS
def test_team_language_is_set_by_managers_and_admins_and_used_for_channel_posts(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    # A member who is not a manager is refused, and nothing changes.
    refused = command_reply(harness, "/pulse", "language team fi", "U002")
    assert refused["text"] == en("core.refusal.admins_or_managers", managers=en("core.none"))
    refused_bad = command_reply(harness, "/pulse", "language team sv", ADMIN)
    assert refused_bad["text"].startswith(en("language.unknown", value="sv"))
    with harness.db.session_scope() as session:
        assert session.exec(select(Team.language)).one() is None

    done = command_reply(harness, "/pulse", "language team fi", ADMIN)
    assert done["text"] == en("language.team.done", channel=CHANNEL, team="support", language="Finnish")
    with harness.db.session_scope() as session:
        assert session.exec(select(Team.language)).one() == "fi"

    # A member whose Slack locale Pulssi doesn't have, and who chose nothing, gets the team's language;
    # one whose locale Pulssi has (en-US) keeps English.
    harness.fake.add_user("U002", locale="de-DE")
    harness.deps.users.forget("U002")
    assert command_reply(harness, "/pulse", "help", "U002")["text"] == fi("core.help.title")
    assert command_reply(harness, "/pulse", "help", "U003")["text"] == en("core.help.title")

    # The bot's welcome in a team channel is in the team's language, though the inviter reads English.
    harness.fake.clear_calls()
    harness.sender.event({"type": "member_joined_channel", "user": "UBOT", "channel": CHANNEL, "inviter": "U003"})
    [welcome] = harness.fake.wait_for(
        "chat.postMessage", timeout=WAIT, predicate=lambda c: c.params.get("channel") == CHANNEL
    )
    assert welcome.params["text"] == fi("home.welcome", k=5)

    # A win by an English-speaking author is celebrated in the channel in the team's language.
    harness.fake.clear_calls()
    story = {
        "story": {"value": {"type": "plain_text_input", "value": "The customer thanked us for the quick fix."}},
        "customer": {"value": {"type": "plain_text_input", "value": None}},
        "colleagues": {"value": {"type": "multi_users_select", "selected_users": []}},
        "elements": {"value": {"type": "checkboxes", "selected_options": []}},
        "need": {"value": {"type": "radio_buttons", "selected_option": None}},
    }
    harness.sender.view_submission(user_id="U003", callback_id="win_modal", values=story, view_id="VWIN")
    [celebration] = harness.fake.wait_for(
        "chat.postMessage", timeout=WAIT, predicate=lambda c: c.params.get("channel") == CHANNEL
    )
    assert celebration.params["text"] == fi("win.celebrate.notification", author="<@U003>")

    # The digest after a round closes is in the team's language too.
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS), timeout=WAIT)
    for user in MEMBERS[:5]:
        click(harness, user, dms[user], "autonomy", 4)
    harness.fake.wait_for("chat.postEphemeral", timeout=WAIT, count=5)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    [digest] = harness.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL, timeout=WAIT
    )
    assert fi("report.digest.intro") in json.dumps(digest.params["blocks"], ensure_ascii=False)
    harness.fake.wait_for("files.completeUploadExternal", timeout=WAIT)  # the chart, before the fake stops


def test_team_language_outside_a_team_channel(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    # In a channel that is no team, a manager sets their home team's language (as /pulse status finds it).
    command_reply(harness, "/pulse", "managers <@U001>", ADMIN)
    done = command_reply(harness, "/pulse", "language team fi", FINN, channel="C0ELSE")
    assert done["text"] == en("language.team.done", channel=CHANNEL, team="support", language="Finnish")
    # Someone with no team, anywhere but a team channel, is told there is no team to set.
    harness.fake.add_user("UNOTEAM")
    lonely = command_reply(harness, "/pulse", "language team en", "UNOTEAM", channel="C0ELSE")
    assert lonely["text"] == en("language.team.no_team")


def test_default_language_is_the_last_step(fake_slack: FakeSlack, database_url: str) -> None:
    with running_app(fake_slack, database_url, DEFAULT_LANGUAGE="fi") as harness:
        harness.fake.add_user("UDE", locale="de-DE")
        harness.fake.add_user("UUS", locale="en-US")
        assert command_reply(harness, "/pulse", "help", "UDE")["text"] == fi("core.help.title")
        assert command_reply(harness, "/pulse", "help", "UUS")["text"] == en("core.help.title")


def test_whoami_shows_home_team_roles_language_and_how_to_change_each(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    command_reply(harness, "/pulse", "managers <@U001>", ADMIN)
    text = json.dumps(command_reply(harness, "/pulse", "whoami", FINN)["blocks"], ensure_ascii=False)
    for expected in (
        en("whereami.home_team", team="support", channel=CHANNEL),
        en("whereami.home_team.change"),
        en(
            "whereami.roles",
            roles=", ".join([en("whereami.role.manager", teams="support"), en("whereami.role.member")]),
        ),
        en("whereami.roles.change"),
        en("whereami.language", language="English", source=en("language.source.slack")),
        en("whereami.language.change"),
        en("whereami.team_language", team="support", language="English"),
    ):
        assert expected in text
    admin = json.dumps(command_reply(harness, "/pulse", "whoami", ADMIN)["blocks"], ensure_ascii=False)
    assert en("whereami.no_home_team") in admin
    assert en("whereami.roles", roles=en("whereami.role.admin")) in admin
    # Home shows the same.
    home = open_home(harness, FINN)
    assert en("whereami.home_team", team="support", channel=CHANNEL) in home
    assert en("whereami.roles.change") in home


def test_bare_cxreport_in_a_team_channel_reports_that_team_to_its_managers(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    # A second team; U001's home team stays #support, but they manage #billing too.
    harness.fake.add_user("U101")
    harness.fake.add_channel("C0BILL", "billing", ["U101", "UBOT"])
    command_reply(harness, "/pulse", "setup", ADMIN, channel="C0BILL")
    command_reply(harness, "/pulse", "managers <@U001>", ADMIN, channel="C0BILL")
    in_billing = json.dumps(command_reply(harness, "/cxreport", "", FINN, channel="C0BILL"), ensure_ascii=False)
    assert en("whereami.report.channel_team", team="billing") in in_billing
    # Elsewhere it is the home team, and it says so; a non-manager in the channel is refused.
    elsewhere = command_reply(harness, "/cxreport", "", ADMIN, channel="C0ELSE")
    assert "whereami" not in json.dumps(elsewhere)  # the admin has no home team: the old "no team" answer
    assert elsewhere["text"] == en("report.no_team")
    refused = command_reply(harness, "/cxreport", "", "U101", channel="C0BILL")
    assert refused["text"] == en("report.refused", managers="<@U001>", team="billing")
