"""What `--variants 3` costs against one answer, LLM and offline, in one run.

    python benchmarks/bench_variants.py [--rounds 20] [--latency 0.05]

LLM: the test suite's scripted OpenAI-compatible server in its own process, answering
each request `latency` seconds after it arrives (as bench_rewrite.py does), with a
different clean answer per choice. Two servers: one honours `n` (n=3 gives three
choices in one reply: one round trip), one ignores it (one choice back; rewriter then
sends the other two requests at once: two round trips the first time in a process, one
once it knows). Every answer passes the validator first time, so no re-asks are timed.

Offline: rewrite(engine="offline") of the benchmark drafts, one answer vs three
(three compose() + check() when the engine has `variant=`; with an engine that has one
wording, the second line shows what asking costs when there is nothing more to give).

Sides are interleaved round by round so that drift on a shared machine hits them alike;
the figures are medians.
"""

from __future__ import annotations

import argparse
import inspect
import json
import multiprocessing
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from local_llm import (  # also puts tests/ on sys.path
    DRAFT,
    Scripted,
    ScriptedServer,
    answer_json,
)

_TEXTS = (
    ("I've learned a great deal coordinating projects for the marketing team, and I'm grateful for it. I'm "
     "now ready to take on more ownership and lead projects myself, which is why this role is such an "
     "exciting next step. I'd love to bring what I've learned and keep growing."),
    ("Three years of coordinating projects for the marketing team taught me how much I enjoy bringing people "
     "and deadlines together. I'm ready to lead projects myself now, and this role is the step where I can "
     "do that and keep learning from a strong team."),
    ("What I value most about my time on the marketing team is what coordinating its projects taught me. I "
     "want to build on that by leading projects myself, and this role offers exactly the kind of ownership "
     "I'm looking for. I'm excited to grow into it."),
)
ANSWERS = [answer_json(text, reasons=[("close supervision", "ready for more ownership")]) for text in _TEXTS]
OFFLINE_DRAFTS = [
    ("my boss micromanages everything and im underpaid. been a data analyst 4 years, built the sales dashboard "
     "in Tableau that cut reporting time 30%. honestly sick of this place"),
    "no room to grow here, I've been a nurse for 6 years and I want to move into nurse education",
    "the company got bought and my whole team was laid off. I ran payroll for 40 people",
]

class _VariantServer(ScriptedServer):
    """Answers `n` with n different clean answers (honour_n), or always one choice, in turn."""

    def __init__(self, *, latency: float, honour_n: bool) -> None:
        super().__init__(latency=latency)
        self.honour_n = honour_n
        self.turn = 0

    def _answer(self, raw: bytes) -> Scripted:
        wanted = json.loads(raw).get("n", 1) if raw else 1
        with self._lock:
            start, self.turn = self.turn, self.turn + 1
        if self.honour_n:
            return Scripted.choices([ANSWERS[i % len(ANSWERS)] for i in range(wanted)])
        return Scripted.completion(ANSWERS[start % len(ANSWERS)])


def _serve(latency: float, honour_n: bool, conn: Any) -> None:
    with _VariantServer(latency=latency, honour_n=honour_n) as server:
        conn.send(server.base_url)
        conn.recv()  # until told to stop


@contextmanager
def server(latency: float, honour_n: bool) -> Iterator[str]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(latency, honour_n, child), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(5)


def _timed(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    for call in calls.values():  # warm-up: imports, lexicons, templates, connections
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls.items())
    for round_ in range(rounds):
        for name, call in order if round_ % 2 == 0 else reversed(order):  # no side always goes first
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    opts = parser.parse_args()

    from rewriter import rewrite
    from rewriter.llm import transport
    from rewriter.offline import compose

    def llm(base_url: str, variants: int, *, forget: bool = False) -> Callable[[], object]:
        def call() -> object:
            if forget:  # as a fresh process would: not yet known whether the server honours n
                transport.IGNORES_N.clear()
            result = rewrite(DRAFT, base_url=base_url, variants=variants)
            assert len(result.attempts) == 1 and len(result.variants or [result]) == variants
            return result

        return call

    with server(opts.latency, honour_n=True) as honours, server(opts.latency, honour_n=False) as ignores:
        medians = _timed({
            "1 answer": llm(honours, 1),
            "3, server honours n": llm(honours, 3),
            "3, ignores n, first": llm(ignores, 3, forget=True),
            "3, ignores n, known": llm(ignores, 3),
        }, opts.rounds)
    one = medians["1 answer"]
    print(f"LLM, scripted server {opts.latency * 1000:.0f} ms per request, {opts.rounds} rounds, medians")
    for name, value in medians.items():
        print(f"  {name:<22} {value * 1000:8.1f} ms   {value / one:5.2f}x one answer")

    has_variants = "variant" in inspect.signature(compose).parameters

    def offline(variants: int) -> Callable[[], object]:
        return lambda: [rewrite(d, engine="offline", variants=variants) for d in OFFLINE_DRAFTS]

    medians = _timed({"1 answer": offline(1), "3 answers": offline(3)}, opts.rounds)
    per = len(OFFLINE_DRAFTS)
    wordings = "compose(variant=) present" if has_variants else "this engine has one wording: 1 answer back"
    print(f"offline ({wordings}), {per} drafts, {opts.rounds} rounds, medians per draft")
    for name, value in medians.items():
        print(f"  {name:<22} {value / per * 1000:8.2f} ms   {value / medians['1 answer']:5.2f}x one answer")


if __name__ == "__main__":
    main()
