from __future__ import annotations

import string
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.wins import (
    CX_ELEMENTS,
    NEEDS,
    STORY_MAX_CHARS,
    WinDraft,
    clean_draft,
    clean_story,
    normalise_colleagues,
    prefill_from_message,
    top_win,
    validate_win,
)
from bot.i18n import translate
from bot.i18n.parts import win as win_texts

DRAFT = WinDraft(
    story="Asiakas oli tosi tyytyväinen.",
    customer="Acme Oy",
    colleagues=("U2", "U3"),
    elements=("commitment", "proactivity"),
    need="belonging",
    team_id=7,
    source_permalink=None,
)


def test_vocabularies() -> None:
    assert CX_ELEMENTS == ("commitment", "fulfilment", "seamlessness", "responsiveness", "proactivity", "evolution")
    assert NEEDS == ("autonomy", "competence", "belonging")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        ({"story": ""}, {"story": ("win.error.empty", {})}),
        ({"story": " \n\t "}, {"story": ("win.error.empty", {})}),
        ({"story": "x" * STORY_MAX_CHARS}, {}),
        ({"story": "  " + "x" * STORY_MAX_CHARS + "\n"}, {}),  # measured without surrounding whitespace
        ({"story": "ä" * STORY_MAX_CHARS}, {}),
        ({"story": "x" * 3001}, {"story": ("win.error.too_long", {"count": 3001, "limit": 3000})}),
        ({"customer": None, "need": None, "elements": (), "colleagues": ()}, {}),
        ({"customer": "c" * 201}, {"customer": ("win.error.customer_too_long", {"count": 201, "limit": 200})}),
        ({"elements": ("commitment", "delight")}, {"elements": ("win.error.unknown_element", {"element": "delight"})}),
        ({"elements": ("x", "y", "x")}, {"elements": ("win.error.unknown_element", {"element": "x, y"})}),
        ({"need": "happiness"}, {"need": ("win.error.unknown_need", {"need": "happiness"})}),
        ({"need": ""}, {}),  # nothing picked
        ({"colleagues": tuple(f"U{i}" for i in range(20))}, {}),
        (
            {"colleagues": tuple(f"U{i}" for i in range(21))},
            {"colleagues": ("win.error.too_many_colleagues", {"count": 21, "limit": 20})},
        ),
        ({"colleagues": ("U1",) * 30}, {}),  # duplicates count once
        (
            {"story": "", "need": "x"},
            {"story": ("win.error.empty", {}), "need": ("win.error.unknown_need", {"need": "x"})},
        ),
    ],
)
def test_validate_win(changes: dict[str, Any], expected: dict[str, tuple[str, dict[str, object]]]) -> None:
    assert validate_win(replace(DRAFT, **changes)) == expected


def test_validate_win_drops_the_author_before_counting() -> None:
    colleagues = ("UAUTHOR", *(f"U{i}" for i in range(20)))
    draft = replace(DRAFT, colleagues=colleagues)
    assert "colleagues" in validate_win(draft)
    assert validate_win(draft, author="UAUTHOR") == {}
    assert validate_win(replace(DRAFT, colleagues=("UAUTHOR",)), author="UAUTHOR") == {}  # thanking yourself is fine


@pytest.mark.parametrize(
    ("team_id", "team_ids", "expected"),
    [
        (7, None, {}),
        (None, None, {}),
        (7, {7, 8}, {}),
        (None, {7, 8}, {"team": ("win.error.team_required", {})}),
        (9, {7, 8}, {"team": ("win.error.team_unknown", {})}),
    ],
)
def test_validate_win_team(team_id: int | None, team_ids: set[int] | None, expected: dict[str, object]) -> None:
    assert validate_win(replace(DRAFT, team_id=team_id), team_ids=team_ids) == expected


def test_every_error_key_exists_and_formats() -> None:
    bad = WinDraft(
        story="x" * 3001,
        customer="c" * 300,
        colleagues=tuple(f"U{i}" for i in range(25)),
        elements=("nope",),
        need="nope",
        team_id=None,
        source_permalink=None,
    )
    errors = validate_win(bad, team_ids={1})
    assert set(errors) == {"story", "customer", "colleagues", "elements", "need", "team"}
    for key, params in errors.values():
        for language in ("en", "fi"):
            text = translate(language, key, **params)
            assert text != key and "{" not in text
    key, params = errors["story"]
    assert translate("en", key, **params) == "The story is 3001 characters; the limit is 3000."


@pytest.mark.parametrize(
    ("author", "colleagues", "expected"),
    [
        ("U1", (), ()),
        ("U1", ("U1",), ()),
        ("U1", ("U2", "U3"), ("U2", "U3")),
        ("U1", ("U3", "U1", "U2", "U3", "U2"), ("U3", "U2")),
        ("U1", (" U2 ", "", "U2", "  "), ("U2",)),
    ],
)
def test_normalise_colleagues(author: str, colleagues: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert normalise_colleagues(author, colleagues) == expected


def test_clean_draft() -> None:
    draft = replace(
        DRAFT,
        story="  tarina \n",
        customer="   ",
        colleagues=("U1", "U2", "U2"),
        elements=("evolution", "commitment", "evolution"),
        need="",
        source_permalink="",
    )
    assert clean_draft(draft, author="U1") == replace(
        DRAFT,
        story="tarina",
        customer=None,
        colleagues=("U2",),
        elements=("evolution", "commitment"),
        need=None,
        source_permalink=None,
    )


def test_clean_story_composes_finnish_letters() -> None:
    assert clean_story(" Hyva\u0308a\u0308 ") == "Hyvää"


LINK = "https://acme.slack.com/archives/C1/p1700000000000100"
PREFIX = "From a message: {link}"


@pytest.mark.parametrize(
    ("text", "permalink", "expected"),
    [
        ("The customer loved it", LINK, f"From a message: {LINK}\n\nThe customer loved it"),
        ("  spaced  \n", LINK, f"From a message: {LINK}\n\nspaced"),
        ("", LINK, f"From a message: {LINK}"),
        ("The customer loved it", None, "The customer loved it"),
        ("", None, ""),
    ],
)
def test_prefill_from_message(text: str, permalink: str | None, expected: str) -> None:
    assert prefill_from_message(text, permalink, PREFIX) == expected


def test_prefill_without_placeholder_appends_the_link() -> None:
    assert prefill_from_message("hi", LINK, "Viestistä:") == f"Viestistä: {LINK}\n\nhi"


def test_prefill_trims_long_messages_at_a_word_break() -> None:
    text = "word " * 1000  # 5000 characters
    prefill = prefill_from_message(text, LINK, PREFIX)
    assert len(prefill) <= STORY_MAX_CHARS
    assert len(prefill) > STORY_MAX_CHARS - 10
    assert prefill.startswith(f"From a message: {LINK}\n\nword word")
    assert prefill.endswith("word…")
    assert validate_win(replace(DRAFT, story=prefill)) == {}


def test_prefill_exactly_at_the_limit_is_not_trimmed() -> None:
    budget = STORY_MAX_CHARS - len(f"From a message: {LINK}\n\n")
    text = "y" * budget
    assert prefill_from_message(text, LINK, PREFIX) == f"From a message: {LINK}\n\n{text}"
    assert prefill_from_message(text + "y", LINK, PREFIX).endswith("y…")


def test_prefill_never_cuts_inside_slack_markup() -> None:
    budget = STORY_MAX_CHARS - len(f"From a message: {LINK}\n\n")
    text = "a" * (budget - 10) + " <@U0123456789> thanks"
    prefill = prefill_from_message(text, LINK, PREFIX)
    assert "<@" not in prefill
    assert prefill.endswith("a…")


@given(
    text=st.text(alphabet=st.sampled_from(string.ascii_letters + " \n<>|@äö\u0308"), max_size=4000),
    permalink=st.none() | st.sampled_from([LINK, "https://x.slack.com/archives/C2/p1"]),
)
def test_prefill_always_fits(text: str, permalink: str | None) -> None:
    prefill = prefill_from_message(text, permalink, PREFIX)
    assert len(clean_story(prefill)) <= STORY_MAX_CHARS
    if permalink:
        assert prefill.startswith(f"From a message: {permalink}")


@dataclass(frozen=True)
class FakeWin:
    name: str
    reactions: int
    posted_at: datetime


T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wins", "expected"),
    [
        ([], None),
        ([FakeWin("a", 0, T0)], "a"),
        ([FakeWin("a", 1, T0), FakeWin("b", 5, T0 - timedelta(days=30)), FakeWin("c", 2, T0)], "b"),
        ([FakeWin("old", 3, T0 - timedelta(days=1)), FakeWin("new", 3, T0)], "new"),
        ([FakeWin("new", 3, T0), FakeWin("old", 3, T0 - timedelta(days=1))], "new"),
        ([FakeWin("first", 3, T0), FakeWin("second", 3, T0)], "first"),  # full tie: the first given
        ([FakeWin("new", 0, T0), FakeWin("loved", 1, T0 - timedelta(days=365))], "loved"),
    ],
)
def test_top_win(wins: list[FakeWin], expected: str | None) -> None:
    best = top_win(wins)
    assert (best.name if best else None) == expected


def test_top_win_accepts_any_iterable() -> None:
    best = top_win(FakeWin(str(i), i % 3, T0 + timedelta(minutes=i)) for i in range(10))
    assert best is not None and best.name == "8"


# --- catalog -------------------------------------------------------------------------------------------

SLACK_BUTTON_AND_TITLE_KEYS = [
    "win.modal.title",
    "win.modal.edit_title",
    "win.modal.submit",
    "win.modal.save",
    "win.modal.close",
]


def test_catalog_has_the_same_keys_in_both_languages() -> None:
    assert win_texts.EN.keys() == win_texts.FI.keys()
    assert all(key.startswith("win.") for key in win_texts.EN)


def test_catalog_placeholders_match() -> None:
    formatter = string.Formatter()
    for key, en in win_texts.EN.items():
        en_fields = {field for _, field, _, _ in formatter.parse(en) if field}
        fi_fields = {field for _, field, _, _ in formatter.parse(win_texts.FI[key]) if field}
        assert en_fields == fi_fields, key


@pytest.mark.parametrize("key", SLACK_BUTTON_AND_TITLE_KEYS)
def test_modal_title_and_buttons_fit_slack(key: str) -> None:
    for texts in (win_texts.EN, win_texts.FI):
        assert 0 < len(texts[key]) <= 24, texts[key]


def test_every_tag_has_a_name_that_fits_a_slack_option() -> None:
    keys = [f"win.element.{e}" for e in CX_ELEMENTS] + [f"win.need.{n}" for n in NEEDS]
    for texts in (win_texts.EN, win_texts.FI):
        for key in keys:
            assert 0 < len(texts[key]) <= 75
            assert 0 < len(texts[f"{key}.description"]) <= 75


def test_catalog_texts_the_brief_names() -> None:
    en = win_texts.EN
    assert en["win.modal.title"] == "Share a win"
    assert win_texts.FI["win.modal.title"] == "Jaa onnistuminen"
    assert en["win.field.team.label"] == "Which team do you share this with?"
    assert en["win.error.empty"] == "Tell what happened — the story can't be empty."
    assert en["win.celebrate.header_customer"].format(author="A", customer="Acme") == "A shared a win with Acme:"
    assert en["win.celebrate.thanks"].format(colleagues="B") == "Thanks to B!"
    assert en["win.dm.thanked"].format(author="A", story="S") == "A thanked you for: S"
    assert en["win.prefill.source"].format(link="L") == "From a message: L"
    for key in ("win.sentiment.not_scored", "win.edit", "win.delete", "win.delete.confirm_title"):
        assert key in en
