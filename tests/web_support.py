"""Helpers for the tests of `rewriter serve`: an in-process client, the real command in a
subprocess, and a scripted LLM server that holds its answer until the test lets it go.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2 as httpx
from scripted_server import Scripted, ScriptedServer
from starlette.types import ASGIApp

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = 60.0  # seconds: only so that a broken server fails the test instead of hanging it

# ---------------------------------------------------------------- in process


def call(app: ASGIApp, method: str, path: str, *, host: str = "127.0.0.1:8000", **kwargs: Any) -> httpx.Response:
    """One request to the app in process (httpx's ASGI transport), with the given Host."""

    headers = {"host": host, **kwargs.pop("headers", {})}  # sent as given, even when not a valid URL part

    async def go() -> httpx.Response:
        async with client(app) as http:
            return await http.request(method, path, headers=headers, **kwargs)

    return asyncio.run(go())


def client(app: ASGIApp, host: str = "127.0.0.1:8000") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{host}")


# ---------------------------------------------------------------- an LLM that waits


class GatedServer(ScriptedServer):
    """A scripted server that answers only once `gate` is set: "the LLM is still working"
    for as long as a test needs, with no sleep and no clock."""

    def __init__(self, script: list[Scripted]) -> None:
        super().__init__(script)
        self.gate = threading.Event()
        self.arrived = threading.Event()  # a request is in, waiting at the gate

    def _next(self) -> Scripted:
        self.arrived.set()
        if not self.gate.wait(HANG_GUARD):
            return Scripted.error(500, "gated server: the test never opened the gate", type_="server_error")
        return super()._next()


# ---------------------------------------------------------------- the real command


@dataclass
class Served:
    """`rewriter serve` running in a subprocess."""

    proc: subprocess.Popen[str]
    url: str
    stdout: list[str] = field(default_factory=list)
    stderr: str = ""

    def stop(self, how: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C, as a person would press it (or `how`); returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(how)
        try:
            self.proc.wait(HANG_GUARD)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stdout.extend(self.proc.stdout.read().splitlines())
        self.stderr = self.proc.stderr.read()
        return self.proc.returncode


def serve_env(extra: Mapping[str, str] | None = None, *, home: Path | None = None) -> dict[str, str]:
    """The environment for the command: no LLM configured unless `extra` says so."""
    # No LLM settings, and no display: a test never opens a real browser window.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "REWRITER_")) and k not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")}
    if home is not None:
        env.update(HOME=str(home), TMPDIR=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    env.update(extra or {})
    return env


@contextmanager
def served(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Iterator[Served]:
    """Start `rewriter serve --port 0 ARGS`, wait for the address it prints, stop it after."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rewriter", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(env or serve_env()),
        cwd=cwd or ROOT,
    )
    assert proc.stdout is not None
    first = read_line(proc.stdout)
    if first is None:
        proc.kill()
        raise AssertionError("rewriter serve printed no address")
    match = re.search(r"http://\S+/", first)
    if match is None:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"rewriter serve did not start: {first!r} {err!r}")
    running = Served(proc, match.group(), [first.rstrip("\n")])
    try:
        wait_until_ready(running.url)
        yield running
    finally:
        running.stop()


def read_line(stream: IO[str]) -> str | None:
    """The next line of a child's output; None if none comes within the hang guard (read in a
    thread, so that a child that never prints fails the test instead of hanging it)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=HANG_GUARD)
    except queue.Empty:
        return None


def wait_until_ready(url: str) -> None:
    """The socket listens before the app has started; one GET that answers is the proof."""
    with httpx.Client(timeout=HANG_GUARD) as http:
        response = http.get(url + "api/principles")
        assert response.status_code == 200, response.text
