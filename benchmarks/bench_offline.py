"""Drafts per second of the offline engine on one core (issue 4: goal >= 500).

    python benchmarks/bench_offline.py [--seconds 3]

Measures compose() alone and compose() + check() (what `rewriter rewrite --engine
offline` does per draft), over the test corpus, after one warm-up pass so that the
data files and the validator's lexicons are already loaded (they load once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from rewriter.models import Context
from rewriter.offline import compose
from rewriter.validate import check

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "drafts.jsonl"
GOAL = 500.0


def _drafts() -> list[tuple[str, Context]]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
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


def _compose_only(draft: str, ctx: Context) -> object:
    return compose(draft, ctx)


def _compose_and_check(draft: str, ctx: Context) -> object:
    answer = compose(draft, ctx).answer
    return check(answer, draft=draft, context=ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the issue asks
    drafts = _drafts()
    t0 = time.perf_counter()
    for draft, ctx in drafts:  # warm-up: data files and lexicons load here, once
        _compose_and_check(draft, ctx)
    warm = time.perf_counter() - t0
    only = _rate(_compose_only, drafts, args.seconds)
    both = _rate(_compose_and_check, drafts, args.seconds)
    print(f"corpus: {len(drafts)} drafts; first pass (incl. loading data): {warm * 1000:.0f} ms")
    print(f"compose only:    {only:8.0f} drafts/s  ({1000 / only:.2f} ms each)")
    print(f"compose + check: {both:8.0f} drafts/s  ({1000 / both:.2f} ms each)")
    print(f"goal >= {GOAL:.0f} drafts/s (compose + check): {'met' if both >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
