"""rewrite() end to end vs a bare SDK call, against the same local server, in one run.

    python benchmarks/bench_rewrite.py [--rounds 40] [--latency 0.05]

The server is the test suite's scripted OpenAI-compatible server on 127.0.0.1,
in its own process, with a fixed latency (default 50 ms), standing in for the network and the model.
Both sides send the identical request body and reuse one client (one connection
pool), so the ratio measures only rewriter's own work: rendering the prompts,
parsing the answer, running the validator. Goal: <= 1.02x.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from scripted_server import Scripted, ScriptedServer, answer_json  # noqa: E402

DRAFT = (
    "My boss micromanages every email I send and I'm underpaid. I've coordinated projects for the "
    "marketing team for three years and I want to lead projects myself."
)
ANSWER = answer_json(
    "I've learned a great deal coordinating projects for the marketing team, and I'm grateful for it. "
    "I'm now ready to take on more ownership and lead projects myself, which is why this role is such an "
    "exciting next step. I'd love to bring what I've learned and keep growing.",
    reasons=[("close supervision", "ready for more ownership")],
    facts_kept=["coordinated projects for the marketing team"],
)


def _serve(latency: float, conn: Any) -> None:
    """The server in its own process, like a real endpoint: it does not share our GIL."""
    with ScriptedServer([Scripted.completion(ANSWER)], latency=latency, repeat_last=True) as server:
        conn.send(server.base_url)
        conn.recv()  # until told to stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    opts = parser.parse_args()

    import openai

    from rewriter import rewrite

    from rewriter import llm

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(opts.latency, child), daemon=True)
    server.start()
    base_url = parent.recv()
    try:
        # Warm-up: imports, lexicons, templates, the first connection; and capture the exact body sent.
        sent: list[dict[str, Any]] = []
        original = llm.request_kwargs
        llm.request_kwargs = lambda messages, config: sent.append(original(messages, config)) or sent[-1]
        result = rewrite(DRAFT, base_url=base_url)
        llm.request_kwargs = original
        assert len(result.attempts) == 1, "the benchmark answer must pass the validator first time"
        body = sent[0]
        bare = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)
        bare.chat.completions.create(**body)

        ours: list[float] = []
        sdk: list[float] = []
        for _ in range(opts.rounds):  # interleaved, so drift hits both sides alike
            t = time.perf_counter()
            bare.chat.completions.create(**body)
            sdk.append(time.perf_counter() - t)
            t = time.perf_counter()
            rewrite(DRAFT, base_url=base_url)
            ours.append(time.perf_counter() - t)
    finally:
        parent.send("stop")
        server.join(5)

    sdk_med, ours_med = statistics.median(sdk), statistics.median(ours)
    print(f"server latency   {opts.latency * 1000:.0f} ms, {opts.rounds} rounds each, interleaved")
    print(f"bare SDK call    median {sdk_med * 1000:7.2f} ms   mean {statistics.mean(sdk) * 1000:7.2f} ms")
    print(f"rewrite()        median {ours_med * 1000:7.2f} ms   mean {statistics.mean(ours) * 1000:7.2f} ms")
    print(f"overhead         {(ours_med - sdk_med) * 1000:7.2f} ms per rewrite")
    ratio = ours_med / sdk_med
    print(f"ratio            {ratio:.3f}x (goal <= 1.02x): {'OK' if ratio <= 1.02 else 'OVER'}")


if __name__ == "__main__":
    main()
