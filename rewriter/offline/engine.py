"""The offline engine: read the draft into structure, write from it, check the result.

    compose(draft, context) -> Composition(answer, reasons, facts_kept, left_out, findings)

`findings` holds everything wrong with the answer: the validator's findings (with the
draft as draft, so invented facts count) and the engine's own structural checks
(checks.py). An answer with an error among them is not clean, and the pipeline says so.
Deterministic: the same draft and options always give the same answer.
"""

from __future__ import annotations

import zlib

from ..models import Context, Finding
from ..results import Composition, Reframe
from .checks import structural
from .reader import Reading, read
from .text import fold, normalise, tidy
from .writer import write


def _vetoed(reading: Reading, answer: str, errors: list[Finding]) -> frozenset[str]:
    """Kept clauses inside a span the validator flagged: no word list here knows every insult.

    Checked on the answer itself (one validator pass, which compose() runs anyway); only
    when a flagged span holds one of the user's kept clauses is the draft read again,
    with that clause read as a complaint.
    """
    from ..guard import holds_payload  # a pasted tag, fence or instruction is never kept word for word

    vetoed = set()
    low = fold(answer)
    for c in reading.clauses:
        if c.kind not in {"fact", "desire", "situation"}:
            continue
        if holds_payload(c.text):
            vetoed.add(fold(c.text))
            continue
        pos = low.find(fold(tidy(c.text)).rstrip(" ."))
        if pos < 0:
            continue
        end = pos + len(c.text)
        if any(f.start < end and f.end > pos for f in errors):
            vetoed.add(fold(c.text))
    return frozenset(vetoed)


def reading_of(draft: str) -> Reading:
    """The engine's reading of a draft (before the validator has seen the answer)."""
    return read(draft)


def compose(draft: str, context: Context | None = None, *, variant: int = 0) -> Composition:
    """Rewrite `draft` into an interview answer, deterministically, and check it.

    `variant` 1, 2, ... picks other wordings for the same reading (still deterministic);
    variant 0 is the default answer.
    """
    context = context or Context()
    reading = reading_of(draft)
    seed = zlib.crc32(" ".join(fold(normalise(draft)).split()).encode())
    answer, reasons = _write(draft, reading, context, seed, variant)
    findings = findings_for(answer, reading, draft, context)
    errors = [f for f in findings if f.severity == "error"]
    if errors or any(c.kind in {"fact", "desire", "situation"} for c in reading.clauses):
        vetoed = _vetoed(reading, answer, errors)
        if vetoed:  # a clause of the user's the validator objects to: read it as a complaint, write again
            reading = read(draft, vetoed)
            answer, reasons = _write(draft, reading, context, seed, variant)
            findings = findings_for(answer, reading, draft, context)
    return Composition(
        answer=answer,
        reasons=tuple(reasons),
        facts_kept=tuple(dict.fromkeys(reading.facts_kept)),
        left_out=tuple(dict.fromkeys(reading.left_out)),
        findings=tuple(findings),
    )


def _write(draft: str, reading: Reading, context: Context, seed: int, variant: int) -> tuple[str, list[Reframe]]:
    if context.level == "light":
        from .light import light

        return light(draft, reading, context, seed, variant)
    return write(reading, context, seed, variant)


def findings_for(answer: str, reading: Reading, draft: str, context: Context) -> list[Finding]:
    from ..validate import check

    report = check(answer, draft=draft, context=context)
    if any(f.rule == "fidelity.invented" for f in report.findings) and normalise(draft) != draft:
        # The draft as typed and as read ("6yrs" is "6 years"): both are the user's own words.
        report = check(answer, draft=f"{draft}\n{normalise(draft)}", context=context)
    found = list(report.findings) + structural(answer, reading, draft, context)
    found.sort(key=lambda f: (f.start, f.end, f.rule))
    return found
