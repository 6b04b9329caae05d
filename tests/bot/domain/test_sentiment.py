from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.sentiment import detect_language, strip_slack_markup

LANGUAGE_CASES = [
    # English customer stories
    ("The customer called to say thanks: our team fixed the invoicing problem in one afternoon.", "en"),
    ("We noticed the shipment was delayed and told the customer before they had to ask.", "en"),
    ("Anna migrated the client's data over the weekend, and it was the smoothest switch they have had.", "en"),
    ("We visited the customer in Jyväskylä and they were happy with the results.", "en"),
    ("Great job!", "en"),
    # Finnish, with ä/ö
    ("Asiakas oli tosi tyytyväinen, kun saimme toimituksen ajoissa perille.", "fi"),
    ("Ratkaisimme asiakkaan ongelman samana päivänä ja hän antoi meille kympin.", "fi"),
    ("Kiitos Mikalle ja Liisalle! Asiakas kiitti meitä nopeasta reagoinnista.", "fi"),
    # Finnish without ä/ö (also typed on an English keyboard)
    ("Toimitus saapui perille ajoissa ja kaikki sujui hienosti", "fi"),
    ("Huomasimme virheen laskutuksessa ennen asiakasta ja korjasimme sen heti", "fi"),
    ("Asiakas oli tosi tyytyvainen kun saimme toimituksen ajoissa, kiitos Mikalle avusta", "fi"),
    ("Onboarding meni tosi hyvin ja asiakas oli iloinen.", "fi"),
    # too little signal
    ("ok", "unknown"),
    ("Kiitos!", "unknown"),
    ("Thanks!", "unknown"),
    ("", "unknown"),
    ("   ", "unknown"),
    ("12:30", "unknown"),
    (":tada: :tada: <@U123>", "unknown"),
    # mixed: a clear majority wins, an even mix is unknown
    ("Tosi hyvä palaveri asiakkaan kanssa, great job everyone!", "fi"),
    ("The customer said kiitos paljon and we were all very happy.", "en"),
    ("Asiakas sanoi, että this is the best support ever, ja olimme tosi iloisia.", "unknown"),
]


@pytest.mark.parametrize(("text", "language"), LANGUAGE_CASES)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_detect_language_ignores_markup() -> None:
    # Slack ids, URLs and emoji names carry no language; the label of a link does.
    assert detect_language("<@U0ABCDEF> <https://www.example.com/with/the/path> :thumbsup::skin-tone-2:") == "unknown"
    assert detect_language("<https://example.com|Asiakas oli tosi tyytyväinen> :tada:") == "fi"


def test_detect_language_is_deterministic() -> None:
    text = LANGUAGE_CASES[0][0]
    assert {detect_language(text) for _ in range(5)} == {"en"}


@given(st.text(max_size=300))
def test_detect_language_never_fails(text: str) -> None:
    assert detect_language(text) in {"en", "fi", "unknown"}


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@U123> thanks", "thanks"),
        ("<@U123|mika> thanks", "thanks"),
        ("in <#C1|asiakastuki> today", "in today"),
        ("see <https://example.com/a?b=1|the ticket>", "see the ticket"),
        ("see <https://example.com/a>", "see"),
        ("mail <mailto:a@example.com|Anna>", "mail Anna"),
        ("<!here> <!subteam^S1|@cx> hi", "hi"),
        ("great :tada: :+1: :thumbsup::skin-tone-2:", "great"),
        ("*bold* _italic_ ~strike~ `code`", "bold italic strike code"),
        ("NPS:n ja CSAT:n kello 12:30:45", "NPS:n ja CSAT:n kello 12:30:45"),
        ("a &amp; b &lt;3", "a & b <3"),
        ("line one\n\n> quoted", "line one > quoted"),
    ],
)
def test_strip_slack_markup(raw: str, plain: str) -> None:
    assert strip_slack_markup(raw) == plain
