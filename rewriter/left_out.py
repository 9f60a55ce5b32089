"""Everything the offline engine drops is listed under "Left out".

An engine lists the clauses it leaves out as it reads them; one it cannot place (a
one-word insult, an insult its lexicon does not know) can vanish unlisted. The
validator is the one source of truth for what is negative: a phrase it flags in the
draft that the answer does not carry, and that no listed item already holds, is added
with its clause. A user then sees every complaint and insult that was removed.
"""

from __future__ import annotations

import re

# Whole-draft findings (length, language, a sentence's overall tone) are not a phrase to list.
_PHRASE_RULES = ("blame.", "complaint.", "insult.", "sarcasm.", "desperation.")
_CLAUSE_EDGE = re.compile(r"[,;:.!?()\n]|\s[-–—]\s|\s(?:but|and|so|because|plus)\s", re.IGNORECASE)


def complete(draft: str, answer: str, left_out: tuple[str, ...]) -> tuple[str, ...]:
    """`left_out` plus the clause of every flagged phrase of `draft` found in neither it nor `answer`."""
    from .validate import check

    listed = list(left_out)
    said = answer.casefold()
    for finding in check(draft).findings:
        if finding.severity != "error" or not finding.rule.startswith(_PHRASE_RULES):
            continue
        phrase = finding.excerpt.casefold()
        if phrase in said or any(phrase in item.casefold() for item in listed):
            continue
        listed.append(_clause(draft, finding.start, finding.end))
    return tuple(listed)


def _clause(text: str, start: int, end: int) -> str:
    before = [m.end() for m in _CLAUSE_EDGE.finditer(text, 0, start)]
    after = _CLAUSE_EDGE.search(text, end)
    return text[before[-1] if before else 0: after.start() if after else len(text)].strip()
