"""What the LLM benchmarks share: a draft, a clean scripted answer, and the test
suite's scripted OpenAI-compatible server run in its own process (like a real
endpoint, it does not share our GIL), with a fixed latency."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    with ScriptedServer([Scripted.completion(ANSWER)], latency=latency, repeat_last=True) as server:
        conn.send(server.base_url)
        conn.recv()  # until told to stop


@contextmanager
def server_process(latency: float) -> Iterator[str]:
    """The base URL of a scripted server answering ANSWER after `latency` seconds."""
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(latency, child), daemon=True)
    server.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        server.join(5)


@contextmanager
def capture_request_bodies() -> Iterator[list[dict[str, Any]]]:
    """The exact request bodies rewriter sends while the block runs."""
    from rewriter import llm

    sent: list[dict[str, Any]] = []
    original: Callable[..., dict[str, Any]] = llm.request_kwargs
    llm.request_kwargs = lambda messages, config: sent.append(original(messages, config)) or sent[-1]
    try:
        yield sent
    finally:
        llm.request_kwargs = original
