"""Column mappings an admin writes: `score=Q1_NPS, date=Finished at`, in Slack, CX_FEED_COLUMNS and --columns.

A column is named as the header writes it, in quotes when it has a comma (`nps="On a scale of 0-10, how …"`),
or by its number from 1 (`score=#3`). Besides columns a mapping holds constants and options:
`metric=nps` (a feed without a metric column), `date=@first-seen` (a file without dates: each row is dated
the day it is first imported), `date_format=d/m/y`, `scale=1-7` (the CSAT column's scale) and `sheet=NAME`
(the sheet of an .xlsx workbook). Items are separated by commas, semicolons, newlines, or by a space
before the next `role=`.
"""

from __future__ import annotations

import re

from bot.domain.cxdates import parse_order
from bot.domain.cxscales import parse_scale

COLUMN_ROLES: tuple[str, ...] = (
    "date",
    "score",
    "nps",
    "csat",
    "metric",
    "team",
    "comment",
    "id",
    "value",
    "count",
    "promoters",
    "passives",
    "detractors",
)
OPTIONS: tuple[str, ...] = ("date_format", "scale", "sheet")
ROLES: tuple[str, ...] = COLUMN_ROLES + OPTIONS
FIRST_SEEN = "@first-seen"
METRIC_CONSTANTS = ("nps", "csat")

_ROLE = re.compile(r"([A-Za-z_]+)\s*=\s*")
_SEPARATORS = ",;\n\r"
_NEXT_ITEM = re.compile(r"[,;\n\r]|\s+(?=(?:" + "|".join(ROLES) + r")\s*=)", re.IGNORECASE)
_QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "‘": "’", "«": "»"}
_COLUMN_NUMBER = re.compile(r"#(\d{1,4})")


def parse_column_mapping(text: str) -> dict[str, str]:
    """Parse a mapping into {role: column or option}; ValueError says what is wrong, readably."""
    mapping: dict[str, str] = {}
    text = text or ""
    position, end = 0, len(text)
    while True:
        while position < end and (text[position] in _SEPARATORS or text[position].isspace()):
            position += 1
        if position >= end:
            break
        match = _ROLE.match(text, position)
        if match is None:
            item = _NEXT_ITEM.split(text[position:], maxsplit=1)[0].strip()
            if "=" not in item:
                raise ValueError(
                    f"'{item}' is not role=column (a column name with a comma goes in quotes: nps=\"A, B\")"
                )
            raise ValueError(f"unknown role '{item.split('=', 1)[0].strip()}' (use one of: {', '.join(ROLES)})")
        role_text = match.group(1)
        role = role_text.lower()
        if role not in ROLES:
            raise ValueError(f"unknown role '{role_text}' (use one of: {', '.join(ROLES)})")
        position = match.end()
        closing = _QUOTES.get(text[position]) if position < end else None
        if closing is not None:
            close_at = text.find(closing, position + 1)
            if close_at < 0:
                raise ValueError(f"the quote after '{role}=' is not closed")
            value = text[position + 1 : close_at].strip()
            position = close_at + 1
        else:
            found = _NEXT_ITEM.search(text, position)
            stop = found.start() if found else end
            value = text[position:stop].strip()
            position = stop
        if not value:
            raise ValueError(f"'{role}' has no column name")
        if role in mapping:
            raise ValueError(f"'{role}' is given twice")
        _check_value(role, value)
        mapping[role] = value
    if not mapping:
        raise ValueError("no columns given (use role=column, e.g. score=Q1_NPS, date=Finished at)")
    return mapping


def _check_value(role: str, value: str) -> None:
    if role == "date_format" and parse_order(value) is None:
        raise ValueError(f"date_format '{value}' is not one of d/m/y, m/d/y, y-m-d")
    if role == "scale" and parse_scale(value) is None:
        raise ValueError(f"scale '{value}' is not one of 1-5, 1-7, 1-10, 0-10")
    if role == "date" and value.startswith("@") and value.lower() != FIRST_SEEN:
        raise ValueError(f"'{value}' is not a column; the only date constant is {FIRST_SEEN}")


def column_number(reference: str) -> int | None:
    """`#3` -> index 2; None for a column name."""
    match = _COLUMN_NUMBER.fullmatch(reference.strip())
    return int(match.group(1)) - 1 if match else None


def quote(column: str) -> str:
    """A column name as a mapping must write it (quoted when it holds a separator or a quote)."""
    if any(char in column for char in ',;\n"=') or column != column.strip() or (" " in column and "=" in column):
        escaped = column.replace('"', "'")
        return f'"{escaped}"'
    return column


def format_mapping(mapping: dict[str, str]) -> str:
    """The mapping as an admin would type it again (quoted where needed), roles in a stable order."""
    order = {role: index for index, role in enumerate(ROLES)}
    items = sorted(mapping.items(), key=lambda item: order.get(item[0], len(order)))
    return ", ".join(
        f"{role}={value if role in OPTIONS or value.startswith('@') else quote(value)}" for role, value in items
    )
