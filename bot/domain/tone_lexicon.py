"""The format of Pulssi's tone lexicons (bot/domain/tone_en.py, tone_fi.py): word/weight pairs on a line,
`#` comments; a weight ending in "-" is negative ("2-" is -2), so the lists stay readable as text."""

from __future__ import annotations


def parse_lexicon(text: str) -> dict[str, float]:
    entries: dict[str, float] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        for word, weight in zip(parts[::2], parts[1::2], strict=True):
            entries[word] = -float(weight[:-1]) if weight.endswith("-") else float(weight)
    return entries
