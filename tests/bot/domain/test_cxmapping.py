"""Column mappings with quoted names, column numbers, constants and options."""

from __future__ import annotations

import pytest

from bot.domain.cxmapping import column_number, format_mapping, parse_column_mapping


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('nps="On a scale of 0-10, how would you rate us?"', {"nps": "On a scale of 0-10, how would you rate us?"}),
        ("nps=“On a scale of 0-10, how?”, date=Timestamp", {"nps": "On a scale of 0-10, how?", "date": "Timestamp"}),
        ("score=#3", {"score": "#3"}),
        ("csat=Q3 scale=1-7", {"csat": "Q3", "scale": "1-7"}),
        ("date=Completion Date team=Store", {"date": "Completion Date", "team": "Store"}),
        ("date=@first-seen, nps=nps", {"date": "@first-seen", "nps": "nps"}),
        ("date=Mes, value=NPS_Score, metric=nps", {"date": "Mes", "value": "NPS_Score", "metric": "nps"}),
        ("date=Date, date_format=d/m/y", {"date": "Date", "date_format": "d/m/y"}),
        ("sheet=Vastaukset; nps=Q1", {"sheet": "Vastaukset", "nps": "Q1"}),
    ],
)
def test_parse_column_mapping(text: str, expected: dict[str, str]) -> None:
    assert parse_column_mapping(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nps=On a scale of 0-10, how would you rate us?", "goes in quotes"),
        ('nps="On a scale', "not closed"),
        ("date_format=d.m", "date_format"),
        ("scale=2-9", "scale"),
        ("date=@yesterday", "first-seen"),
    ],
)
def test_parse_column_mapping_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_column_mapping(text)


def test_format_mapping_round_trips() -> None:
    mapping = {"csat": "17. How would you rate the service? (Promptness, friendliness, etc..)", "date": "Timestamp"}
    text = format_mapping(mapping)
    assert text == 'date=Timestamp, csat="17. How would you rate the service? (Promptness, friendliness, etc..)"'
    assert parse_column_mapping(text) == mapping


@pytest.mark.parametrize(("text", "expected"), [("#1", 0), ("#12", 11), ("#x", None), ("3", None)])
def test_column_number(text: str, expected: int | None) -> None:
    assert column_number(text) == expected
