"""Validator speed, as ratios measured in one run.

    python benchmarks/bench_check.py

1. check() on every corpus sentence vs VADER's polarity_scores alone on the same
   sentences (goal <= 1.5x): the project's rules must cost little next to VADER.
2. `rewriter check` start-up vs `python -c "import typer; <load VADER>"` (goal <= 1.5x):
   nothing heavy (openai, pydantic, rich) may sit on the check path.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "rewriter"


def sentences() -> list[str]:
    rows: list[str] = []
    for name in ("sentences.csv", "sentences_holdout.csv"):
        with open(ROOT / "tests" / "data" / name, newline="", encoding="utf-8") as fh:
            rows += [r["text"] for r in csv.DictReader(fh)]
    return rows


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_validator() -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from rewriter import check

    texts = sentences()
    vader = SentimentIntensityAnalyzer()
    check(texts[0])  # load lexicons outside the timing, as VADER's is loaded above
    t_vader = best_of(7, lambda: [vader.polarity_scores(t) for t in texts])
    t_check = best_of(7, lambda: [check(t) for t in texts])
    ratio = t_check / t_vader
    n = len(texts)
    print(f"validator: {n} sentences; VADER alone {t_vader * 1e6 / n:.1f} us/sentence, "
          f"check() {t_check * 1e6 / n:.1f} us/sentence; ratio {ratio:.2f}x (goal <= 1.5x)")
    return ratio


def bench_startup() -> float:
    baseline = [sys.executable, "-c",
                "import typer; from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as S; S()"]
    ours = [str(EXE), "check", "My boss never listens."]

    def timed(cmd: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        return time.perf_counter() - started

    for cmd in (baseline, ours):  # warm the OS file cache
        timed(cmd)
    # Interleave so that machine noise hits both sides alike.
    base_times, our_times = [], []
    for _ in range(15):
        base_times.append(timed(baseline))
        our_times.append(timed(ours))
    base, mine = statistics.median(base_times), statistics.median(our_times)
    ratio = mine / base
    print(f"start-up: baseline {base * 1000:.0f} ms, `rewriter check` {mine * 1000:.0f} ms; "
          f"ratio {ratio:.2f}x (goal <= 1.5x)")
    return ratio


if __name__ == "__main__":
    bench_validator()
    bench_startup()
