"""Tone of Finnish text: a Pulssi-owned lexicon of customer-experience and work words, lemmatised with simplemma.

The lexicon below was written for Pulssi from how Finnish customer-service and workplace texts talk (not
translated from an English list): each base form has a weight from -2 (strongly negative) to +2. Words are
reduced to their base form with simplemma (MIT, offline, ships Finnish), so "asiakkaat tyytyväisiä" finds
"tyytyväinen". Negation (`ei`, `eikä`, `en`, `et`, `emme`, `ette`, `eivät`, `ilman`) flips the next scored
word within four words ("ei ollut hyvä" is negative, "ei ongelmia" positive), and intensifiers (`erittäin`,
`todella`, `tosi`, …) strengthen the next one; `vähän`, `melko`, `aika` soften it.

A text is "not scored" only when fewer than `MIN_MATCHES` of its words are in the lexicon.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from bot.domain.tone_lexicon import parse_lexicon

MIN_MATCHES = 1
NEGATION_WINDOW = 4
# The mean weight of the matched words above +MARGIN reads positive, below -MARGIN negative.
MARGIN = 0.25

_LEXICON_TEXT = """
# positive: service and outcome
hyvä 1.5  paras 2  parempi 1  loistava 2  erinomainen 2  mahtava 2  upea 2  huippu 2  ihana 2  kiva 1.5
hieno 1.5  onnistua 1.5  onnistunut 1.5  onnistuminen 1.5  ratketa 1  ratkaista 1  ratkaisu 1  sujua 1
sujuva 1.5  sujuvasti 1.5  nopea 1  nopeasti 1  ripeä 1  ripeästi 1  ajoissa 1  tyytyväinen 1.5
tyytyväisyys 1  kiitos 1.5  kiittää 1.5  kiitollinen 1.5  kehua 1.5  kehu 1.5  suositella 1.5  ystävällinen 1.5
ystävällisesti 1.5  avulias 1.5  auttaa 1  apu 1  selkeä 1  selkeästi 1  helppo 1  vaivaton 1.5  luotettava 1.5
asiantunteva 1.5  ammattitaitoinen 1.5  ilahtua 1.5  ilahduttaa 1.5  ilo 1.5  iloinen 1.5  innostua 1.5
innostunut 1.5  innostava 1.5  hymy 1  kannustava 1.5  reilu 1  joustava 1  toimiva 1  toimia 0.5  kätevä 1
miellyttävä 1.5  mukava 1.5  lämmin 1  arvostaa 1.5  arvostus 1.5  onnellinen 2  onni 1.5  hauska 1.5
onnistunut 1.5  palkita 1.5  ylpeä 1.5  vahva 1  turvallinen 1  rauhallinen 1  kiinnostava 1  oppia 0.5
kehittyä 1  parantua 1  parantaa 1  tuki 0.5  tukea 1  yhteistyö 0.5  luottamus 1  pitää 0.5  tykätä 1.5
rakastaa 2  ihailla 1.5  kiittäen 1  kätevästi 1  täydellinen 2  täsmällinen 1  kunnossa 1  valmis 0.5
kohtelias 1.5  palvelualtis 1.5  helpottaa 1  helpotus 1  vastaanottavainen 1
ilahduttava 1.5  positiivinen 1  myönteinen 1  ongelmaton 1.5  moitteeton 1.5  kiitettävä 1.5  onnistuneesti 1.5
tehokas 1  tehokkaasti 1  motivoitunut 1.5  motivoiva 1.5  voittaa 1  menestys 1.5  menestyä 1.5
# negative: service and outcome
huono 1.5-  huonosti 1.5-  heikko 1-  kamala 2-  kauhea 2-  surkea 2-  karmea 2-  hirveä 2-  järkyttävä 2-
pettyä 1.5-  pettynyt 1.5-  pettymys 1.5-  valittaa 1-  valitus 1-  reklamaatio 1-  ongelma 1-  vika 1-
viallinen 1.5-  rikki 1.5-  rikkoutua 1.5-  virhe 1-  hidas 1-  hitaasti 1-  myöhässä 1-  viivästyä 1-
viive 1-  viivästys 1-  odottaa 0.5-  odotus 0.5-  jonottaa 1-  jono 0.5-  sekava 1-  epäselvä 1-
vaikea 1-  hankala 1-  vaikeus 1-  turhauttaa 1.5-  turhautunut 1.5-  turhautuminen 1.5-  ärsyttää 1.5-
ärsyttävä 1.5-  ärtynyt 1.5-  vihainen 2-  suuttua 1.5-  suuttunut 1.5-  kiukkuinen 1.5-  töykeä 2-
epäkohtelias 2-  välinpitämätön 1.5-  tyytymätön 1.5-  tyytymättömyys 1.5-  stressi 1.5-  stressaava 1.5-
kiire 1-  kuormitus 1-  uupua 1.5-  uupunut 1.5-  väsynyt 1-  väsyttää 1-  kuormittava 1-  riita 1.5-
konflikti 1-  syyttää 1.5-  huoli 1-  huolestuttaa 1-  pelätä 1.5-  pelko 1.5-  epävarma 1-  menettää 1-
peruuttaa 1-  irtisanoa 1-  lopettaa 0.5-  hukata 1-  kadota 1-  unohtaa 1-  epäonnistua 1.5-
epäonnistuminen 1.5-  huijaus 2-  kallis 0.5-  ylimääräinen 0.5-  turha 1-  kurja 1.5-  ikävä 1-  harmi 1-
harmittaa 1-  valitettavasti 1-  sotku 1-  kaaos 1.5-  katastrofi 2-  kehno 1.5-  puutteellinen 1-
keskeneräinen 0.5-  toimimaton 1.5-  jumittaa 1-  kaatua 1-  häiriö 1-  katkos 1-  yksin 0.5-
negatiivinen 1-  kielteinen 1-  sietämätön 2-  kestämätön 1.5-  laiminlyödä 1.5-  loukata 1.5-  epäreilu 1.5-
tehoton 1-  sekaisin 1-  vaikeasti 1-  huolimaton 1.5-  ylityö 1-
"""


LEXICON: dict[str, float] = parse_lexicon(_LEXICON_TEXT)
NEGATIONS = frozenset({"ei", "eikä", "en", "et", "emme", "ette", "eivät", "ilman", "eivätkä", "enkä", "etkä"})
INTENSIFIERS: dict[str, float] = {
    "erittäin": 1.5, "todella": 1.5, "tosi": 1.5, "aivan": 1.3, "ihan": 1.2, "niin": 1.2, "super": 1.5,
    "kauhean": 1.5, "hirveän": 1.5, "äärimmäisen": 1.8, "täysin": 1.5, "yllättävän": 1.3, "hyvin": 1.3,
    "melko": 0.7, "aika": 0.7, "vähän": 0.5, "hieman": 0.5, "jonkin": 0.7, "kohtalaisen": 0.7,
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@cache
def _lemma(word: str) -> str:
    import simplemma  # imported lazily: its Finnish data loads on first use

    return str(simplemma.lemmatize(word, lang="fi")).strip(".,;:!?").lower()


def _weight(word: str) -> float | None:
    if word in LEXICON:
        return LEXICON[word]
    lemma = _lemma(word)
    if lemma in LEXICON:
        return LEXICON[lemma]
    # A compound's last part carries its tone: "asiakaspalvelu" no, "pikaratkaisu" → "ratkaisu".
    for start in range(3, len(lemma) - 3):
        if lemma[start:] in LEXICON:
            return LEXICON[lemma[start:]]
    return None


@dataclass(frozen=True)
class FinnishTone:
    score: float | None  # mean weight of the matched words, None when too few matched
    matched: int


def finnish_tone(text: str) -> FinnishTone:
    """The mean weight of the text's lexicon words after negation and intensifiers; None below MIN_MATCHES."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    weights = [None if word in NEGATIONS else _weight(word) for word in words]
    total = 0.0
    matched = 0
    negated_for = 0
    boost = 1.0
    for index, word in enumerate(words):
        if word in NEGATIONS:
            negated_for = NEGATION_WINDOW
            continue
        following = weights[index + 1] if index + 1 < len(words) else None
        # "hyvin" is "well" ("meni hyvin", positive) unless it intensifies a scored word ("hyvin huono").
        if word in INTENSIFIERS and (word != "hyvin" or following is not None):
            boost *= INTENSIFIERS[word]
            continue
        weight = weights[index]
        if word == "hyvin":
            weight = 1.0
        if weight is None:
            negated_for = max(0, negated_for - 1)
            continue
        value = weight * boost
        if negated_for:
            value = -0.8 * value  # "ei huono" is milder than "hyvä"
            negated_for = 0
        total += value
        matched += 1
        boost = 1.0
    if matched < MIN_MATCHES:
        return FinnishTone(score=None, matched=matched)
    return FinnishTone(score=total / matched, matched=matched)
