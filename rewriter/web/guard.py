"""The page's front door: which requests get in at all, and the headers every answer carries.

A local app is still an app. Any web page the user visits can make their browser send
requests to 127.0.0.1, so this middleware, wrapped around the whole ASGI app (outside
FastAPI's own error handling, so that even a 500 carries the headers), refuses:

- a `Host` that is not this server (DNS rebinding: evil.example resolving to 127.0.0.1);
- a POST from another site (`Origin`, `Sec-Fetch-Site`): cross-site request forgery;
- a body over the limit, told by Content-Length or counted while it streams in.

Everything else passes, with a Content-Security-Policy that allows this origin only.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Nothing from any other origin: no CDN, no inline script or style, no frames, no plugins.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_name(header: str) -> str | None:
    """The name part of a Host header ("127.0.0.1:8000" -> "127.0.0.1", "[::1]:80" -> "::1")."""
    try:
        parts = urlsplit(f"//{header}")
        name = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    return name or None


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """Which Host headers this server answers to.

    Bound to loopback: the loopback names and the bound host only. Bound to another
    address (the user chose to share it): also any IP literal, since a rebinding
    attack needs a DNS name of the attacker's, and never sends a bare IP.
    """

    names: frozenset[str]
    any_ip: bool = False

    @classmethod
    def for_bind(cls, host: str, extra: Iterable[str] = ()) -> HostPolicy:
        bound = host.strip("[]").lower()
        names = LOOPBACK_NAMES | {bound} | {n.lower() for n in extra}
        return cls(frozenset(names - {"0.0.0.0", "::", ""}), any_ip=not is_loopback(bound))

    def allows(self, header: str | None) -> bool:
        if not header:
            return False
        name = host_name(header)
        if name is None:
            return False
        return name in self.names or (self.any_ip and _is_ip_literal(name))


class Refused(Exception):
    """A request turned away at the door: its HTTP status and a message for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Gone(Exception):
    """The client disconnected while its request was coming in."""


class Guard:
    """ASGI middleware: the Host, cross-site and body-size checks, and the security headers."""

    def __init__(self, app: ASGIApp, *, hosts: HostPolicy, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.hosts = hosts
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            return
        send = _with_security_headers(send)
        headers = _headers(scope)
        try:
            self._check_host(headers)
            if scope["method"] not in SAFE_METHODS:
                self._check_same_origin(headers)
                receive = await self._read_body(headers, receive)
        except Refused as refused:
            await send_error(send, refused.status, refused.message)
            return
        except _Gone:  # the client left before its body was in: nobody to answer
            return
        await self.app(scope, receive, send)

    def _check_host(self, headers: dict[str, str]) -> None:
        if not self.hosts.allows(headers.get("host")):
            raise Refused(400, "this server answers only to its own address (open the URL that "
                               "`rewriter serve` printed)")

    @staticmethod
    def _check_same_origin(headers: dict[str, str]) -> None:
        # Sec-Fetch-Site: browsers say where a request comes from; only this page itself
        # ("same-origin") or the user ("none": typed, bookmarked) may change anything.
        # "same-site" is refused too: another port of localhost is another app.
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            raise Refused(403, "cross-site requests are refused: use the page itself")
        # Origin: older browsers send no Sec-Fetch-Site, but every browser sends Origin on a
        # cross-origin POST. Scripts (curl, Python) send neither and are let through.
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != headers.get("host", "").lower():
                raise Refused(403, "cross-site requests are refused: use the page itself")

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> Receive:
        """Read the whole body (it is small by construction) and hand it on, or refuse it."""
        too_large = Refused(413, f"the request is larger than {self.max_body // 1024} KB; "
                                 "an answer or a draft is far shorter")
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise Refused(400, "the Content-Length header is not a number")
            if int(declared) > self.max_body:
                raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:  # counted, not trusted: a chunked body has no Content-Length
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _replay(messages: list[Message], then: Receive) -> Receive:
    """A receive() that gives `messages` first, then whatever `then` gives (a disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive


def _with_security_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


def error_body(message: str) -> dict[str, Any]:
    """The JSON every refused or failed request gets (a rewrite's error is the full record)."""
    return {"status": "error", "ok": False, "message": message}


async def send_error(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(message)).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ],
    })
    await send({"type": "http.response.body", "body": body})
