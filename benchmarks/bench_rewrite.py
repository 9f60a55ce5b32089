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
import statistics
import time

from local_llm import DRAFT, capture_request_bodies, server_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    opts = parser.parse_args()

    import openai

    from rewriter import rewrite


    with server_process(opts.latency) as base_url:
        # Warm-up: imports, lexicons, templates, the first connection; and capture the exact body sent.
        with capture_request_bodies() as sent:
            result = rewrite(DRAFT, base_url=base_url)
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

    sdk_med, ours_med = statistics.median(sdk), statistics.median(ours)
    print(f"server latency   {opts.latency * 1000:.0f} ms, {opts.rounds} rounds each, interleaved")
    print(f"bare SDK call    median {sdk_med * 1000:7.2f} ms   mean {statistics.mean(sdk) * 1000:7.2f} ms")
    print(f"rewrite()        median {ours_med * 1000:7.2f} ms   mean {statistics.mean(ours) * 1000:7.2f} ms")
    print(f"overhead         {(ours_med - sdk_med) * 1000:7.2f} ms per rewrite")
    ratio = ours_med / sdk_med
    print(f"ratio            {ratio:.3f}x (goal <= 1.02x): {'OK' if ratio <= 1.02 else 'OVER'}")


if __name__ == "__main__":
    main()
