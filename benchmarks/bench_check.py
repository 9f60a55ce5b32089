"""Validator speed, as ratios measured in one run.

    python benchmarks/bench_check.py

1. check() on every corpus sentence vs VADER's polarity_scores alone on the same
   sentences (goal <= 1.5x): the project's rules must cost little next to VADER.
2. `rewriter check` start-up vs `python -c "import typer; <load VADER>"` (goal <= 1.5x):
   nothing heavy (openai, pydantic, rich) may sit on the check path.
3. Long inputs, the bounds the test suite used to assert (tests bound no time): check()
   on one 100 KB line (goal < 5 s) and `rewriter check --file` on 1 MB (goal < 60 s).

Each line of 1. and 2. also gives the ratio of CPU time (the process's own, or the child's
user + system), which waiting for a busy machine's cores does not inflate.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "rewriter"


def sentences() -> list[str]:
    rows: list[str] = []
    for name in ("sentences.csv", "sentences_more.csv", "sentences_holdout.csv"):
        with open(ROOT / "tests" / "data" / name, newline="", encoding="utf-8") as fh:
            rows += [r["text"] for r in csv.DictReader(fh)]
    return rows


def best_of(runs: int, fn, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        started = clock()
        fn()
        times.append(clock() - started)
    return min(times)


def bench_validator() -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from rewriter import check

    texts = sentences()
    vader = SentimentIntensityAnalyzer()
    check(texts[0])  # load lexicons outside the timing, as VADER's is loaded above
    # Interleaved rounds, best of each: machine noise hits both sides alike.
    t_vader = t_check = float("inf")
    c_vader = c_check = float("inf")  # CPU time: on a shared machine, waiting is not cost
    for _ in range(9):
        t_vader = min(t_vader, best_of(1, lambda: [vader.polarity_scores(t) for t in texts]))
        t_check = min(t_check, best_of(1, lambda: [check(t) for t in texts]))
        c_vader = min(c_vader, best_of(1, lambda: [vader.polarity_scores(t) for t in texts], time.process_time))
        c_check = min(c_check, best_of(1, lambda: [check(t) for t in texts], time.process_time))
    ratio = t_check / t_vader
    n = len(texts)
    print(f"validator: {n} sentences; VADER alone {t_vader * 1e6 / n:.1f} us/sentence, "
          f"check() {t_check * 1e6 / n:.1f} us/sentence; ratio {ratio:.2f}x (goal <= 1.5x); "
          f"CPU time ratio {c_check / c_vader:.2f}x")
    return ratio


def bench_startup() -> float:
    # A pip-installed package has bytecode compiled at install time; an editable
    # checkout under PYTHONDONTWRITEBYTECODE would recompile every module on every
    # run. Compile once so both sides are measured as installed.
    import compileall

    compileall.compile_dir(ROOT / "rewriter", quiet=1)
    baseline = [sys.executable, "-c",
                "import typer; from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as S; S()"]
    negative = [str(EXE), "check", "My boss never listens."]
    # A clean answer also loads VADER: the other path through `check`.
    positive = [str(EXE), "check", "I led our onboarding work and I'm keen to grow into a team lead role."]

    cpu: dict[str, list[float]] = {"baseline": [], "negative": [], "positive": []}

    def timed(cmd: list[str], name: str | None = None) -> float:
        before = os.times()
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        after = os.times()
        if name:  # the child's CPU time (user + system): what the command itself cost
            cpu[name].append(after.children_user - before.children_user
                             + after.children_system - before.children_system)
        return elapsed

    for cmd in (baseline, negative, positive):  # warm the OS file cache and ours
        timed(cmd)
    # Interleaved so that machine noise hits every command alike; the minimum is the
    # least noisy estimate of a command's own cost.
    times: dict[str, list[float]] = {"baseline": [], "negative": [], "positive": []}
    for _ in range(21):
        times["baseline"].append(timed(baseline, "baseline"))
        times["negative"].append(timed(negative, "negative"))
        times["positive"].append(timed(positive, "positive"))
    base = min(times["baseline"])
    worst = 0.0
    for name in ("negative", "positive"):
        mine = min(times[name])
        ratio = mine / base
        worst = max(worst, ratio)
        print(f"start-up ({name} answer): baseline {base * 1000:.0f} ms, `rewriter check` "
              f"{mine * 1000:.0f} ms; ratio {ratio:.2f}x (goal <= 1.5x); "
              f"medians {statistics.median(times['baseline']) * 1000:.0f} / "
              f"{statistics.median(times[name]) * 1000:.0f} ms; CPU time ratio "
              f"{min(cpu[name]) / min(cpu['baseline']):.2f}x")
    return worst


def bench_long_inputs() -> None:
    import tempfile

    from rewriter import check

    line = ("my boss never listens and I am underpaid, " * 2500)[:100_000]
    t_line = best_of(3, lambda: check(line))
    answer = ("My boss never listens and I'm sick of this dead-end job. I've grown a lot in my four years on the "
              "support team, and I'm looking for a role with more ownership.\n") * 6200
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.txt"
        big.write_text(answer, encoding="utf-8")
        size = big.stat().st_size
        t_file = best_of(3, lambda: subprocess.run([str(EXE), "check", "--file", str(big), "--json"],
                                                   capture_output=True, check=False))
    print(f"long inputs: one 100 KB line {t_line:.2f} s (goal < 5 s); `rewriter check --file` on "
          f"{size / 1e6:.1f} MB {t_file:.2f} s (goal < 60 s)")


if __name__ == "__main__":
    bench_validator()
    bench_startup()
    bench_long_inputs()
