"""The aspect x evaluation rule: a workplace aspect judged negatively, in any words.

Phrase lists miss what they have not seen ("the management is not good", "salary came
two weeks late", "lack of leadership"). Most complaints pair a workplace aspect
(aspects.toml: pay, hours, management, culture, ...) with an evaluation
(evaluations.toml): a negative word, an absence before the aspect, a negated positive,
or a grievance told as fact. This rule reports the pair, its span covering both parts
and its message naming both, with the aspect's own rule id and principle.

Negation-aware: "the pay is not bad" and "never late" pass; "no complaints about the
pay" passes; "not a good fit" is diplomatic, not a verdict.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import cache
from typing import Any

from ..models import Finding
from .doc import Doc
from .lexicon import NEGATORS, load, phrase_index
from .phrases import negated, rule_table

# How many words may stand between the two parts.
AFTER_ASPECT = 6  # "the raise they promised us in the spring came three months late"
BEFORE_ASPECT = 3  # "poor internal communication", "lack of clear leadership"
# Words that end the clause an evaluation can reach across.
_BREAKS = frozenset(
    "but though although however yet whereas except while because since unless if when and or than".split())
_PUNCT = re.compile(r"[,;:()\"“”—–!?.|/•*]|\s-|-\s|\n")
# Between an evaluation and the aspect after it stand only modifiers ("poor internal
# communication"); a preposition or determiner means the evaluation is about
# something else ("no drama on my team", "a clear understanding of expectations").
_NOT_MODIFIERS = frozenset(
    "of on in at with about for from to by into over my our your their his her the a an this that "
    "these those its some".split()
)
# Targets (targets.toml) are aspects too: a verdict on the boss is a verdict on management.
_TARGET_ASPECT = {"manager": "management", "employer": "management", "they": "management", "colleagues": "culture"}
_TARGET_RULE = {"manager": "blame.manager", "employer": "blame.employer", "they": "blame.they",
                "colleagues": "blame.colleagues"}
_TARGET_RULES = frozenset(_TARGET_RULE.values())
_GENERAL = ("negative", "absence", "positive", "fact")
# An evaluation ending in one of these reaches its aspect across a determiner.
_PREPOSITIONS = frozenset("with about around of on".split())
_DETERMINERS = frozenset("the a an my our their his her its this that these those last".split())


@cache
def _aspect_sections() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in load("aspects").items() if isinstance(v, dict) and "rule" in v}


@cache
def _modified_nouns() -> frozenset[str]:
    """Nouns an evaluation right before them judges instead of the aspect ("difficult decision")."""
    return frozenset(load("evaluations").get("modifies", {}).get("nouns", ()))


@cache
def _specific_to(evaluation: str) -> frozenset[str]:
    """The aspects an aspect-specific evaluation judges ("brutal": hours and workload)."""
    return frozenset(
        phrase.group for phrase in phrase_index().phrases
        if phrase.lexicon == "evaluations" and phrase.text == evaluation
    )


def _joined(doc: Doc, left_last: int, right_first: int) -> bool:
    """No clause break between token left_last-1 and token right_first."""
    tokens = doc.tokens
    for t in range(left_last, right_first):
        if tokens[t] in _BREAKS:
            return False
    if right_first <= left_last:
        return True
    spans, text = doc.spans, doc.text
    return not _PUNCT.search(text, spans[left_last - 1][1], spans[right_first][0])


# What may stand between a negator and the positive word it turns: "is not a very good",
# "never been great". Anything else means the negator is about something else
# ("no overtime, good pay").
_NEGATED_GAP = frozenset(
    "a an the very so that really particularly always too all as exactly quite entirely overly "
    "especially super been be being is are was were remotely even exactly terribly that much".split()
)


_OBJECTS = frozenset("me us them you him her".split())
# Negators that deny the noun right after them, not a verdict further on.
_NOUN_NEGATORS = frozenset("no zero without".split())


def _negator_near(doc: Doc, first: int, aspect_tokens: set[int], window: int = 4) -> bool:
    """Is the positive word at `first` turned by a negator just before it? Only small
    words, and the aspect itself ("they didn't pay me enough"), may stand between."""
    tokens = doc.tokens
    for t in range(first - 1, max(-1, first - window - 1), -1):
        if tokens[t] in NEGATORS:
            if tokens[t] in _NOUN_NEGATORS and any(u in aspect_tokens for u in range(t + 1, first)):
                return False  # "no overtime, good pay": "no" denies the noun after it
            return _joined(doc, t + 1, first)
        if tokens[t] not in _NEGATED_GAP and tokens[t] not in _OBJECTS and t not in aspect_tokens:
            return False
    return False


def aspect_evaluations(doc: Doc) -> Iterator[Finding]:
    """P2/P4: a workplace aspect paired with a negative evaluation in one clause."""
    matches = doc.matches
    evaluations = matches.get("evaluations")
    if not evaluations:
        return
    aspects: list[tuple[int, int, str, str, str]] = []  # first, last, aspect group, rule, principle
    sections = _aspect_sections()
    tokens = doc.tokens
    for first, last, phrase in matches.get("aspects", ()):
        section = sections[phrase.group]
        other_sense = section.get("other_sense_before")
        if other_sense and not set(tokens[last:last + 3]).isdisjoint(other_sense):
            continue  # "pay attention", "pay close attention", "paid off": the word in another sense
        aspects.append((first, last, phrase.group, section["rule"], section["principle"]))
    for first, last, phrase in matches.get("targets", ()):
        aspects.append((first, last, _TARGET_ASPECT[phrase.group], _TARGET_RULE[phrase.group], "P2"))
    if not aspects:
        return
    aspects.sort()
    # Only aspects within pairing distance of an evaluation can pair with it: look them up by
    # position (bisect) instead of walking every aspect for every evaluation, which made long
    # texts quadratic (1 MB took over 30 s).
    firsts = [a[0] for a in aspects]
    longest = max(a[1] - a[0] for a in aspects)
    aspect_tokens = {t for first, last, *_ in aspects for t in range(first, last)}
    vetoes = {(first, p.group) for first, _, p in evaluations if p.group in ("diplomatic", "concession")}
    veto_at = {first: group for first, group in vetoes}
    eval_starts = {first for first, _, _ in evaluations}
    modified = _modified_nouns()
    covered = _covered_by_errors(doc)
    reported: set[int] = set()
    for e_first, e_last, phrase in evaluations:
        kind = phrase.group
        if kind in ("diplomatic", "concession") or e_first in covered:
            continue  # a veto word, or an evaluation a lexicon rule already reports
        if kind == "positive":
            if not _negator_near(doc, e_first, aspect_tokens):
                continue
        elif NEGATORS.isdisjoint(tokens[e_first:e_first + 1]) and negated(doc, e_first):
            continue  # "the pay is not bad", "never late"
        if e_last < len(tokens) and tokens[e_last] in modified:
            continue  # "the difficult decision to restructure": the adjective judges the noun after it
        # "not a good fit", "not the right match for me": a neutral reason, not a verdict.
        if any(veto_at.get(t) == "diplomatic" for t in range(e_last, min(e_last + 3, len(tokens)))):
            continue
        best: tuple[int, int, str, str, str] | None = None
        best_rank: tuple[bool, int] = (True, 99)
        lo = bisect_left(firsts, e_first - AFTER_ASPECT - longest)
        hi = bisect_right(firsts, e_last + BEFORE_ASPECT)
        for aspect in aspects[lo:hi]:
            a_first, a_last, group, _, _ = aspect
            if a_first < e_last and e_first < a_last:
                continue  # the same words
            if kind not in _GENERAL and group not in _specific_to(phrase.text):
                continue  # "long" judges hours, not pay
            if kind == "absence" and sections.get(group, {}).get("absence_is_fair"):
                continue  # no promotion path is a fair reason to move (P4); no night shifts, a perk
            if a_first >= e_last:  # evaluation, then aspect: "poor communication"
                gap = a_first - e_last
                if gap > BEFORE_ASPECT or not _joined(doc, e_last, a_first):
                    continue
                between = tokens[e_last:a_first]
                if kind == "fact" or tokens[e_last - 1] in _PREPOSITIONS:
                    # "went back on the raise", "problems with the management"
                    between = [t for t in between if t not in _DETERMINERS]
                if not _NOT_MODIFIERS.isdisjoint(between):
                    continue
                if any(t in veto_at or (t in eval_starts and gap > 1) for t in range(e_last, a_first)):
                    continue  # "no complaints about the pay", "no overtime, good pay"
            else:  # aspect, then evaluation: "the pay came late"
                if kind == "absence":
                    continue
                gap = e_first - a_last
                if gap > AFTER_ASPECT or not _joined(doc, a_last, e_first):
                    continue
            # The workplace aspect over a person ("they went back on the raise": the raise),
            # then the nearer.
            rank = (aspect[3] in _TARGET_RULES, gap)
            if best is None or rank < best_rank:
                best, best_rank = aspect, rank
        if best is None or best[0] in reported:
            continue
        reported.add(best[0])
        a_first, a_last, group, rule, principle = best
        start, end = doc.char_span(min(a_first, e_first), max(a_last, e_last))
        a_start, a_end = doc.char_span(a_first, a_last)
        e_start, e_end = doc.char_span(e_first, e_last)
        if kind == "positive":  # name the negator with the positive word
            e_start = doc.spans[_last_negator(doc, e_first)][0]
            e_end = max(e_end, doc.spans[e_last - 1][1])
            start = min(start, e_start)
        pairing = load("aspects")["pairing"]
        words = {"aspect": doc.text[a_start:a_end], "evaluation": doc.text[e_start:e_end]}
        yield Finding(
            rule, principle, "error", start, end, doc.text[start:end],
            pairing["message"].format(**words), pairing["suggestion"].format(**words),
        )


def _covered_by_errors(doc: Doc) -> set[int]:
    """Tokens inside a match of a lexicon whose rule is an error ("chaotic", "toxic")."""
    covered: set[int] = set()
    for name, found in doc.matches.items():
        meta = rule_table(name)
        if meta is not None and meta.get("severity") == "error":
            for first, last, _ in found:
                covered.update(range(first, last))
    return covered


def _last_negator(doc: Doc, first: int) -> int:
    for t in range(first - 1, max(-1, first - 5), -1):
        if doc.tokens[t] in NEGATORS:
            return t
    return first
