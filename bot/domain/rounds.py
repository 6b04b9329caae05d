"""What a person sees of a pulse round: a plain value that services hand to Block Kit builders and handlers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonRoundView:
    """What one person sees of their own round. Holds no answers and not whether they answered: every view
    of a round looks the same whatever the person did, so no message or Home tab can show it."""

    round_id: int
    statements: dict[str, str]
    asks_enps: bool
    is_open: bool = True
