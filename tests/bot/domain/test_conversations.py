"""bot.domain.conversations: sealing a reply route, when replies travel, which rounds get routes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain import conversations as convo

SECRET = "a-test-secret-key-that-is-long-enough-0123"


def test_a_sealed_id_opens_only_with_its_secret_workspace_and_route() -> None:
    sealed = convo.seal(SECRET, "T1", "route-a", "U123")
    assert "U123" not in sealed
    assert convo.open_sealed(SECRET, "T1", "route-a", sealed) == "U123"


@pytest.mark.parametrize(
    ("secret", "workspace", "route", "tamper"),
    [
        ("another-secret-key-that-is-long-enough-99", "T1", "route-a", False),  # a copy without the secret
        (SECRET, "T2", "route-a", False),  # moved to another workspace
        (SECRET, "T1", "route-b", False),  # moved onto another route
        (SECRET, "T1", "route-a", True),  # a flipped byte
    ],
)
def test_a_sealed_id_does_not_open_otherwise(secret: str, workspace: str, route: str, tamper: bool) -> None:
    sealed = convo.seal(SECRET, "T1", "route-a", "U123")
    if tamper:
        sealed = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(convo.RouteUnreadable):
        convo.open_sealed(secret, workspace, route, sealed)


@pytest.mark.parametrize("garbage", ["", "not base64 at all!", "AAAA"])
def test_garbage_does_not_open(garbage: str) -> None:
    with pytest.raises(convo.RouteUnreadable):
        convo.open_sealed(SECRET, "T1", "route-a", garbage)


def test_sealing_is_randomised_and_route_ids_are_random() -> None:
    assert convo.seal(SECRET, "T1", "r", "U1") != convo.seal(SECRET, "T1", "r", "U1")
    ids = {convo.new_route_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) <= 32 for i in ids)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        convo.seal("short", "T1", "r", "U1")


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (datetime(2026, 3, 2, 6, 0, tzinfo=UTC), datetime(2026, 3, 2, 7, 0, tzinfo=UTC)),  # 08:00 → 09:00 Helsinki
        (datetime(2026, 3, 2, 6, 59, tzinfo=UTC), datetime(2026, 3, 2, 7, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 7, 0, tzinfo=UTC), datetime(2026, 3, 2, 13, 0, tzinfo=UTC)),  # strictly after
        (datetime(2026, 3, 2, 12, 30, tzinfo=UTC), datetime(2026, 3, 2, 13, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 21, 0, tzinfo=UTC), datetime(2026, 3, 3, 7, 0, tzinfo=UTC)),  # overnight
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),  # into summer time
    ],
)
def test_next_slot(after: datetime, expected: datetime) -> None:
    assert convo.next_slot(after, "Europe/Helsinki") == expected


def test_every_moment_of_a_window_gets_the_same_slot() -> None:
    slots = {
        convo.next_slot(datetime(2026, 3, 2, 7, minute, tzinfo=UTC), "Europe/Helsinki", (time(9), time(15)))
        for minute in range(1, 60)
    }
    assert slots == {datetime(2026, 3, 2, 13, 0, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("answered", "comments", "k", "allowed"),
    [(5, 5, 5, True), (5, 4, 5, False), (4, 5, 5, False), (3, 3, 3, True), (10, 2, 3, False)],
)
def test_routes_only_for_rounds_whose_comments_may_be_shown(
    answered: int, comments: int, k: int, allowed: bool
) -> None:
    assert convo.routes_allowed(answered, comments, k) is allowed


def test_every_route_of_a_round_expires_30_days_after_the_close() -> None:
    assert convo.expires_on(date(2026, 3, 2)) == date(2026, 4, 1)


@pytest.mark.parametrize(("raw", "clean"), [("  hi  ", "hi"), ("x" * 4000, "x" * 3000), ("", "")])
def test_clean_message(raw: str, clean: str) -> None:
    assert convo.clean_message(raw) == clean
