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
from ..results import Composition
from .checks import structural
from .reader import Reading, read
from .text import fold, normalise
from .writer import write


def _vetoed(reading: Reading) -> frozenset[str]:
    """Kept clauses the validator would flag: no word list here can know every insult.

    One check() over all of them at once; a flagged clause is then read as a complaint.
    """
    kept = [c for c in reading.clauses if c.kind in {"fact", "desire", "situation"}]
    if not kept:
        return frozenset()
    from ..guard import holds_payload  # a pasted tag, fence or instruction is never kept word for word
    from ..validate import check

    text, spans, pos = "", [], 0
    for c in kept:
        piece = c.text.rstrip(" .!?") + ". "
        spans.append((pos, pos + len(piece)))
        text += piece
        pos += len(piece)
    errors = [f for f in check(text).findings if f.severity == "error"]
    return frozenset(
        fold(c.text) for c, (a, b) in zip(kept, spans, strict=True)
        if any(f.start < b and f.end > a for f in errors) or holds_payload(c.text)
    )


def reading_of(draft: str) -> Reading:
    """The engine's reading of a draft, with the validator's vetoes applied."""
    reading = read(draft)
    vetoed = _vetoed(reading)
    return read(draft, vetoed) if vetoed else reading


def compose(draft: str, context: Context | None = None, *, variant: int = 0) -> Composition:
    """Rewrite `draft` into an interview answer, deterministically, and check it.

    `variant` 1, 2, ... picks other wordings for the same reading (still deterministic);
    variant 0 is the default answer.
    """
    context = context or Context()
    reading = reading_of(draft)
    seed = zlib.crc32(" ".join(fold(normalise(draft)).split()).encode())
    if context.level == "light":
        from .light import light

        answer, reasons = light(draft, reading, context, seed, variant)
    else:
        answer, reasons = write(reading, context, seed, variant)
    return Composition(
        answer=answer,
        reasons=tuple(reasons),
        facts_kept=tuple(dict.fromkeys(reading.facts_kept)),
        left_out=tuple(dict.fromkeys(reading.left_out)),
        findings=tuple(findings_for(answer, reading, draft, context)),
    )


def findings_for(answer: str, reading: Reading, draft: str, context: Context) -> list[Finding]:
    from ..validate import check

    report = check(answer, draft=draft, context=context)
    found = list(report.findings) + structural(answer, reading, draft, context)
    found.sort(key=lambda f: (f.start, f.end, f.rule))
    return found
