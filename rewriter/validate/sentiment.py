"""VADER, loaded once per process, and a gate that skips it where it cannot matter.

VADER's compound score can only go negative through a word with negative valence,
a negator ("not good"), a dampening booster ("slightly"), one of its negative idioms,
or an emoticon. A sentence with none of these scores >= 0, so the validator, which
only asks "is this clearly negative?", need not run VADER on it. The gate is
conservative: anything it is unsure of (digits, symbols, emoji) goes to VADER.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES, SentimentIntensityAnalyzer

from .diskcache import cached

_WORDS = re.compile(r"[a-z]+(?:['’][a-z]+)*")
# Characters outside plain words and everyday punctuation, and n't contractions.
_UNSURE = re.compile(r"[^A-Za-z\s,.!?'’\"\-]|n['’]t", re.IGNORECASE)


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(sentence: str) -> float:
    """VADER's compound score, -1 (negative) to +1 (positive)."""
    score: float = analyzer().polarity_scores(sentence)["compound"]
    return score


def _plain(word: str) -> str:
    return word.replace("'", "").replace("’", "")


@cache
def _triggers() -> frozenset[str]:
    """Words whose presence can make VADER's score negative."""
    import vaderSentiment.vaderSentiment as vader_module

    lexicon_file = Path(vader_module.__file__).with_name("vader_lexicon.txt")
    return cached("vader-triggers", [lexicon_file, Path(__file__)], _compute_triggers)


def _compute_triggers() -> frozenset[str]:
    words: set[str] = set()
    for entry, valence in analyzer().lexicon.items():
        if valence < 0:
            # VADER looks up single whitespace tokens: "cover-up" is one, "fed up" never matches.
            if " " not in entry:
                parts = _WORDS.findall(entry.lower())
                # "cover-up" is found by its first word; "o.o" only by its letters.
                words.update(_plain(w) for w in (parts if all(len(p) == 1 for p in parts) else parts[:1]))
    words.update(_plain(w.lower()) for w in NEGATE)
    words.update(_plain(p) for phrase, s in BOOSTER_DICT.items() if s < 0 for p in phrase.split())
    words.update(_plain(p) for phrase, v in SPECIAL_CASES.items() if v < 0 for p in phrase.split())
    words.update({"least", "no", "without"})
    return frozenset(words)


def can_be_negative(sentence: str) -> bool:
    """False only when VADER's compound score for `sentence` is certainly >= 0."""
    if _UNSURE.search(sentence):
        return True
    return not _triggers().isdisjoint(_plain(w) for w in _WORDS.findall(sentence.lower()))


def doc_can_be_negative(tokens: list[str], text: str) -> bool:
    """The same test over a whole text, from its already normalised tokens."""
    return bool(_UNSURE.search(text)) or not _triggers().isdisjoint(tokens)
