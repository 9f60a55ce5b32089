"""Several answers to one draft (`variants=N`): each checked on its own, the best first.

The engines produce the outcomes (the LLM: N runs of the one re-ask loop; offline: N
wordings); this module only ranks them, drops repeats and says what the caller gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .errors import InputError, ServiceError, StillNegativeError
from .results import Rewrite, Variant

MAX_VARIANTS = 5  # more answers than a person compares side by side

Outcome = Rewrite | StillNegativeError | ServiceError


def check_count(variants: object) -> int:
    """The number of variants asked for, checked: a whole number from 1 to MAX_VARIANTS."""
    if isinstance(variants, bool) or not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
        raise InputError(f"variants must be a whole number from 1 to {MAX_VARIANTS}, not {variants!r}")
    return variants


def _same(answer: str) -> str:
    # Two answers that differ only in spacing or case are one answer to a reader.
    return " ".join(answer.casefold().split())


def _rank(item: tuple[int, Variant]) -> tuple[int, int, int, int]:
    index, variant = item
    warnings = len(variant.findings) - variant.error_count
    return (not variant.ok, variant.error_count, warnings, index)


def combine(outcomes: Sequence[Outcome], asked: int, *, why_fewer: str = "") -> Rewrite:
    """The best outcome, carrying every distinct answer (best first) as `variants`.

    Clean answers come first, then fewer errors, then fewer warnings, then the order
    they were asked in. A repeated answer is kept once. Raises StillNegativeError
    (with the variants) when none is clean, and the first ServiceError when no
    variant produced an answer at all.
    """
    ranked: list[tuple[int, Variant, Rewrite | StillNegativeError]] = []
    failures: list[ServiceError] = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, ServiceError):
            failures.append(outcome)
        else:
            ranked.append((index, Variant.of(outcome), outcome))
    if not ranked:
        raise failures[0]
    ranked.sort(key=lambda item: _rank(item[:2]))
    seen: set[str] = set()
    kept: list[tuple[Variant, Rewrite | StillNegativeError]] = []
    for _, variant, outcome in ranked:
        if _same(variant.answer) not in seen:
            seen.add(_same(variant.answer))
            kept.append((variant, outcome))
    variants = tuple(v for v, _ in kept)
    notices: tuple[str, ...] = ()
    if len(variants) < asked:
        failed = len(failures)
        reason = why_fewer or (f"{failed} request{'s' * (failed != 1)} failed" if failed
                               else "some answers came out the same")
        said = f"{len(variants)} distinct answer{'s' * (len(variants) != 1)} of the {asked} asked for: {reason}"
        notices = (said,)
    best = kept[0][1]
    if isinstance(best, Rewrite):
        # What any variant's run had to say (a trimmed posting, a server switched to JSON mode), once each.
        told = dict.fromkeys(n for o in outcomes if isinstance(o, Rewrite) for n in o.notices)
        return replace(best, variants=variants, notices=(*told, *notices))
    raise StillNegativeError(str(best), best=best.best, attempts=best.attempts, engine=best.engine,
                             model=best.model, variants=variants)

