from __future__ import annotations

import json

from tests.harness import Harness


def test_kudos(harness: Harness) -> None:
    harness.fake.add_user("U1")
    harness.sender.command("/kudos", "<b>Maija</b>", user_id="U1")
    call = harness.fake.wait_for("response_url")[0]
    assert "Thanks for the kudos to &lt;b&gt;Maija" in json.dumps(call.params["blocks"])


def test_kudos_in_help(harness: Harness) -> None:
    harness.fake.add_user("U1")
    harness.sender.command("/pulse", "help", user_id="U1")
    call = harness.fake.wait_for("response_url")[0]
    text = json.dumps(call.params["blocks"])
    assert "/kudos [who]" in text and "/win" in text and "/cxreport" in text
