"""Rules driven by the lexicon files: one finding per phrase the data lists."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from ..models import Finding
from .doc import Doc
from .lexicon import NEGATORS, load

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
    clause = doc.clause_start(first, NEGATION_WINDOW)
    tokens = doc.tokens
    for i in range(max(clause, first - NEGATION_WINDOW), first):
        if tokens[i] in NEGATORS and (i + 1 >= first or tokens[i + 1] not in _NOT_NEGATING_NEXT):
            return True
    return False


@cache
def _meta(name: str) -> dict[str, Any] | None:
    """A lexicon's [rule] table; None for data-only lexicons (targets, pivots)."""
    return load(name).get("rule")


def rule_table(name: str) -> dict[str, Any] | None:
    """A lexicon's [rule] table, or None for data-only lexicons."""
    return _meta(name)


def lexicon_findings(doc: Doc) -> Iterator[Finding]:
    """One finding per match of every lexicon file that declares a [rule].

    Rule options, in the file's [rule] table: `negatable` (a negator earlier in the
    clause cancels the match), `targeted` (the rule id names who is criticised), and
    `first_sentence_only` (only the answer's headline counts; reported once).
    Section options: `max_words` (the section counts only in an answer that short),
    and a `context` table per phrase, for words with another sense: `after` (the word
    before must be one of these: "a raise", not "raise reading scores"), `not_after`
    ("this kind of work" is a noun, not a hedge), `not_before` ("earn my MBA").
    """
    for name, found in doc.matches.items():
        meta = _meta(name)
        if meta is None:
            continue
        sections = load(name)
        targets = target_by_sentence(doc) if meta.get("targeted") else None
        for first, last, phrase in found:
            if meta.get("negatable") and negated(doc, first):
                continue
            if meta.get("first_sentence_only") and doc.token_sentence(first) != 0:
                continue
            section = sections[phrase.group]
            if "max_words" in section and len(doc.tokens) > section["max_words"]:
                continue
            if "context" in section and not _in_context(doc, first, last, section["context"].get(phrase.text)):
                continue
            target = "workplace"
            if targets is not None:
                target = targets.get(doc.token_sentence(first), "workplace")
                rule = f"{meta['id']}.{target}"
            else:
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
            if meta.get("first_sentence_only"):
                break


def _in_context(doc: Doc, first: int, last: int, context: dict[str, list[str]] | None) -> bool:
    if not context:
        return True
    tokens = doc.tokens
    before = tokens[first - 1] if first else ""
    after = tokens[last] if last < len(tokens) else ""
    if "after" in context and before not in context["after"]:
        return False
    if before and before in context.get("not_after", ()):
        return False
    return not (after and after in context.get("not_before", ()))


def target_by_sentence(doc: Doc) -> dict[int, str]:
    """The first workplace target named in each sentence: manager, employer, ..."""
    found: dict[int, str] = {}
    for first, _, phrase in doc.matches.get("targets", ()):
        found.setdefault(doc.token_sentence(first), phrase.group)
    return found


def matches_in(doc: Doc, name: str) -> list[tuple[int, int, str]]:
    """Raw (first, last, group) matches of a lexicon, for rules with their own logic."""
    return [(first, last, p.group) for first, last, p in doc.matches.get(name, ())]


def meta(name: str) -> dict[str, Any]:
    found = _meta(name)
    if found is None:
        raise KeyError(f"lexicon {name!r} has no [rule] table")
    return found
