"""Drafts per second of the offline engine on one core (issues 4 and 11: goal >= 500).

    python benchmarks/bench_offline.py [--seconds 3]

compose() reads the draft, writes the answer and checks it (the validator, with the
draft as draft, plus the engine's structural checks): that is all `rewriter rewrite
--engine offline` does per draft, so "compose + check" is compose() itself. Measured
over every draft corpus in tests/data, after one warm-up pass so that the data files
and the validator's lexicons are already loaded (they load once per process). The
read alone and the validator alone are shown too, to say where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from rewriter.models import Context
from rewriter.offline import compose, reading_of
from rewriter.validate import check

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPORA = ("drafts.jsonl", "drafts_dev.jsonl")
GOAL = 500.0


def _drafts() -> list[tuple[str, Context]]:
    out = []
    for name in CORPORA:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out.append((d["draft"], Context(role=d.get("role"), company=d.get("company"))))
    return out


def _rate(work: Callable[[str, Context], object], drafts: list[tuple[str, Context]], seconds: float) -> float:
    """Drafts per second, looping over the corpus for at least `seconds`."""
    done = 0
    start = time.perf_counter()
    while True:
        for draft, ctx in drafts:
            work(draft, ctx)
        done += len(drafts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _compose(draft: str, ctx: Context) -> object:
    return compose(draft, ctx)  # read + write + validator + structural checks


def _read_only(draft: str, ctx: Context) -> object:
    return reading_of(draft)


def _check_only(answer: str, ctx: Context, draft: str) -> object:
    return check(answer, draft=draft, context=ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the issue asks
    drafts = _drafts()
    t0 = time.perf_counter()
    answers = [(compose(draft, ctx).answer, ctx, draft) for draft, ctx in drafts]  # warm-up: data loads once
    warm = time.perf_counter() - t0
    both = _rate(_compose, drafts, args.seconds)
    reading = _rate(_read_only, drafts, args.seconds)
    checking = _rate(lambda a, c: None, [], 0) if not answers else _rate_answers(answers, args.seconds)
    print(f"corpora: {len(drafts)} drafts ({', '.join(CORPORA)}); first pass (incl. loading data): {warm * 1000:.0f} ms")
    print(f"compose + check: {both:8.0f} drafts/s  ({1000 / both:.2f} ms each: read, write, validator, structural checks)")
    print(f"  read alone:    {reading:8.0f} drafts/s  ({1000 / reading:.2f} ms each, incl. the validator's veto pass)")
    print(f"  check alone:   {checking:8.0f} answers/s ({1000 / checking:.2f} ms each: the validator on the answer)")
    print(f"goal >= {GOAL:.0f} drafts/s (compose + check): {'met' if both >= GOAL else 'NOT met'} "
          f"({both / GOAL:.1f}x the goal)")


def _rate_answers(answers: list[tuple[str, Context, str]], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    while True:
        for answer, ctx, draft in answers:
            _check_only(answer, ctx, draft)
        done += len(answers)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


if __name__ == "__main__":
    main()
