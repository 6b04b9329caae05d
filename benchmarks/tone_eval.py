"""Tone agreement on Pulssi's labelled evaluation set: `python -m benchmarks.tone_eval`.

benchmarks/tone_eval/{fi,en}.tsv hold sentences written for Pulssi from workplace and customer situations,
labelled positive/neutral/negative by meaning (the labels were written before any scoring). Agreement is the
share of sentences whose label `bot.domain.tone.tone` matches. `not-scored` means no lexicon word was found:
it counts as agreeing with `neutral` only (nothing emotional was measured) and as wrong otherwise; how often
a line is not scored is reported beside it.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.domain.tone import ToneLanguage, tone

DATA = Path(__file__).resolve().parent / "tone_eval"
LANGUAGES: tuple[ToneLanguage, ...] = ("fi", "en")
# Sets written and labelled before the scoring was tuned, and never used to tune it: they show whether the
# agreement on the main set generalises. (set file name, language)
HELD_OUT: tuple[tuple[str, ToneLanguage], ...] = (("en_heldout", "en"),)


@dataclass(frozen=True)
class Agreement:
    language: str
    n: int
    agreed: int
    not_scored: int
    confusion: Counter[tuple[str, str]]

    @property
    def rate(self) -> float:
        return self.agreed / self.n if self.n else 0.0


def labelled(name: str) -> list[tuple[str, str]]:
    """The (label, sentence) rows of benchmarks/tone_eval/<name>.tsv (a language code, or a held-out set)."""
    rows = []
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, sentence = line.split("\t", 1)
            rows.append((label, sentence))
    return rows


def agreement(language: ToneLanguage, name: str | None = None) -> Agreement:
    confusion: Counter[tuple[str, str]] = Counter()
    agreed = not_scored = 0
    rows = labelled(name or language)
    for gold, sentence in rows:
        found = tone(sentence, language)
        confusion[(gold, found)] += 1
        not_scored += found == "not-scored"
        agreed += found == gold or (gold == "neutral" and found == "not-scored")
    return Agreement(name or language, len(rows), agreed, not_scored, confusion)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--confusion", action="store_true", help="print gold → found counts")
    args = parser.parse_args()
    for name, language in [*((lang, lang) for lang in LANGUAGES), *HELD_OUT]:
        result = agreement(language, name)
        share = f"{100 * result.rate:.1f}%"
        print(f"{result.language}: {result.agreed}/{result.n} agree ({share}), {result.not_scored} not scored")
        if args.confusion:
            for (gold, found), count in sorted(result.confusion.items()):
                print(f"  {gold:>8} → {found:<10} {count}")


if __name__ == "__main__":
    main()
