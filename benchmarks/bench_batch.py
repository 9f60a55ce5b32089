"""`rewriter batch`: throughput against a slow server, and memory on a long input.

    python benchmarks/bench_batch.py throughput [--drafts 1600] [--rounds 3] [--latency 0.1] [--concurrency 16]
    python benchmarks/bench_batch.py memory [--sizes 10000 100000]
    python benchmarks/bench_batch.py            # both

throughput: the test suite's scripted OpenAI-compatible server runs in its own
process (so our event loop does not share a GIL with it) and answers every request
after a fixed latency. The ideal is concurrency / latency drafts per second
(16 / 0.1 s = 160/s); the figure is the batch's rate as a fraction of it
(goal >= 0.95). In the same run, a bare AsyncOpenAI client firing the identical
request with the same concurrency shows what the server and the loopback allow.

Measured on the 2-core build machine: rewriter batch 0.969-0.970 of ideal end to end
(median of 3 rounds; 0.974-0.975 steady), the bare SDK's create() 0.949-0.956 and post()
0.963-0.968 in the same runs; the server never saw more than 16 requests at once. What
got the batch there (from 0.89-0.93): the request posted without create()'s re-walk of
the body (~0.4 ms a draft), start-up objects frozen out of the garbage collector, and
drafts readied beyond --concurrency whose built requests take a freed slot at once.
The server's 100 ms count from each request's arrival; its mean is printed.

memory: `rewriter batch --engine offline` in a fresh child process per input size,
inputs generated in a temp dir; the figure is the child's peak RSS (its VmHWM, read as
it exits). Goal: <= 150 MB at 100,000 lines, and flat between 10,000 and 100,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_llm import DRAFT, Seen, capture_request_bodies, local_server  # noqa: E402

OFFLINE_DRAFTS = [
    "My boss micromanages me and I'm underpaid. I've been a data analyst for 3 years, SQL and Tableau.",
    "no raise in two years and the commute is 90 minutes each way. I manage a team of 6 nurses.",
    "the company had layoffs and my manager takes credit for my work. I built our billing system in Python.",
    "I'm bored, nothing new to learn here. I run payroll for 140 people and I want to move into HR analytics.",
]


# ---------------------------------------------------------------- throughput


def _write_input(path: Path, n: int, drafts: list[str], *, numbered: bool = False) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            draft = drafts[i % len(drafts)] + (f" I closed {i} tickets last year." if numbered else "")
            f.write(json.dumps({"id": f"d{i:06d}", "draft": draft}) + "\n")
    return path


async def _bare(base_url: str, body: dict[str, Any], n: int, concurrency: int, *, how: str,
                warmed: Callable[[], object]) -> float:
    """A bare AsyncOpenAI client sending `body` n times, `concurrency` at a time: seconds taken
    (after a warm-up round, reported by calling `warmed()`)."""
    import openai
    from openai.types.chat import ChatCompletion

    client = openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            if how == "create":  # the usual call
                await client.chat.completions.create(**body)
            else:  # what rewriter does: the same bytes, without create()'s walk of the body
                await client.post("/chat/completions", body=body, cast_to=ChatCompletion)

    await asyncio.gather(*(one() for _ in range(concurrency)))  # warm the pool
    warmed()
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


def throughput(drafts: int, latency: float, concurrency: int, rounds: int = 3) -> None:
    os.environ["OPENAI_API_KEY"] = "bench"
    from rewriter import RewriteRequest, batch

    ideal = concurrency / latency
    names = ("bare SDK create()", "bare SDK post()", "rewriter batch")
    rates: dict[str, list[float]] = {name: [] for name in names}
    seen: dict[str, list[Seen]] = {name: [] for name in names}
    with local_server(latency) as server, tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        options = batch.Options(RewriteRequest("", base_url=server.base_url), concurrency=concurrency)
        # Warm-up: imports, templates, lexicons; and capture the exact request body sent.
        with capture_request_bodies() as sent:
            warm = batch.run_batch(_write_input(tmpdir / "warm.jsonl", concurrency, [DRAFT]), tmpdir / "warm.out",
                                   options=options)
        assert warm.ok == concurrency, "the benchmark answer must pass the validator first time"
        server.seen()

        inp = _write_input(tmpdir / "in.jsonl", drafts, [DRAFT])
        for number in range(rounds):  # interleaved, so load from other processes hits all sides alike
            out = tmpdir / f"out{number}.jsonl"
            started = time.perf_counter()
            summary = batch.run_batch(inp, out, options=options)
            rates["rewriter batch"].append(drafts / (time.perf_counter() - started))
            assert summary.ok == drafts, summary
            seen["rewriter batch"].append(server.seen())
            for how in ("create", "post"):
                name = f"bare SDK {how}()"
                took = asyncio.run(_bare(server.base_url, sent[0], drafts, concurrency, how=how, warmed=server.seen))
                rates[name].append(drafts / took)
                seen[name].append(server.seen())

    print(f"server latency {latency * 1000:.0f} ms, concurrency {concurrency}, {drafts} drafts x {rounds} rounds, "
          "interleaved; the server runs in its own process")
    print(f"ideal {ideal:.1f} drafts/s (concurrency / latency)")
    print("end to end: the caller's clock. For rewriter batch that includes reading the input twice, making the\n"
          "  HTTP client and writing the output; the bare SDK lines start after a warm-up round, with a warm pool.\n"
          "steady: requests / (last answer - first arrival), on the server's clock: the same window for all three.")
    print(f"{'':<18} {'end to end, median':>20} {'best':>7} {'steady':>7}   "
          f"server saw: {'latency':>8} {'in flight':>9} {'max':>4}")
    steady: dict[str, float] = {}
    for name in names:
        med, best = statistics.median(rates[name]), max(rates[name])
        steady[name] = statistics.median(s.requests / s.seconds for s in seen[name]) / ideal
        lat = statistics.median(s.mean_latency for s in seen[name]) * 1000
        flight = statistics.median(s.mean_in_flight for s in seen[name])
        peak = max(s.max_in_flight for s in seen[name])
        assert peak <= concurrency, f"{name}: {peak} requests in flight at once"
        print(f"{name:<18} {med:8.1f}/s = {med / ideal:.3f} {best / ideal:7.3f} {steady[name]:7.3f}   "
              f"{'':<11} {lat:6.2f} ms {flight:9.2f} {peak:>4}")
    ours = rates["rewriter batch"]
    for name in names[:2]:
        ratio = statistics.median([o / b for o, b in zip(ours, rates[name], strict=True)])
        print(f"batch / {name}, end to end, same round, median: {ratio:.3f}")
    fraction = statistics.median(ours) / ideal
    print(f"throughput fraction, median of {rounds} rounds (goal >= 0.95): end to end {fraction:.3f} "
          f"{'OK' if fraction >= 0.95 else 'UNDER'}; steady {steady['rewriter batch']:.3f} "
          f"{'OK' if steady['rewriter batch'] >= 0.95 else 'UNDER'}")


# ---------------------------------------------------------------- memory


# The child reads its own high-water mark (VmHWM) as it exits. Not ru_maxrss: a forked
# child's starts at this benchmark's own RSS (after the throughput part, ~70 MB) and
# keeps it through exec, which would hide the batch's real peak.
_MEASURED = """
import os, runpy, sys
sys.argv = ["rewriter", *sys.argv[1:]]
try:
    runpy.run_module("rewriter", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as status, open(os.environ["PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _peak_rss_mb(args: list[str], cwd: Path) -> tuple[float, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env["PEAK_FILE"] = str(cwd / "peak.kb")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEASURED, "batch", *args], cwd=cwd, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.decode("utf-8", "replace")
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({proc.returncode}): {err}")
    peak_kb = int((cwd / "peak.kb").read_text())
    return peak_kb / 1024, elapsed, err.strip().splitlines()[-1] if err.strip() else ""


def memory(sizes: list[int]) -> None:
    peaks: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        baseline_in = _write_input(tmpdir / "one.jsonl", 1, OFFLINE_DRAFTS)
        base, _, _ = _peak_rss_mb([str(baseline_in), "-o", str(tmpdir / "one.out"), "--engine", "offline"], tmpdir)
        print(f"{'lines':>8} {'peak RSS':>10} {'seconds':>8} {'drafts/s':>9}")
        print(f"{1:>8} {base:>8.1f} MB")
        for n in sizes:
            inp = _write_input(tmpdir / f"in{n}.jsonl", n, OFFLINE_DRAFTS, numbered=True)
            out = tmpdir / f"out{n}.jsonl"
            peak, elapsed, last = _peak_rss_mb([str(inp), "-o", str(out), "--engine", "offline"], tmpdir)
            with out.open(encoding="utf-8") as f:
                lines = sum(1 for _ in f)
            assert lines == n, (lines, n, last)
            peaks[n] = peak
            print(f"{n:>8} {peak:>8.1f} MB {elapsed:>8.1f} {n / elapsed:>9.0f}")
            inp.unlink()
            out.unlink()
    small, large = min(peaks), max(peaks)
    growth = peaks[large] - peaks[small]
    print(f"peak at {large} lines: {peaks[large]:.1f} MB (goal <= 150 MB): {'OK' if peaks[large] <= 150 else 'OVER'}")
    print(f"growth {small} -> {large} lines: {growth:+.1f} MB ({peaks[large] / peaks[small]:.3f}x); "
          f"over the 1-line run: {peaks[large] - base:+.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", choices=["throughput", "memory", "all"], default="all")
    parser.add_argument("--drafts", type=int, default=1600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    opts = parser.parse_args()
    if opts.what in ("throughput", "all"):
        throughput(opts.drafts, opts.latency, opts.concurrency, opts.rounds)
    if opts.what in ("memory", "all"):
        memory(opts.sizes)


if __name__ == "__main__":
    main()
