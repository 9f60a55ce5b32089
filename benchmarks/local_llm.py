"""What the LLM benchmarks share: a draft, a clean scripted answer, and the test
suite's scripted OpenAI-compatible server run in its own process (like a real
endpoint, it does not share our GIL), with a fixed latency."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Seen:
    """What the server saw of the requests answered since the last look."""

    requests: int
    seconds: float  # from the first arrival to the last answer
    mean_latency: float  # arrival to answer written, per request
    mean_in_flight: float  # requests being served, averaged over `seconds`
    max_in_flight: int
    first_arrival: float = 0.0  # time.monotonic(), which on Linux is one clock for every process
    last_answer: float = 0.0

    @classmethod
    def of(cls, spans: list[tuple[float, float]]) -> Seen:
        if not spans:
            return cls(0, 0.0, 0.0, 0.0, 0)
        edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
        now = peak = 0
        for _, step in edges:
            now += step
            peak = max(peak, now)
        first, last = min(start for start, _ in spans), max(end for _, end in spans)
        busy = sum(end - start for start, end in spans)
        return cls(len(spans), last - first, busy / len(spans), busy / (last - first) if last > first else 0.0, peak,
                   first, last)


def _serve(latency: float, conn: Any) -> None:
    with ScriptedServer([Scripted.completion(ANSWER)], latency=latency, repeat_last=True) as server:
        conn.send(server.base_url)
        while conn.recv() == "seen":  # until told to stop
            with server._lock:
                answered, server.received[:] = [r for r in server.received if r.answered], []
            conn.send(Seen.of([(r.arrived, r.answered) for r in answered]))


class LocalServer:
    """A scripted server in its own process: its URL, and what it saw of the requests."""

    def __init__(self, base_url: str, conn: Any) -> None:
        self.base_url = base_url
        self._conn = conn

    def seen(self) -> Seen:
        """What the server saw since the last call (requests still in flight are dropped)."""
        self._conn.send("seen")
        return self._conn.recv()


@contextmanager
def local_server(latency: float) -> Iterator[LocalServer]:
    """A scripted server answering ANSWER `latency` seconds after each request arrives."""
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(latency, child), daemon=True)
    server.start()
    try:
        yield LocalServer(parent.recv(), parent)
    finally:
        parent.send("stop")
        server.join(5)


@contextmanager
def server_process(latency: float) -> Iterator[str]:
    """The base URL of a scripted server answering ANSWER after `latency` seconds."""
    with local_server(latency) as server:
        yield server.base_url


@contextmanager
def capture_request_bodies() -> Iterator[list[dict[str, Any]]]:
    """The exact request bodies rewriter sends while the block runs."""
    from rewriter.llm import reply as llm

    sent: list[dict[str, Any]] = []
    original: Callable[..., dict[str, Any]] = llm.request_kwargs
    llm.request_kwargs = lambda messages, config: sent.append(original(messages, config)) or sent[-1]
    try:
        yield sent
    finally:
        llm.request_kwargs = original
