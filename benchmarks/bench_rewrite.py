"""rewrite() end to end vs a bare SDK call, against the same local server, in one run.

    python benchmarks/bench_rewrite.py [--rounds 40] [--latency 0.05]

The server is the test suite's scripted OpenAI-compatible server on 127.0.0.1,
in its own process, with a fixed latency (default 50 ms), standing in for the network and the model.
Both sides send the identical request body and reuse one client (one connection
pool), so the ratio measures only rewriter's own work: rendering the prompts,
parsing the answer, running the validator. Goal: <= 1.02x.

The goal is judged against the usual SDK call, chat.completions.create(). rewriter
sends the same bytes through the SDK's client.post() instead, which skips create()'s
~0.4 ms re-walk of the body; the bare post() line shows what that alone is worth, so
the ratio to it is rewriter's own work with nothing saved on the SDK side.
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
    from openai.types.chat import ChatCompletion

    from rewriter import rewrite


    with server_process(opts.latency) as base_url:
        # Warm-up: imports, lexicons, templates, the first connection; and capture the exact body sent.
        with capture_request_bodies() as sent:
            result = rewrite(DRAFT, base_url=base_url)
        assert len(result.attempts) == 1, "the benchmark answer must pass the validator first time"
        body = sent[0]
        bare = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)
        calls = {
            "bare SDK create()": lambda: bare.chat.completions.create(**body),
            "bare SDK post()": lambda: bare.post("/chat/completions", body=body, cast_to=ChatCompletion),
            "rewrite()": lambda: rewrite(DRAFT, base_url=base_url),
        }
        times: dict[str, list[float]] = {name: [] for name in calls}
        for call in calls.values():
            call()
        for _ in range(opts.rounds):  # interleaved, so drift hits every side alike
            for name, call in calls.items():
                t = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - t)

    print(f"server latency   {opts.latency * 1000:.0f} ms, {opts.rounds} rounds each, interleaved")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:<18} median {medians[name] * 1000:7.2f} ms   mean {statistics.mean(values) * 1000:7.2f} ms")
    ours = medians["rewrite()"]
    for name in ("bare SDK post()", "bare SDK create()"):
        print(f"rewrite() vs {name:<18} {(ours - medians[name]) * 1000:+6.2f} ms = {ours / medians[name]:.3f}x")
    ratio = ours / medians["bare SDK create()"]
    print(f"ratio to the usual SDK call {ratio:.3f}x (goal <= 1.02x): {'OK' if ratio <= 1.02 else 'OVER'}")


if __name__ == "__main__":
    main()
