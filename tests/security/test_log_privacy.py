"""Attack: someone reading the logs, with LOG_LEVEL=DEBUG, tries to learn who answered what (or at all).

A whole round runs (DMs, answers in the DM and on Home, a changed answer, a comment, Home views, the close)
with logging configured as the entry point does at DEBUG; every record any logger emits, libraries
included, is captured and scanned.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.domain import anonymity
from bot.logging_setup import QUIET_LIBRARIES, configure_logging
from tests.harness import SECRET_KEY, TEAM_ID, Harness
from tests.pulse_helpers import (
    ADMIN,
    CHANNEL,
    button_value,
    click,
    click_comment_button,
    make_team,
    submit_comment,
    wait_pulse_dms,
)

MEMBERS = [f"ULOG{i}" for i in range(1, 7)]
COMMENT = "Please stop the Friday deploys"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("tests."):  # the fake Slack and the test's sender are not Pulssi
            return
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)


@pytest.fixture
def debug_log() -> Iterator[_Capture]:
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    capture = _Capture()
    configure_logging("DEBUG")  # what `python -m bot serve` does with LOG_LEVEL=DEBUG
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def test_a_whole_round_at_debug_logs_no_answer_and_no_respondent(harness: Harness, debug_log: _Capture) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    for user, value in (("ULOG1", 5), ("ULOG2", 1), ("ULOG3", 4)):
        for question in ("autonomy", "competence", "belonging"):
            click(harness, user, dms[user], question, value)
    click(harness, "ULOG1", dms["ULOG1"], "autonomy", 2)  # a changed mind
    harness.fake.wait_for("chat.postEphemeral", count=10)
    harness.sender.event({"type": "app_home_opened", "user": "ULOG4", "tab": "home", "channel": "DULOG4"})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == "ULOG4")
    home = harness.fake.home_views["ULOG4"]["blocks"]
    harness.sender.block_action(
        user_id="ULOG4",
        action_id="pulse_answer_3",
        value=button_value(home, "autonomy", 3),
        container={"type": "view", "view_id": "VH"},
        view={"id": "VH", "type": "home", "blocks": home},
    )
    harness.fake.wait_for("views.open")
    round_id = click_comment_button(harness, "ULOG5", dms["ULOG5"])
    modal = harness.fake.wait_for("views.open", count=2)[1].params["view"]
    submit_comment(harness, "ULOG5", modal, COMMENT)
    harness.fake.wait_for("chat.postEphemeral", count=11)
    for user in MEMBERS:  # Home for everyone, answered or not
        harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", count=len(MEMBERS) + 1)
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    harness.fake.wait_for("chat.update", count=len(MEMBERS))

    lines = debug_log.lines
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)  # Pulssi's own code may log at DEBUG
    key = anonymity.round_key(SECRET_KEY, TEAM_ID, int(round_id))
    tokens = [anonymity.respondent_token(key, int(round_id), user) for user in MEMBERS]
    # Anything that names or stands for a person: the user id, their DM channel, their respondent hash.
    people = [*MEMBERS, *(f"D{user}" for user in MEMBERS)]
    # What only an answer (or its confirmation) carries; the DM itself has buttons, but answering is a click.
    answer_marks = ("Recorded", COMMENT, "action_ts", "view_submission", "chat.postEphemeral", "views.open")
    for line in lines:
        assert COMMENT not in line, line
        assert not any(token in line for token in tokens), line
        assert key.hex() not in line, line
        assert "Recorded" not in line, line
        if any(person in line for person in people):
            assert not any(mark in line for mark in answer_marks), line
