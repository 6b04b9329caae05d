"""Tone of English text: TextBlob's polarity with a Pulssi lexicon of workplace and customer-service words on top.

TextBlob (the PatternAnalyzer) knows general adjectives well but misses the words customer-service texts turn
on: a system *crashed*, a customer *waited*, *cancelled*, *praised* or *recommended* us, a colleague was
*polite*, *nobody answered*. And a few of its words mislead at work: "new" reads positive ("a new employee
starts on Monday" is news, not praise), "due" and "usual" read negative. So:

- Pulssi's lexicon below (written for Pulssi from workplace and CX situations, weights -2…+2) scores its
  words, lemmatised with simplemma (offline, ships English); TextBlob's reading of those words is dropped.
- TextBlob's assessments of every other word count as they are, except the few words listed as neutral at
  work.
- Negation (`not`, `never`, `nobody`, `n't`, `without`, …) flips the next lexicon word within three words;
  a negation with nothing scored after it ("nobody answered", "the callback never happened") counts as a
  mild negative of its own, since in feedback an unmet expectation is a complaint. Intensifiers (`very`,
  `really`, `extremely`, `too`) strengthen the next lexicon word.
- The score is the mean of all these readings (each in -1…+1); beyond ±`MARGIN` it is positive or negative.
  Nothing read at all is "not scored".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.domain.tone_lexicon import parse_lexicon

NEGATION_WINDOW = 3
MARGIN = 0.1
DANGLING_NEGATION = -0.5  # "nobody answered": a negation with nothing scored after it

_LEXICON_TEXT = """
# positive: service, outcome and how work feels
thank 1.5  thanks 1.5  thankful 1.5  grateful 1.5  appreciate 1.5  appreciation 1.5  praise 1.5  compliment 1.5
recommend 1.5  recommendation 1  love 1.5  delight 1.5  delighted 2  pleasure 1.5  pleased 1.5  glad 1.5
happy 1.5  satisfied 1.5  satisfaction 1  relieve 1  relieved 1  solve 1  solved 1  resolve 1  resolved 1
fix 1  fixed 1  smooth 1  smoothly 1.5  seamless 1.5  effortless 1.5  easy 1  easily 1  quick 1  quickly 1
fast 1  prompt 1  promptly 1  punctual 1  helpful 1.5  help 0.5  support 0.5  supportive 1.5  kind 1.5
kindly 1  friendly 1.5  polite 1.5  courteous 1.5  patient 1  calm 1  welcoming 1.5  welcome 1  warm 1
knowledgeable 1.5  competent 1.5  professional 1  skilled 1  reliable 1.5  trust 1  trusted 1.5  loyal 1.5
improve 1  improved 1  improvement 1  efficient 1.5  efficiently 1.5  productive 1  motivating 1.5
motivated 1.5  inspiring 1.5  encouraging 1.5  encourage 1  learn 0.5  grow 0.5  succeed 1.5  success 1.5
successful 1.5  win 1  achieve 1  achievement 1.5  proud 1.5  renew 1  brilliant 2  brilliantly 2
excellent 2  great 1.5  awesome 2  amazing 2  fantastic 2  wonderful 2  superb 2  outstanding 2  perfect 1.5
good 1  nice 1  lovely 1.5  flexible 1  flexibility 1  clear 1  useful 1  valuable 1  save 0.5  keep 0.5
ahead 1  record 0.5  celebrate 1.5  fun 1.5  enjoy 1.5  respect 1  respected 1.5  safe 1  fair 1  together 0.5
# negative: service, outcome and how work feels
wait 1-  waiting 1-  delay 1.5-  delayed 1.5-  late 1-  slow 1-  slowly 1-  overdue 1-  queue 0.5-
crash 1.5-  freeze 1.5-  freezing 1.5-  down 1-  outage 1.5-  bug 1-  broken 1.5-  break 1-  defective 1.5-
faulty 1.5-  error 1-  mistake 1-  wrong 1-  fail 1.5-  failure 1.5-  lose 1-  lost 1-  miss 1-  missing 1-
cancel 1-  cancelled 1-  canceled 1-  complain 1-  complaint 1-  claim 0.5-  refund 0.5-  problem 1-
issue 0.5-  trouble 1-  difficult 0.5-  hard 0.5-  confusing 1.5-  confused 1-  unclear 1-  complicated 1-
angry 2-  furious 2-  upset 1.5-  annoyed 1.5-  annoying 1.5-  frustrated 1.5-  frustrating 1.5-
disappointed 1.5-  disappointing 1.5-  rude 2-  impolite 2-  unfriendly 1.5-  blame 1.5-  threaten 1.5-
ignore 1.5-  ignored 1.5-  unfair 1.5-  worry 1-  worried 1-  afraid 1.5-  fear 1.5-  unsafe 1.5-
stress 1.5-  stressful 1.5-  stressed 1.5-  burnout 2-  exhausted 1.5-  exhausting 1.5-  tired 1-
drain 1.5-  draining 1.5-  overtime 1-  overload 1.5-  overloaded 1.5-  overwhelm 1.5-  overflowing 1-
rush 1-  hurry 1-  chaos 1.5-  mess 1.5-  disaster 2-  terrible 2-  awful 2-  horrible 2-  bad 1.5-
poor 1.5-  worse 1.5-  worst 2-  unbearable 2-  unacceptable 2-  lonely 1.5-  alone 1-  isolated 1.5-
conflict 1.5-  argue 1-  argument 1-  quit 1-  skip 0.5-  never 0.5-  leave 0.5-  charge 0.5-  damaged 1.5-
too 0.75-  useless 1.5-  expensive 1-
"""
# Words TextBlob scores that read neither way at work (quantities and dates are not tone).
NEUTRAL_AT_WORK = frozenset(
    {"new", "due", "usual", "old", "first", "last", "next", "whole", "other", "same", "general", "many", "much"}
)
NEGATIONS = frozenset(
    {"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without", "cannot", "noone", "nowhere"}
)
INTENSIFIERS: dict[str, float] = {
    "very": 1.5, "really": 1.5, "extremely": 1.8, "so": 1.3, "truly": 1.5, "incredibly": 1.8, "super": 1.5,
    "highly": 1.5, "totally": 1.5, "completely": 1.5, "far": 1.3, "quite": 0.8, "slightly": 0.5, "somewhat": 0.7,
}  # fmt: skip

_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")


LEXICON: dict[str, float] = parse_lexicon(_LEXICON_TEXT)


@cache
def _lemma(word: str) -> str:
    import simplemma  # imported lazily: its data loads on first use

    return str(simplemma.lemmatize(word, lang="en")).lower()


def weight_of(word: str) -> float | None:
    """The lexicon weight of a word or its base form (cancelled → cancel, praised → praise), else None."""
    if word in LEXICON:
        return LEXICON[word]
    lemma = _lemma(word)
    if lemma in LEXICON:
        return LEXICON[lemma]
    for suffix in ("ed", "d", "s", "es", "ing", "ly"):  # what the lemmatiser left: "cancelled", "freezes"
        if word.endswith(suffix) and word[: -len(suffix)] in LEXICON:
            return LEXICON[word[: -len(suffix)]]
    return None


def _is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith(("n't", "n’t"))


@dataclass(frozen=True)
class EnglishTone:
    score: float | None  # the mean reading in -1…+1; None when nothing was read
    readings: int


def lexicon_readings(words: list[str]) -> tuple[list[float], set[str]]:
    """The lexicon's readings of `words` (each in -1…+1) after negation and intensifiers, and the words used."""
    readings: list[float] = []
    used: set[str] = set()
    negated_for = 0
    boost = 1.0
    for word in words:
        if _is_negation(word):
            if negated_for:
                readings.append(DANGLING_NEGATION)  # "not ... never": the first one found nothing
            negated_for = NEGATION_WINDOW
            used.add(word)
            continue
        if word in INTENSIFIERS:
            boost *= INTENSIFIERS[word]
            used.add(word)
            continue
        weight = weight_of(word)
        if weight is None:
            if negated_for:
                negated_for -= 1
                if not negated_for:
                    readings.append(DANGLING_NEGATION)
            continue
        used.add(word)
        value = max(-1.0, min(1.0, weight * boost / 2))
        readings.append(-value if negated_for else value)
        negated_for = 0
        boost = 1.0
    if negated_for:
        readings.append(DANGLING_NEGATION)
    return readings, used


def english_tone(text: str) -> EnglishTone:
    """The mean of the lexicon's readings and TextBlob's readings of every other word (see the module doc)."""
    from textblob import TextBlob  # imported lazily: it pulls in nltk, which is slow to import

    words = _WORD.findall(text.lower())
    readings, used = lexicon_readings(words)
    for assessed, polarity, _subjectivity, _label in TextBlob(text).sentiment_assessments.assessments:
        lowered = {w.lower() for w in assessed}
        if lowered & used or lowered & NEUTRAL_AT_WORK or any(weight_of(w) is not None for w in lowered):
            continue
        readings.append(float(polarity))
    if not readings:
        return EnglishTone(None, 0)
    return EnglishTone(sum(readings) / len(readings), len(readings))
