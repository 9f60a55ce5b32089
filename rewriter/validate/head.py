"""Is a sentence negative overall? A small logistic head over VADER and context.

A fixed VADER cut-off flags a layoff told plainly ("my role was one of 40 cut") and
misses a terse complaint VADER scores neutral ("one weekend off per month"). This head
weighs VADER's four scores together with context signals: a hard fact told plainly,
a look ahead, diplomatic wording, complaint cues, a workplace aspect, a negator.
(A sentence that goes on to tell its hardship as learning is left alone anyway: see
told_as_learning in rules.py.)
Its weights are a few numbers in head.json, fitted offline by benchmarks/fit_head.py
on the project's tuning corpora and the development split of collected real-world
text; here it is plain arithmetic, no numpy, no model.

It judges only sentences no specific rule flagged, and skips VADER where even its
most negative score could not push the sentence over the line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ..models import Finding
from .diskcache import cached
from .doc import Doc
from .lexicon import NEGATORS, TOKEN, load, normalise
from .sentiment import analyzer, can_be_negative, doc_can_be_negative

HEAD_FILE = Path(__file__).with_name("head.json")
VADER = ("neg", "neu", "pos", "compound")
SIGNALS = ("aspect", "neutral_fact", "forward", "diplomatic", "achievement", "cue", "negator", "first_person")
FEATURES = VADER + SIGNALS
_FIRST_PERSON = frozenset("i im ive id ill my me myself".split())
# "zero accidents", "no complaints", "never late": a negative word that is denied,
# which VADER reads as negative ("zero" is no negator to it).
_DENIERS = NEGATORS | {"zero", "without"}
# "from nothing to $300k", "down to almost none": a measure, not a negation.
_MEASURE_BEFORE = frozenset("from to almost nearly virtually down".split())
CUE_CAP = 2.0


@cache
def head() -> dict[str, Any]:
    """The fitted weights, read back from the disk cache (json is off the start-up path)."""
    data = cached("head", [HEAD_FILE], _read_head)
    if tuple(data["features"]) != FEATURES:
        raise RuntimeError(f"{HEAD_FILE.name} was fitted on other features: rerun benchmarks/fit_head.py")
    return data


def _read_head() -> dict[str, Any]:
    import json  # only on a cache miss

    with open(HEAD_FILE, encoding="utf-8") as fh:
        head: dict[str, Any] = json.load(fh)
    return head


def sentence_signals(doc: Doc) -> list[dict[str, float]]:
    """Per sentence, the context signals (everything but VADER's scores)."""
    n = len(doc.sentences)
    signals = [dict.fromkeys(SIGNALS, 0.0) for _ in range(n)]
    tokens = doc.tokens
    if not tokens:
        return signals
    # Most answers checked are one sentence: no token needs placing in a sentence.
    where = (lambda i: 0) if n == 1 else doc.token_sentence
    matches = doc.matches
    for name in ("aspects", "targets"):
        for first, _, _ in matches.get(name, ()):
            signals[where(first)]["aspect"] = 1.0
    # "no overtime", "no weekend shifts": a burden denied is a perk, not a complaint.
    denied = _denied_burdens(doc)
    for first, _, phrase in matches.get("context", ()):
        if phrase.group == "cue" and (_denial_or_measure(tokens, first) or first in denied):
            continue  # "zero accidents", "from nothing to $300k": no complaint
        row = signals[where(first)]
        row[phrase.group] = row[phrase.group] + 1.0 if phrase.group == "cue" else 1.0
    if any(row["cue"] for row in signals):
        # Cues per ten words, at most 2: a long list of perks gathers a few "always" and
        # "only" without being a complaint; a terse "too many meetings" is one.
        lengths = [len(tokens)] if n == 1 else _sentence_lengths(doc)
        for row, length in zip(signals, lengths, strict=False):
            row["cue"] = min(row["cue"] / max(1.0, length / 10), CUE_CAP)
    if not NEGATORS.isdisjoint(tokens):
        for i, token in enumerate(tokens):
            if token in NEGATORS and not _denial_or_measure(tokens, i) and i not in denied:
                signals[where(i)]["negator"] = 1.0
    for i, token in enumerate(tokens):
        if token[:1].isdigit():
            signals[where(i)]["achievement"] = 1.0
    if not _FIRST_PERSON.isdisjoint(tokens):
        for i, token in enumerate(tokens):
            if token in _FIRST_PERSON:
                signals[where(i)]["first_person"] = 1.0
    return signals


@cache
def _burdens() -> frozenset[str]:
    return frozenset(k for k, v in load("aspects").items() if isinstance(v, dict) and v.get("burden"))


def _denied_burdens(doc: Doc) -> set[int]:
    """Tokens of a denier just before a burden (an aspect marked `burden`: hours,
    overtime, shifts) and of the burden itself: "no overtime", "never any weekend shifts"."""
    found = doc.matches.get("aspects", ())
    if not found:
        return set()
    burdens = _burdens()
    tokens = doc.tokens
    denied: set[int] = set()
    for first, last, phrase in found:
        if phrase.group not in burdens:
            continue
        for d in range(first - 1, max(-1, first - 3), -1):
            if tokens[d] in _DENIERS:
                denied.update(range(d, last))
                break
    return denied


def _denial_or_measure(tokens: list[str], i: int) -> bool:
    """Is the negator or cue at i part of a measure ("from nothing to", "almost none") or
    the denial of a negative word ("zero accidents", "no complaints")?"""
    if i and tokens[i - 1] in _MEASURE_BEFORE:
        return True
    if tokens[i] not in _DENIERS:
        return False
    valence = analyzer().lexicon
    return any(valence.get(t, 0.0) < 0 for t in tokens[i + 1:i + 3])


def _sentence_lengths(doc: Doc) -> list[int]:
    lengths = [0] * len(doc.sentences)
    for i in range(len(doc.tokens)):
        lengths[doc.token_sentence(i)] += 1
    return lengths


def _only_denied_negatives(sentence: str) -> bool:
    """True when every word VADER finds negative in `sentence` is denied ("zero accidents")."""
    words = [normalise(w) for w in TOKEN.findall(sentence)]
    valence = analyzer().lexicon
    negative = [i for i, w in enumerate(words) if valence.get(w, 0.0) < 0]
    return bool(negative) and all(
        any(words[j] in _DENIERS for j in range(max(0, i - 2), i)) for i in negative
    )


def logit(values: dict[str, float], weights: dict[str, float], bias: float) -> float:
    return bias + sum(weights[k] * values[k] for k in FEATURES)


def _upper_bound(signals: dict[str, float], weights: dict[str, float], bias: float,
                 vader_negative_possible: bool) -> float:
    """The highest logit VADER's scores could give a sentence with these signals. Each
    score lies in [0, 1] (compound in [-1, 1]); with no negative word, neg is 0 and
    compound >= 0."""
    total = bias + sum(weights[k] * signals[k] for k in SIGNALS)
    total += max(0.0, weights["neu"]) + max(0.0, weights["pos"])
    if vader_negative_possible:
        return total + max(0.0, weights["neg"]) + abs(weights["compound"])
    return total + max(0.0, weights["compound"])


def _optimistic_bound(doc: Doc, weights: dict[str, float], bias: float) -> float:
    """An upper bound of every sentence's logit in a text VADER scores >= 0 throughout:
    each signal at its most (its count in the whole text), VADER's neg at 0."""
    total = bias + sum(max(0.0, weights[k]) for k in ("neu", "pos", "compound"))
    present: dict[str, float] = {}
    for _, _, phrase in doc.matches.get("context", ()):
        present[phrase.group] = present.get(phrase.group, 0.0) + 1.0
    if "aspects" in doc.matches or "targets" in doc.matches:
        present["aspect"] = 1.0
    if not NEGATORS.isdisjoint(doc.tokens):
        present["negator"] = 1.0
    if not _FIRST_PERSON.isdisjoint(doc.tokens):
        present["first_person"] = 1.0
    for k, value in present.items():
        if weights.get(k, 0.0) > 0:
            total += weights[k] * (min(value, CUE_CAP) if k == "cue" else 1.0)
    return total


# VADER lets a negator turn a word up to three words later, across commas: "no
# overtime, good pay" comes out negative. Neutral filler after each clause mark puts the
# next clause out of reach (fillers only add to the neutral share).
_CLAUSE_MARK = re.compile(r"[,;:|•]|\s[-–—]\s?")
_FILLER = " , qqq qqq qqq "


def vader_scores(sentence: str) -> dict[str, float]:
    if _CLAUSE_MARK.search(sentence) and not _DENIERS.isdisjoint(sentence.lower().split()):
        sentence = _CLAUSE_MARK.sub(_FILLER, sentence)
    scores: dict[str, float] = analyzer().polarity_scores(sentence)
    if scores["neg"] and not _DENIERS.isdisjoint(sentence.lower().split()) and _only_denied_negatives(sentence):
        # VADER counts "accidents" in "zero accidents" as negative; nothing here is.
        scores = {"neg": 0.0, "neu": scores["neu"] + scores["neg"], "pos": scores["pos"],
                  "compound": max(scores["compound"], 0.0)}
    return scores


def negative_overall(doc: Doc, flagged: set[int]) -> Iterator[Finding]:
    """P1: a sentence the head judges negative overall that no specific rule explained."""
    if len(flagged) >= len(doc.sentences):
        return
    data = head()
    weights, bias = data["weights"], data["bias"]
    risky_doc = doc_can_be_negative(doc.tokens, doc.text)
    if not risky_doc and _optimistic_bound(doc, weights, bias) < 0:
        return  # no sentence could reach the line: skip the signals and VADER alike
    all_signals = sentence_signals(doc)
    several = len(doc.sentences) > 1
    for index, (start, end) in enumerate(doc.sentences):
        if index in flagged:
            continue
        signals = all_signals[index]
        sentence = doc.text[start:end]
        if _upper_bound(signals, weights, bias, vader_negative_possible=True) < 0:
            continue  # even VADER's most negative scores would not flag it
        if (not risky_doc or several and not can_be_negative(sentence)) and \
                _upper_bound(signals, weights, bias, vader_negative_possible=False) < 0:
            continue
        score = logit({**vader_scores(sentence), **signals}, weights, bias)
        if score < 0:
            continue
        lead = len(sentence) - len(sentence.lstrip())
        trail = len(sentence) - len(sentence.rstrip())
        s, e = start + lead, end - trail
        if s >= e:
            continue
        yield Finding(
            "sentiment.negative", "P1", "error", s, e, doc.text[s:e],
            f"This sentence reads as negative overall (p = {1 / (1 + math.exp(-score)):.2f}).",
            "Rephrase around what you gained and what you want next.",
        )
