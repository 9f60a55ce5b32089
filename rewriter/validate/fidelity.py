"""P5, quantify but never invent: facts in the answer must come from the user.

A number, amount, percentage, duration, date or proper name in the answer that
appears neither in the draft nor in the context the user gave is an invented fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..models import Finding
from .doc import Doc

_NUMBER = re.compile(
    r"(?<![\w.])[$£€]?(\d[\d,]*(?:\.\d+)?)\s*(%|percent|k|m|mm|bn|b|million|billion|thousand)?(?![\w])",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "thousand": 1000, "million": 1e6, "billion": 1e9, "dozen": 12,
    "half": 0.5, "double": 2, "twice": 2, "triple": 3, "tripled": 3, "doubled": 2,
}
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Capitalised mid-sentence for grammar, not because they name anything.
_ALWAYS_CAPITALISED = frozenset(
    "i im ive id ill monday tuesday wednesday thursday friday saturday sunday english".split()
)
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W_]+)*")
# A word that starts with a letter other than a-z (A-Z, or any non-ASCII letter), not
# glued to a digit ("5M" is an amount, not a name).
_CAPITALISED = re.compile(r"(?<![^\W_])[^\W\d_a-z][^\W_]*(?:['’][^\W_]+)*")
_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"(?<![^\W_])(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")(?![^\W_'’])",
    re.IGNORECASE,
)

MESSAGE = "This fact is not in your draft: an interviewer may ask about it, and it must be true."
SUGGESTION = "Use only numbers, dates and names you actually gave; remove or correct this one."


def _values(text: str) -> set[float]:
    values: set[float] = set()
    # Cheap pre-checks first: most answers have few digits and no number words.
    for m in _NUMBER.finditer(text) if _DIGIT.search(text) else ():
        number = float(m.group(1).replace(",", "") or 0)
        values.add(number)
        unit = (m.group(2) or "").lower()
        if unit in _SCALE:
            values.add(number * _SCALE[unit])
    for word in _WORD.findall(text.lower()):
        if word in _NUMBER_WORDS:
            values.add(_NUMBER_WORDS[word])
    return values


@lru_cache(maxsize=64)
def _source_facts(source: str) -> tuple[frozenset[float], frozenset[str]]:
    words = frozenset(w.lower().replace("’", "'") for w in _WORD.findall(source))
    return frozenset(_values(source)), words


def invented_facts(doc: Doc, source: str) -> Iterator[Finding]:
    """Findings for facts in doc.text that `source` (draft + context) does not hold."""
    numbers, words = _source_facts(source)
    text = doc.text
    # Cheap pre-checks first: most answers have few digits and no number words.
    for m in _NUMBER.finditer(text) if _DIGIT.search(text) else ():
        value = float(m.group(1).replace(",", "") or 0)
        unit = (m.group(2) or "").lower()
        if value in numbers or (unit in _SCALE and value * _SCALE[unit] in numbers):
            continue
        yield _finding(text, m.start(), m.end(), "number")
    for m in _NUMBER_WORD.finditer(text) if not _NUMBER_WORDS.keys().isdisjoint(doc.tokens) else ():
        lower = m.group().lower()
        if lower not in ("half", "double", "twice") and _NUMBER_WORDS[lower] not in numbers and lower not in words:
            yield _finding(text, m.start(), m.end(), "number")
    sentence_starts = {s for s, _ in doc.sentences}
    # Only capitalised words can be names or months: scan for those alone.
    for m in _CAPITALISED.finditer(text):
        word = m.group()
        if not word[0].isupper():
            continue
        lower = word.lower().replace("’", "'")
        if lower in _NUMBER_WORDS or lower.replace("'", "") in _ALWAYS_CAPITALISED:
            continue
        if lower in _MONTHS:
            if lower not in words:
                yield _finding(text, m.start(), m.end(), "date")
            continue
        if _at_sentence_start(text, m.start(), sentence_starts):
            continue
        if lower not in words:
            yield _finding(text, m.start(), m.end(), "name")


def _at_sentence_start(text: str, offset: int, sentence_starts: set[int]) -> bool:
    if offset in sentence_starts:
        return True
    i = offset - 1  # step back over spaces and opening quotes (not a slice: long texts)
    while i >= 0 and text[i] in " \t\"'“‘(":
        i -= 1
    return i < 0 or text[i] in ".!?:\n"


def _finding(text: str, start: int, end: int, kind: str) -> Finding:
    return Finding(
        rule="fidelity.invented",
        principle="P5",
        severity="error",
        start=start,
        end=end,
        excerpt=text[start:end],
        message=f"Invented {kind}? {MESSAGE}",
        suggestion=SUGGESTION,
    )
