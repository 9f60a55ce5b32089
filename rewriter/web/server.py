"""Running the app: bind, say where, serve until Ctrl-C, stop cleanly.

The socket is bound here, before uvicorn starts, so that a port in use is one clear error
line (uvicorn would log and exit on its own), `--port 0` prints the port it really got,
and the printed URL answers at once: connections wait in the listen queue until the app
has started.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from types import FrameType

from ..errors import ConfigurationError
from .guard import is_loopback

GRACEFUL_SECONDS = 5  # Ctrl-C waits this long for requests in flight (an LLM call), then stops


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port; ConfigurationError with what to do if it cannot be had."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise ConfigurationError(f"--host {host}: no such address on this machine") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise ConfigurationError(
                f"port {port} is already in use (another rewriter serve?): choose another with --port"
            ) from None
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def url_for(host: str, port: int) -> str:
    """The address to open: an unspecified host (0.0.0.0, ::) is reached here through loopback."""
    name = host.strip("[]")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return f"http://{name}:{port}/"
    if address.is_unspecified:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, *, open_browser: bool = False,
          say: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None) -> None:
    """Serve the page until Ctrl-C. `say` prints to stdout, `warn` to stderr."""
    import uvicorn

    from .app import create_app

    say = say or (lambda line: print(line, flush=True))
    warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
    shared = not is_loopback(host)
    # The settings are read (and checked) now: a bad REWRITER_MODE stops here, exit 2.
    app = create_app(host=host, also_hosts=_machine_names() if shared else ())
    sock = bind(host, port)
    url = url_for(host, sock.getsockname()[1])
    if shared:
        warn(f"rewriter: warning: --host {host} makes this page reachable from other machines: anyone on "
             "your network can use it, and the LLM key it is configured with")
    say(f"rewriter is running at {url}")
    say("Open that address in your browser. Press Ctrl-C to stop.")
    if open_browser:
        # In a thread: some browsers' launchers block until the window closes.
        threading.Thread(target=_open, args=(url, warn), daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(
        app,
        log_level="warning",  # no access log: a URL is all it would show, but nothing needs it
        access_log=False,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    ))
    # A `kill` (SIGTERM) stops it as Ctrl-C does: uvicorn shuts down first, then re-raises the
    # signal it caught, which lands here instead of ending the process mid-sentence.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it caught, once it has shut down
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    say("rewriter: stopped")


def _open(url: str, warn: Callable[[str], None]) -> None:
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        warn(f"rewriter: no web browser could be opened here: open {url} yourself")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _machine_names() -> tuple[str, ...]:
    # When shared on a network, people may reach it by this machine's name as well as its IP.
    name = socket.gethostname()
    return (name, f"{name}.local") if name else ()
