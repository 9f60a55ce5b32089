"""Rules driven by the lexicon files: one finding per phrase the data lists."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from ..models import Finding
from .doc import Doc
from .lexicon import NEGATORS, load, phrase_index

# How far back a negator reaches: "i wouldn't call it a dead-end job".
NEGATION_WINDOW = 5
# "not just underpaid" intensifies rather than negates.
_NOT_NEGATING_NEXT = frozenset({"just", "only", "even", "because"})

TARGET_WORDS = {
    "manager": "your manager",
    "employer": "your employer",
    "colleagues": "your colleagues",
    "they": "them",
    "workplace": "your workplace",
}


def negated(doc: Doc, first: int) -> bool:
    """Is the token at `first` under a negator earlier in its clause?"""
    clause = doc.clause_start[first]
    tokens = doc.tokens
    for i in range(max(clause, first - NEGATION_WINDOW), first):
        if tokens[i] in NEGATORS and (i + 1 >= first or tokens[i + 1] not in _NOT_NEGATING_NEXT):
            return True
    return False


@cache
def _meta(name: str) -> dict[str, Any]:
    return load(name)["rule"]


def phrase_findings(doc: Doc, name: str, *, targeted: bool = False) -> Iterator[Finding]:
    """Findings for every unnegated match of lexicon `name` in the doc."""
    meta = _meta(name)
    sections = load(name)
    targets = target_by_sentence(doc) if targeted else {}
    for first, last, phrase in phrase_index(name).matches(doc.tokens):
        if meta.get("negatable") and negated(doc, first):
            continue
        section = sections[phrase.group]
        if targeted:
            target = targets.get(doc.token_sentence[first], "workplace")
            rule = f"{meta['id']}.{target}"
        else:
            target = "workplace"
            rule = f"{meta['id']}.{phrase.group}"
        start, end = doc.char_span(first, last)
        yield Finding(
            rule=rule,
            principle=section.get("principle", meta["principle"]),
            severity=section.get("severity", meta["severity"]),
            start=start,
            end=end,
            excerpt=doc.text[start:end],
            message=section.get("message", meta["message"]).format(target=TARGET_WORDS[target]),
            suggestion=section.get("suggestion", meta["suggestion"]),
        )


def target_by_sentence(doc: Doc) -> dict[int, str]:
    """The first workplace target named in each sentence: manager, employer, ..."""
    found: dict[int, str] = {}
    for first, _, phrase in phrase_index("targets").matches(doc.tokens):
        found.setdefault(doc.token_sentence[first], phrase.group)
    return found


def matches_in(doc: Doc, name: str) -> list[tuple[int, int, str]]:
    """Raw (first, last, group) matches of a lexicon, for rules with their own logic."""
    return [(f, l, p.group) for f, l, p in phrase_index(name).matches(doc.tokens)]


def meta(name: str) -> dict[str, Any]:
    return _meta(name)


__all__ = ["NEGATORS", "negated", "phrase_findings", "matches_in", "meta", "target_by_sentence"]
