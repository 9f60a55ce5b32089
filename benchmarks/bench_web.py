"""`rewriter serve`: what the page costs on top of the validator, measured in one run.

    python benchmarks/bench_web.py [--requests 300]

Runs the real command (`rewriter serve --port 0`, a subprocess on 127.0.0.1) and measures:

1. start-up: from launching `rewriter serve` to the first byte of / (what a person waits
   for after typing the command);
2. first byte of / on a warm server, on a new connection each time (connect included) and
   on one kept-alive connection;
3. POST /api/check of a 150-word answer over HTTP (one kept-alive connection, a minimal
   client, JSON both ways), its p50 and p90, beside check() of the same answer in this process
   and the same request through the ASGI app in process (no socket): the ratios say what HTTP
   and the framework add.

Every figure comes from this one run; the three in 3. are measured in alternating blocks of
20, so that a busy machine's noise falls on all three alike. Requests are sequential: this
is one person's page, not a load test, and nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 20  # measurements of one kind in a row, before the next kind's block

# 150 words, written for this benchmark: mostly what a good answer says, with the slips the
# validator is there to catch (a complaint, a hedge), so the findings path is measured too.
ANSWER = (
    "I have spent four years as a data analyst on the sales operations team, and I am proud of what I built "
    "there. I designed the weekly revenue dashboard that the regional managers now use in every planning "
    "meeting, and it cut the time we spend on reporting by thirty percent. I also trained six new analysts "
    "and wrote the team's guide to cleaning pipeline data. Honestly, the hours were brutal and the place "
    "feels like a dead end, but I learned to prioritise and to explain numbers to people who do not live in "
    "spreadsheets. I guess what I want now is more ownership: a role where I can shape which questions we "
    "ask, not only answer them. Your team's focus on forecasting is exactly that kind of work, and I would "
    "love to bring my experience with messy real-world data to it. Thank you sincerely for considering me."
)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def env_without_llm() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}


def start_server() -> tuple[subprocess.Popen[str], str, str, int, float]:
    """Launch `rewriter serve`; returns the process, its URL, host, port and seconds to the first byte of /."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rewriter", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env_without_llm(), cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://([\d.]+):(\d+)/", line)
    if match is None:
        proc.kill()
        raise SystemExit(f"rewriter serve did not start: {line!r} {proc.communicate()[1]!r}")
    host, port = match.group(1), int(match.group(2))
    first_byte(host, port)  # waits in the listen queue until the app has started
    return proc, match.group(), host, port, time.perf_counter() - started


def first_byte(host: str, port: int, sock: socket.socket | None = None) -> float:
    """Seconds from sending GET / to the first byte of the answer (connect included when no socket is given)."""
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    started = time.perf_counter()
    own = sock is None
    conn = sock or socket.create_connection((host, port))
    try:
        conn.sendall(request)
        conn.recv(1)
        elapsed = time.perf_counter() - started
        if not own:
            _drain_response(conn)
        return elapsed
    finally:
        if own:
            conn.close()


def _drain_response(conn: socket.socket, data: bytes = b"", *, first_byte_read: bool = True) -> bytes:
    """Read the rest of one response (headers with Content-Length, then the body) off a kept-alive socket."""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"content-length: (\d+)", head.lower())
    assert found is not None, head
    length = int(found.group(1)) - (1 if first_byte_read else 0)
    while len(body) < length:
        body += conn.recv(65536)
    return body


def post(conn: socket.socket, request: bytes) -> bytes:
    """One POST on a kept-alive connection, by a minimal HTTP/1.1 client: the server's cost, not a client's."""
    conn.sendall(request)
    return _drain_response(conn, first_byte_read=False)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement (default 300)")
    runs = parser.parse_args().requests

    import httpx2 as httpx

    from rewriter import check
    from rewriter.web import create_app

    words = len(ANSWER.split())
    body = {"text": ANSWER}
    expected = check(ANSWER).to_dict()
    app = create_app()
    loop = asyncio.new_event_loop()
    asgi_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")

    def through_asgi() -> None:
        loop.run_until_complete(asgi_client.post("/api/check", json=body)).raise_for_status()

    proc, _, host, port, startup = start_server()
    try:
        fresh = timed(lambda: first_byte(host, port), runs)
        with socket.create_connection((host, port)) as kept:
            alive = [first_byte(host, port, kept) for _ in range(runs)]

        payload = json.dumps(body).encode()
        request = (f"POST /api/check HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
        with socket.create_connection((host, port)) as kept:
            kept.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            assert json.loads(post(kept, request)) == expected  # the same report, or the figures mean nothing
            through_asgi()  # warm, as the server was warmed by its own start-up
            # Interleaved in blocks: noise from a busy machine hits all three alike, while each block
            # runs back to back (one request at a time after another was just served, as a person's
            # clicks are not: on a loaded machine an idle server first waits for the scheduler).
            in_process: list[float] = []
            asgi: list[float] = []
            over_http: list[float] = []
            for _ in range(max(1, runs // BLOCK)):
                in_process += timed(lambda: check(ANSWER), BLOCK)
                asgi += timed(through_asgi, BLOCK)
                over_http += timed(lambda: post(kept, request), BLOCK)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        loop.run_until_complete(asgi_client.aclose())
        loop.close()

    ms = 1000.0
    p50_check, p50_asgi, p50_http = (statistics.median(s) for s in (in_process, asgi, over_http))
    print(f"rewriter serve, {runs} sequential requests per figure, 127.0.0.1; {len(expected['findings'])} findings "
          f"in the {words}-word answer")
    print(f"start-up: `rewriter serve` launched to first byte of /: {startup * ms:.0f} ms")
    print(f"first byte of /: p50 {statistics.median(fresh) * ms:.2f} ms (new connection each), "
          f"p50 {statistics.median(alive) * ms:.2f} ms (kept alive)")
    print(f"check() in process:            p50 {p50_check * ms:.2f} ms, p90 {percentile(in_process, 0.9) * ms:.2f} ms")
    print(f"POST /api/check, ASGI in process: p50 {p50_asgi * ms:.2f} ms, p90 {percentile(asgi, 0.9) * ms:.2f} ms "
          f"({p50_asgi / p50_check:.1f}x check())")
    print(f"POST /api/check over HTTP:     p50 {p50_http * ms:.2f} ms, p90 {percentile(over_http, 0.9) * ms:.2f} ms "
          f"({p50_http / p50_check:.1f}x check(); +{(p50_http - p50_check) * ms:.2f} ms for HTTP, JSON and FastAPI)")


if __name__ == "__main__":
    main()
