"""Datetimes in the database are aware UTC (SQLModel's UTCDateTime); normalise at the edges."""

from __future__ import annotations

from datetime import UTC, datetime

# DEFAULT_TIMEZONE's default: the zone of a team, a report's dates and a person Slack gives none.
DEFAULT_TIMEZONE = "Europe/Helsinki"


def to_db(moment: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_db(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=UTC)
