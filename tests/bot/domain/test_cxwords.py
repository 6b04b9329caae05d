"""Customers' words: masking of contact and payment details, clipping, sides (bot.domain.cxwords)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.cxwords import CustomerWords, customer_voice, mask_personal, voices, words_json


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Write to me at anna.virtanen+cx@example.fi thanks", "Write to me at [email] thanks"),
        ("mail: JOHN_DOE@mail.co.uk.", "mail: [email]."),
        ("Call me on +358 40 123 4567 please", "Call me on [phone] please"),
        ("soita 040-1234567", "soita [phone]"),
        ("puh. 09 1234 5678", "puh. [phone]"),
        ("US number (555) 123-4567 ok", "US number [phone] ok"),
        ("or 555-123-4567", "or [phone]"),
        ("Refund to FI21 1234 5600 0007 85 asap", "Refund to [IBAN] asap"),
        ("tilille fi2112345600000785", "tilille [IBAN]"),
        ("DE89370400440532013000 is mine", "[IBAN] is mine"),
        ("Card 4111 1111 1111 1111 was charged twice", "Card [card] was charged twice"),
        ("kortti 5500-0000-0000-0004", "kortti [card]"),
        ("card 4111111111111111", "card [card]"),
        # what stays: scores, dates, short numbers, ordinary words
        ("Gave it a 9/10 on 10.3.2026", "Gave it a 9/10 on 10.3.2026"),
        ("Order 12345 arrived in 2 days", "Order 12345 arrived in 2 days"),
        ("Asiakaspalvelu oli ystävällistä", "Asiakaspalvelu oli ystävällistä"),
        ("version 0.12", "version 0.12"),
    ],
)
def test_mask_personal(text: str, masked: str) -> None:
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("fine", "fine"),
        ("two\n\nlines", "two lines"),
        ("y" * 300, "y" * 300),
        ("y" * 301, "y" * 299 + "…"),
        # masked before clipped: the address is never cut to a readable start
        ("z" * 290 + " a@example.com", "z" * 290 + " [email]"),
        ("z" * 295 + " anna@example.com and more", "z" * 295 + " [em…"),
    ],
)
def test_customer_voice_masks_then_clips(text: str, shown: str) -> None:
    assert customer_voice(text) == shown


def test_voices_drop_empty_comments_and_json_holds_masked_text() -> None:
    found = voices([("  ", 10, date(2026, 3, 2)), ("mail me a@b.fi", 10, date(2026, 3, 1))])
    assert [v.text for v in found] == ["mail me [email]"]
    data = words_json(CustomerWords(found, ()))
    assert data == {"promoters": [{"text": "mail me [email]", "score": 10, "day": "2026-03-01"}], "detractors": []}
    assert words_json(None) == {"promoters": [], "detractors": []}
