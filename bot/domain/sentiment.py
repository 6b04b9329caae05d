"""Offline language check and Slack-markup stripping, for the tone reading (bot.domain.tone) and win stories.

`detect_language` is a small deterministic heuristic, not a trained model: it counts English and Finnish
function words, a few Finnish word endings and letters (ä, ö, long vowels) and English spelling cues
(th, w, -ing, -tion, contractions). It tells English from Finnish in ordinary sentences; it does not know
other languages, and short texts or texts mixing both languages about equally give "unknown".
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Literal

DetectedLanguage = Literal["en", "fi", "unknown"]

# The dominant language needs at least this much evidence (about two clear words) ...
MIN_SIGNAL = 2.0
# ... and at least this many times the evidence of the other language.
DOMINANCE = 2.0

# Words common in one language that are not words of the other. Ambiguous ones are left out on purpose:
# "on" (Finnish "is", English "on"), "me", "he" and "no" count for neither language.
_FI_WORDS = frozenset(
    """
    ja ei oli olla ole olen olet olemme olette ovat olivat ollut olleet olisi ois että ettei kun se sen sitä
    siitä siinä sillä siihen hän häntä hänen hänelle ne niitä niiden heille heidän heitä meille meidän meitä
    meillä teille teidän minä minua minulle sinä sinua sinulle mä sä mut myös mutta tai vai jos kuin vain
    vaan jo nyt sitten kiitos kiitokset kiitti hyvin hyvä hyvää hyvän tosi todella erittäin aivan ihan koko
    kaikki kaikille kanssa jälkeen ennen vielä aina mitä mikä miten missä joka jotka jonka joita jota tämä
    tämän tätä tästä tässä nämä siis eli paljon sekä eikä koska kuten heti lisäksi asti jotta emme en et
    saatiin saimme saivat sai teimme tehtiin teki voi voitiin pitää oma oman omaa uusi uuden uutta nopeasti
    iso isoa pieni päivä päivän viikolla viikon tänään eilen huomenna saada saatu oikein kiva kivaa loistava
    mahtava upea apu avulla tuki tuen ongelma ongelman palaute palautetta
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_EN_WORDS = frozenset(
    """
    the a an and was were to of is are am be been being you your yours for with thanks thank thanked it its
    this that these those they them their we our ours us she her his him i my have has had not but or so
    at by from as all what which who whom would will can could should did do does done very really great
    happy helped help got made just about after before when there here how out up into than then also
    because if more new one some every today yesterday week support problem issue solved fixed quickly
    customer customers client clients team amazing awesome good well job work worked shared
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_FI_PREFIXES = ("asiak", "kiit", "onnist", "tyytyv", "yhteist", "tiimi", "kolleg", "palaut", "toimit")
_EN_PREFIXES = ("customer", "thank", "colleague")
# Finnish case and verb endings; English words rarely end like this (vanilla, pasta, delta are the
# exceptions that prove the rule, and they only add half a word of evidence).
_FI_ENDINGS = (
    "ssa", "ssä", "lla", "llä", "sta", "stä", "lta", "ltä", "lle", "ksi", "nsa", "nsä", "aan", "ään", "iin",
    "inen", "isen", "iset", "uksen", "yksen", "vat", "vät", "nut", "nyt", "neet", "tiin",
)  # fmt: skip
_EN_ENDINGS = ("ing", "tion", "tions", "ed", "ly", "ness")
_FI_LONG_VOWELS = ("aa", "ii", "uu", "yy", "ää", "öö")

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SLACK_ANGLE = re.compile(r"<([^<>\n]*)>")
_EMOJI = re.compile(r"(?<!\d):[a-z0-9_+'-]+:(?!\d)")  # :tada:, :+1:, :skin-tone-2: but not 12:30:45
_FORMATTING = re.compile(r"[*~`_]+")
_SPACES = re.compile(r"\s+")


def _angle(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner.startswith(("@", "#", "!")):
        return " "  # <@U123>, <#C1|name>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>
    _, bar, label = inner.partition("|")
    return f" {label} " if bar else " "  # <https://…|label> keeps the label, a bare link goes


def strip_slack_markup(text: str) -> str:
    """Plain words of a Slack mrkdwn text: no mentions, channel links, URLs, emoji codes or formatting."""
    text = _SLACK_ANGLE.sub(_angle, text)
    text = _EMOJI.sub(" ", text)
    text = _FORMATTING.sub(" ", text)
    text = html.unescape(text)  # Slack escapes &, < and > as entities
    return _SPACES.sub(" ", text).strip()


def _ascii_fold(word: str) -> str:
    return word.replace("ä", "a").replace("ö", "o")


# Finnish typed on an English keyboard: "etta", "myos", "tama".
_FI_WORDS_ALL = _FI_WORDS | {_ascii_fold(w) for w in _FI_WORDS if _ascii_fold(w) not in _EN_WORDS}


def _token_evidence(token: str) -> tuple[float, float]:
    """(Finnish, English) evidence of one lower-case word, each at most 1."""
    if token in _FI_WORDS_ALL:
        return 1.0, 0.0
    if token in _EN_WORDS:
        return 0.0, 1.0
    if "'" in token or "’" in token:
        return 0.0, 1.0  # don't, it's, customer's
    if token.startswith(_FI_PREFIXES):
        return 1.0, 0.0
    if token.startswith(_EN_PREFIXES):
        return 0.0, 1.0
    fi = 0.0
    if "ä" in token or "ö" in token:
        fi = 1.0
    elif len(token) >= 5 and token.endswith(_FI_ENDINGS):
        fi = 0.75
    elif any(pair in token for pair in _FI_LONG_VOWELS):
        fi = 0.5
    en = 0.0
    if len(token) >= 5 and token.endswith(_EN_ENDINGS):
        en = 0.75
    elif "th" in token or "w" in token:
        en = 0.5
    return fi, en


def language_evidence(text: str) -> tuple[float, float]:
    """(Finnish, English) evidence of a text; roughly the number of words typical of each language."""
    words = _WORD.findall(unicodedata.normalize("NFC", strip_slack_markup(text)).lower())
    fi = en = 0.0
    for word in words:
        word_fi, word_en = _token_evidence(word)
        fi += word_fi
        en += word_en
    return fi, en


def detect_language(text: str) -> DetectedLanguage:
    """Return "en", "fi" or "unknown", offline and deterministic (see the module docstring for the limits).

    A language wins when it has at least `MIN_SIGNAL` evidence and `DOMINANCE` times the other's;
    short texts ("ok", "Kiitos!") and evenly mixed texts are "unknown".
    """
    fi, en = language_evidence(text)
    if fi >= MIN_SIGNAL and fi >= DOMINANCE * en:
        return "fi"
    if en >= MIN_SIGNAL and en >= DOMINANCE * fi:
        return "en"
    return "unknown"
