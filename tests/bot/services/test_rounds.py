"""Starting rounds: two starters racing for the same team open one round (a database constraint decides)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from sqlalchemy import text

from bot.services import rounds
from bot.user_directory import UserDirectory
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.pulse_helpers import make_team


@BOTH_BACKENDS
def test_two_schedulers_racing_open_one_round(harness: Harness) -> None:
    members = [f"U{i:03d}" for i in range(6)]
    make_team(harness, members)
    with harness.db.session_scope() as session:
        team_id = session.execute(text("select id from team")).scalar_one()
    # A starter plans the DMs (users.info for each member's time zone, slow here) between its "no open round
    # yet" check and its insert.
    deps = replace(harness.deps, users=UserDirectory(harness.deps.client, ttl_seconds=0))
    harness.fake.set_latency(0.2)
    # The second starts while the first is planning (6 x 0.2 s): it finds no open round, and reaches its
    # insert after the first has committed, so the round number alone would not stop it.
    started: list[object] = []

    def start(delay: float) -> None:
        time.sleep(delay)
        started.append(rounds.start_round(deps, "T0001", team_id, manual=False))

    threads = [threading.Thread(target=start, args=(delay,)) for delay in (0.0, 0.6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(started) == 2
    assert sum(result is not None for result in started) == 1
    with harness.db.session_scope() as session:
        assert session.execute(text("select count(*) from pulse_round")).scalar_one() == 1
        assert session.execute(text("select count(*) from delivery")).scalar_one() == len(members)
