"""What the team celebrates vs what customers say: the six customer-experience elements in wins and in NPS comments.

Wins carry their elements as tags. Customers' comments are read with the keyword lexicon below, written for
Pulssi in English and Finnish: a word counts for an element when it starts with one of the element's stems
("deliver" finds "delivery", "toimit" finds "toimitus"); stems ending in "=" match the whole word only. A
comment counts once per element it mentions.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.wins import CX_ELEMENTS, NEEDS

KEYWORDS: dict[str, tuple[str, ...]] = {
    "commitment": (
        "promis", "commit", "kept", "keep", "reliab", "rely", "trust", "depend", "guarante", "word=",
        "lupa", "lupau", "luotet", "luotta", "sitou", "sitoutu", "takuu", "sana=",
    ),
    "fulfilment": (
        "deliver", "arriv", "order", "product", "quality", "broken", "defect", "damag", "wrong", "missing",
        "toimitu", "toimite", "tilau", "tuote", "tuotte", "laatu", "laadu", "rikki", "viallin", "väär", "puuttu",
    ),
    "seamlessness": (
        "easy", "easi", "smooth", "seamless", "simple", "hassle", "effortless", "confus", "complicat", "app=",
        "website", "login", "helppo", "helpo", "vaivat", "sujuv", "selke", "sekav", "monimutk", "hankal",
        "sovellu", "verkkosivu", "kirjautu",
    ),
    "responsiveness": (
        "quick", "fast", "slow", "wait", "respon", "repl", "answer", "callback", "delay", "late", "prompt",
        "nopea", "nopeas", "hita", "hidas", "odot", "vastau", "vastas", "vastaa", "vastan", "viive", "viiv",
        "myöhä", "ripe", "jono",
    ),
    "proactivity": (
        "proactiv", "anticipat", "advance", "ahead", "remind", "heads", "inform", "notif", "updat", "follow",
        "ennakoi", "ennalta", "etukäteen", "muistut", "tiedot", "ilmoit", "seuran", "päivity", "ajoissa",
    ),
    "evolution": (
        "improv", "better", "feature", "chang", "innovat", "listen", "progress", "upgrade",
        "paran", "parem", "kehit", "uudist", "muutos", "muuto", "kuuntel", "ominaisuu",
    ),
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+")


def elements_in(text: str) -> set[str]:
    """The elements a text mentions, by the keyword lexicon."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    found: set[str] = set()
    for element, stems in KEYWORDS.items():
        for stem in stems:
            hit = stem[:-1] in words if stem.endswith("=") else any(word.startswith(stem) for word in words)
            if hit:
                found.add(element)
                break
    return found


@dataclass(frozen=True)
class ElementComparison:
    wins: dict[str, int]  # element -> wins tagged with it
    win_needs: dict[str, int]  # need -> wins tagged with it
    detractors: dict[str, int]  # element -> detractor comments mentioning it
    promoters: dict[str, int]  # element -> promoter comments mentioning it
    gap: tuple[str, str] | None  # (most mentioned by detractors, most celebrated) when they differ


def _most(counts: dict[str, int]) -> str | None:
    """The element with the highest count (ties: the order of CX_ELEMENTS); None when all are zero."""
    best = max(CX_ELEMENTS, key=lambda element: (counts.get(element, 0), -CX_ELEMENTS.index(element)))
    return best if counts.get(best, 0) else None


def compare(
    win_elements: Iterable[str],
    win_needs: Iterable[str | None],
    detractor_texts: Iterable[str],
    promoter_texts: Iterable[str],
) -> ElementComparison:
    """Counts per element for wins (from their comma-separated tags) and for customers' comments."""
    wins: Counter[str] = Counter()
    for tags in win_elements:
        wins.update({tag for tag in (part.strip() for part in tags.split(",")) if tag in CX_ELEMENTS})
    needs = Counter(need for need in win_needs if need in NEEDS)
    detractors: Counter[str] = Counter()
    for text in detractor_texts:
        detractors.update(elements_in(text))
    promoters: Counter[str] = Counter()
    for text in promoter_texts:
        promoters.update(elements_in(text))
    customer_top, team_top = _most(dict(detractors)), _most(dict(wins))
    gap = (customer_top, team_top) if customer_top and team_top and customer_top != team_top else None
    return ElementComparison(
        wins={e: wins[e] for e in CX_ELEMENTS},
        win_needs={n: needs[n] for n in NEEDS},
        detractors={e: detractors[e] for e in CX_ELEMENTS},
        promoters={e: promoters[e] for e in CX_ELEMENTS},
        gap=gap,
    )


def comparison_json(comparison: ElementComparison | None) -> dict[str, object] | None:
    if comparison is None:
        return None
    return {
        "wins": comparison.wins,
        "win_needs": comparison.win_needs,
        "detractor_mentions": comparison.detractors,
        "promoter_mentions": comparison.promoters,
        "gap": None if comparison.gap is None else {"customers": comparison.gap[0], "team": comparison.gap[1]},
    }
