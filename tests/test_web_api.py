"""`rewriter serve`'s JSON API and front door, in process (httpx's ASGI transport), and the
command itself in a subprocess.

- The API gives exactly what the CLI's `--json` prints (compared with the real command).
- Every failure is JSON with a message and the right status, never a traceback.
- The guard: Host (DNS rebinding), Origin / Sec-Fetch-Site (cross-site POSTs), 64 KB bodies,
  security headers and a Content-Security-Policy on every response.
- Privacy: the key never reaches the browser, drafts are never logged or written.
- A slow LLM holds up no one else, and a page that goes away cancels its rewrite.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from conftest import SENTINEL_KEY
from scripted_server import Scripted, ScriptedServer, answer_json
from starlette.types import ASGIApp, Message
from web_support import (
    HANG_GUARD,
    ROOT,
    GatedServer,
    call,
    client,
    read_line,
    serve_env,
    served,
)

from rewriter import check, load_principles, rewrite
from rewriter.config import Settings
from rewriter.models import Finding
from rewriter.pipeline import MAX_DRAFT_CHARS
from rewriter.web import create_app
from rewriter.web.guard import CONTENT_SECURITY_POLICY, MAX_BODY_BYTES, HostPolicy
from rewriter.web.page import STATIC, TEMPLATES
from rewriter.web.server import url_for

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

DRAFT = ("my boss micromanages everything and im underpaid. been a data analyst 4 years, built the sales "
         "dashboard in Tableau that cut reporting time 30%. honestly sick of this place")
BLUNT_ANSWER = "My boss never listens and I'm sick of this dead-end job."
CLEAN = "I've learned a great deal coordinating projects for marketing, and I'm ready to take on more ownership."
MARKER = "zebra-quokka-7431"  # a word that appears in no log, file or output unless a draft leaked


@pytest.fixture
def app() -> ASGIApp:
    return create_app()


def cli_json(*args: str, env: dict[str, str] | None = None) -> Any:
    """What `rewriter ARGS --json` prints, parsed."""
    proc = subprocess.run([sys.executable, "-m", "rewriter", *args, "--json"], check=False, capture_output=True, text=True,
                          env=env or serve_env(), cwd=ROOT, timeout=HANG_GUARD)
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """A failure: the status, JSON with a one-line message, no traceback, nothing FastAPI-shaped."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error" and body["ok"] is False
    assert isinstance(body["message"], str) and body["message"] and "\n" not in body["message"]
    assert "Traceback" not in response.text and "detail" not in body
    return dict(body)


# ---------------------------------------------------------------- the CLI's shapes


def test_rewrite_gives_what_rewrite_json_prints(app: ASGIApp) -> None:
    response = call(app, "POST", "/api/rewrite", json={"draft": DRAFT, "role": "Senior Analyst"})
    assert response.status_code == 200
    record = response.json()
    assert record["status"] == "ok" and record["engine"] == "offline" and record["answer"]
    assert record == cli_json("rewrite", DRAFT, "--role", "Senior Analyst")
    assert record == rewrite(DRAFT, role="Senior Analyst", engine="offline").to_record()


def test_check_gives_what_check_json_prints(app: ASGIApp, tmp_path: Path) -> None:
    response = call(app, "POST", "/api/check", json={"text": BLUNT_ANSWER})
    assert response.status_code == 200
    assert response.json() == cli_json("check", BLUNT_ANSWER) == check(BLUNT_ANSWER).to_dict()
    rules = {f["rule"] for f in response.json()["findings"]}
    assert {"blame.manager", "complaint.frustration"} <= rules


def test_check_with_the_draft_flags_invented_facts(app: ASGIApp, tmp_path: Path) -> None:
    answer = "In my 9 years at Initech I grew revenue 45%, and I'm ready for more ownership."
    draft = "my boss is a micromanager. been there 4 years"
    (tmp_path / "draft.txt").write_text(draft)
    response = call(app, "POST", "/api/check", json={"text": answer, "draft": draft})
    assert response.status_code == 200
    assert response.json() == cli_json("check", answer, "--draft", str(tmp_path / "draft.txt"))
    invented = [f for f in response.json()["findings"] if f["rule"] == "fidelity.invented"]
    assert {answer[f["start"]:f["end"]] for f in invented} >= {"9", "45%"}


def test_principles_gives_what_principles_json_prints(app: ASGIApp) -> None:
    response = call(app, "GET", "/api/principles")
    assert response.status_code == 200
    assert response.json() == cli_json("principles")
    assert [p["id"] for p in response.json()] == [p.id for p in load_principles()]


def test_the_docs_describe_the_real_shapes(app: ASGIApp) -> None:
    schema = call(app, "GET", "/openapi.json").json()
    assert {"/api/rewrite", "/api/check", "/api/principles"} <= set(schema["paths"])
    shapes = schema["components"]["schemas"]
    record = rewrite(DRAFT, engine="offline").to_record()
    assert set(shapes["RecordDoc"]["properties"]) <= set(record)  # a new record field may come before its doc
    assert set(record) - set(shapes["RecordDoc"]["properties"]) <= {"variants"}
    assert set(shapes["CheckDoc"]["properties"]) == set(check(BLUNT_ANSWER).to_dict())
    assert set(shapes["FindingDoc"]["properties"]) == set(Finding._fields)
    assert set(shapes["RewriteBody"]["properties"]) >= {"draft", "role", "company", "job_posting", "tone",
                                                         "seconds", "engine", "max_attempts"}
    page = call(app, "GET", "/docs")
    assert page.status_code == 200 and "/api/rewrite" in page.text and "RecordDoc" in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # FastAPI's own docs load from a CDN: not these


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize(("body", "status", "says"), [
    (b"{not json", 400, "not valid JSON"),
    (b"", 400, "JSON object"),
    (b'{"draft": ""}', 400, "empty"),
    (b'{"draft": "   \\n "}', 400, "empty"),
    (json.dumps({"draft": "x" * (MAX_DRAFT_CHARS + 1)}).encode(), 400, "limit"),
    (b'{"draft": "my boss is awful", "seconds": 1}', 400, "seconds"),
    (b'{"role": "Analyst"}', 422, "draft"),
    (b'{"draft": "my boss is awful", "seconds": "soon"}', 422, "seconds"),
    (b'{"draft": "my boss is awful", "engine": "gpt"}', 422, "engine"),
    (b'{"draft": "my boss is awful", "max_attempts": 0}', 422, "max_attempts"),
    (b'{"draft": "my boss is awful", "jobposting": "x"}', 422, "jobposting"),
    (b'["my boss is awful"]', 422, "JSON object"),
    (b'{"draft": ["my boss"]}', 422, "draft"),
], ids=["not-json", "no-body", "empty", "blank", "too-long", "seconds-range", "missing", "seconds-type",
        "engine", "attempts", "unknown-field", "list", "draft-type"])
def test_rewrite_refuses_bad_input_with_a_message(app: ASGIApp, body: bytes, status: int, says: str) -> None:
    response = call(app, "POST", "/api/rewrite", content=body, headers={"content-type": "application/json"})
    assert says in assert_error(response, status)["message"]


def test_a_body_that_is_not_json_says_how_to_send_it(app: ASGIApp) -> None:
    response = call(app, "POST", "/api/rewrite", content=b"draft=my+boss", headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert "Content-Type: application/json" in assert_error(response, 400)["message"]


def test_a_failed_rewrite_is_the_cli_record_with_its_status(app: ASGIApp) -> None:
    body = assert_error(call(app, "POST", "/api/rewrite", json={"draft": " "}), 400)
    record = rewrite(DRAFT, engine="offline").to_record()
    assert set(body) == set(record)  # the same keys as a success: scripts read one shape
    assert body["answer"] is None and body["findings"] == []


def test_llm_engine_with_nothing_configured_is_503_with_the_setup_line(app: ASGIApp) -> None:
    message = assert_error(call(app, "POST", "/api/rewrite", json={"draft": DRAFT, "engine": "llm"}), 503)["message"]
    assert "OPENAI_API_KEY" in message and "OPENAI_BASE_URL" in message
    assert "--base-url" not in message  # the page has no such option


@pytest.mark.parametrize(("body", "says"), [
    ({"text": ""}, "empty"),
    ({"text": "x" * (MAX_DRAFT_CHARS + 1)}, "limit"),
])
def test_check_refuses_bad_input(app: ASGIApp, body: dict[str, str], says: str) -> None:
    assert says in assert_error(call(app, "POST", "/api/check", json=body), 400)["message"]


def test_unknown_routes_and_methods_are_json(app: ASGIApp) -> None:
    assert "/nowhere" in assert_error(call(app, "GET", "/nowhere"), 404)["message"]
    response = call(app, "GET", "/api/rewrite")
    assert_error(response, 405)
    assert response.headers["allow"] == "POST"
    assert_error(call(app, "GET", "/static/nothing.js"), 404)


def test_a_bug_is_a_500_naming_its_type_only(app: ASGIApp, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"internal detail quoting the draft: {MARKER}")

    async def broken_async(*args: Any, **kwargs: Any) -> Any:
        broken()

    monkeypatch.setattr("rewriter.web.api.check", broken)
    monkeypatch.setattr("rewriter.web.api.arewrite", broken_async)
    for path, body in (("/api/check", {"text": f"my boss {MARKER}"}), ("/api/rewrite", {"draft": f"boss {MARKER}"})):
        response = call(app, "POST", path, json=body)
        assert "internal error (RuntimeError)" in assert_error(response, 500)["message"]
        assert MARKER not in response.text
    assert "RuntimeError" in caplog.text and MARKER not in caplog.text


# ---------------------------------------------------------------- the LLM path (scripted server)


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("REWRITER_RETRY_MAX_WAIT", "0")
    yield server
    server.stop()


def test_an_llm_rewrite(llm: ScriptedServer) -> None:
    llm.script = [Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")],
                                                  left_out=["my boss micromanages me"]))]
    record = call(create_app(), "POST", "/api/rewrite", json={"draft": "my boss micromanages me. I coordinate "
                                                                        "projects for marketing"}).json()
    assert record["status"] == "ok" and record["engine"] == "llm" and record["answer"] == CLEAN
    assert record["reasons"] == [{"reason": "oversight", "reframed_as": "more ownership"}]
    assert len(llm.received) == 1


def test_an_answer_that_stays_negative_comes_back_with_its_findings(llm: ScriptedServer) -> None:
    llm.script = [Scripted.completion(answer_json("My boss is an idiot and I hate this dead-end job."))]
    response = call(create_app(), "POST", "/api/rewrite", json={"draft": "my boss is an idiot", "max_attempts": 1})
    assert response.status_code == 200  # an answer, not a failure: the record says it is not clean
    record = response.json()
    assert record["status"] == "findings" and record["ok"] is False and record["answer"]
    assert any(f["severity"] == "error" for f in record["findings"]) and record["message"]


def test_a_failing_llm_is_502_and_the_key_is_not_in_it(llm: ScriptedServer) -> None:
    llm.script = [Scripted.error(401, f"Incorrect API key provided: {SENTINEL_KEY}", code="invalid_api_key")]
    response = call(create_app(), "POST", "/api/rewrite", json={"draft": "my boss micromanages me"})
    assert_error(response, 502)
    assert SENTINEL_KEY not in response.text and "SENTINEL" not in response.text


def test_a_slow_llm_holds_up_no_one_else(monkeypatch: pytest.MonkeyPatch) -> None:
    server = GatedServer([Scripted.completion(answer_json(CLEAN))])
    server.start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    app = create_app()

    async def scenario() -> dict[str, Any]:
        async with client(app) as http:
            slow = asyncio.ensure_future(http.post("/api/rewrite", json={"draft": "my boss micromanages me"}))
            assert await asyncio.to_thread(server.arrived.wait, HANG_GUARD)  # the rewrite is at the LLM
            page = await http.get("/")
            checked = await http.post("/api/check", json={"text": BLUNT_ANSWER})
            assert page.status_code == 200 and checked.status_code == 200
            assert not slow.done()  # both answered while the LLM still had the rewrite
            server.gate.set()
            return dict((await slow).json())

    try:
        record = asyncio.run(scenario())
    finally:
        server.gate.set()
        server.stop()
    assert record["status"] == "ok" and record["answer"] == CLEAN


def test_a_page_that_goes_away_cancels_its_rewrite(monkeypatch: pytest.MonkeyPatch) -> None:
    server = GatedServer([Scripted.completion(answer_json(CLEAN))])
    server.start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    app = create_app()
    sent: list[Message] = []

    async def scenario() -> None:
        body = json.dumps({"draft": "my boss micromanages me"}).encode()
        messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            if messages:
                return messages.pop(0)
            await asyncio.to_thread(server.arrived.wait, HANG_GUARD)  # the LLM has the request: now leave
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/api/rewrite", "raw_path": b"/api/rewrite", "query_string": b"",
                 "root_path": "", "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                                              (b"content-length", str(len(body)).encode())],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
        await app(scope, receive, send)

    try:
        asyncio.run(scenario())
        assert not server.gate.is_set()  # the app returned while the LLM still held the answer
        assert sent[0]["status"] == 499
        assert len(server.received) == 1
    finally:
        server.gate.set()
        server.stop()


# ---------------------------------------------------------------- the front door


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "localhost", "LocalHost:1", "[::1]:8000"])
def test_loopback_hosts_are_served(app: ASGIApp, host: str) -> None:
    assert call(app, "GET", "/", host=host).status_code == 200
    assert call(app, "POST", "/api/check", host=host, json={"text": BLUNT_ANSWER}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example:8000",
                                  "localhost.evil.example", "127.0.0.2:8000", "192.168.1.20:8000", "",
                                  "127.0.0.1:notaport"])
def test_other_hosts_are_refused_dns_rebinding(app: ASGIApp, host: str) -> None:
    for method, path, kw in (("GET", "/", {}), ("GET", "/api/principles", {}),
                             ("POST", "/api/check", {"json": {"text": BLUNT_ANSWER}})):
        response = call(app, method, path, host=host, **kw)
        assert "its own address" in assert_error(response, 400)["message"]


def test_shared_on_a_network_ip_addresses_and_the_machine_name_are_served() -> None:
    app = create_app(host="0.0.0.0", also_hosts=["workstation"])
    for host in ("192.168.1.20:8000", "127.0.0.1:8000", "[fe80::1]:8000", "workstation:8000", "localhost"):
        assert call(app, "GET", "/", host=host).status_code == 200, host
    assert_error(call(app, "GET", "/", host="evil.example:8000"), 400)


def test_host_policy() -> None:
    policy = HostPolicy.for_bind("127.0.0.1")
    assert policy.allows("127.0.0.1:8000") and policy.allows("localhost") and not policy.any_ip
    assert not policy.allows(None) and not policy.allows("10.0.0.1")
    assert HostPolicy.for_bind("0.0.0.0").any_ip and "0.0.0.0" not in HostPolicy.for_bind("0.0.0.0").names


@pytest.mark.parametrize(("headers", "status"), [
    ({"origin": "http://evil.example"}, 403),
    ({"origin": "http://localhost:3000"}, 403),  # another app on this machine is another site
    ({"origin": "http://127.0.0.1:8001"}, 403),
    ({"origin": "null"}, 403),
    ({"origin": "file://"}, 403),
    ({"sec-fetch-site": "cross-site"}, 403),
    ({"sec-fetch-site": "same-site"}, 403),
    ({"sec-fetch-site": "same-site", "origin": "http://127.0.0.1:8000"}, 403),
    ({"sec-fetch-site": "same-origin", "origin": "http://127.0.0.1:8000"}, 200),
    ({"origin": "http://127.0.0.1:8000"}, 200),
    ({"sec-fetch-site": "none"}, 200),
    ({}, 200),  # curl and scripts send neither
], ids=["evil", "other-port-localhost", "other-port", "null", "file", "cross-site", "same-site",
        "same-site-same-origin", "same-origin", "origin-only", "typed", "script"])
def test_cross_site_posts_are_refused(app: ASGIApp, headers: dict[str, str], status: int) -> None:
    for path, body in (("/api/check", {"text": BLUNT_ANSWER}), ("/api/rewrite", {"draft": DRAFT})):
        response = call(app, "POST", path, json=body, headers=headers)
        if status == 403:
            assert "cross-site" in assert_error(response, 403)["message"]
        else:
            assert response.status_code == 200, response.text


def test_a_link_from_another_site_still_opens_the_page(app: ASGIApp) -> None:
    response = call(app, "GET", "/", headers={"sec-fetch-site": "cross-site", "origin": "http://evil.example"})
    assert response.status_code == 200


def test_bodies_over_64_kb_are_refused(app: ASGIApp) -> None:
    padding = MAX_BODY_BYTES - len(json.dumps({"text": ""}))
    at_limit = json.dumps({"text": "a" * padding}).encode()
    assert len(at_limit) == MAX_BODY_BYTES
    response = call(app, "POST", "/api/check", content=at_limit, headers={"content-type": "application/json"})
    assert "limit" in assert_error(response, 400)["message"]  # read, then refused for its length: not a 413
    over = json.dumps({"text": "a" * (padding + 1)}).encode()
    response = call(app, "POST", "/api/check", content=over, headers={"content-type": "application/json"})
    assert "64 KB" in assert_error(response, 413)["message"]


def test_a_streamed_body_is_counted_not_trusted(app: ASGIApp) -> None:
    """Chunked, with no Content-Length: refused once the bytes that came in pass the limit."""
    chunk = b"a" * 16384
    chunks: list[Message] = [{"type": "http.request", "body": chunk, "more_body": True} for _ in range(8)]
    given: list[int] = []
    sent: list[Message] = []

    async def receive() -> Message:
        given.append(1)
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/check", "raw_path": b"/api/check", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert len(given) == 5  # it stopped reading at the chunk that went over: 4 x 16 KB is the limit


def test_a_client_that_leaves_mid_body_gets_nothing_and_nothing_runs(app: ASGIApp,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr("rewriter.web.api.check", lambda *a, **k: ran.append("check"))
    messages: list[Message] = [{"type": "http.request", "body": b'{"text": "my bo', "more_body": True},
                               {"type": "http.disconnect"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/check", "raw_path": b"/api/check", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent == [] and ran == []


# ---------------------------------------------------------------- headers and assets


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def page_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_every_response_carries_the_security_headers(app: ASGIApp) -> None:
    responses = [
        call(app, "GET", "/"), call(app, "GET", "/static/app.js"), call(app, "GET", "/api/principles"),
        call(app, "GET", "/nowhere"), call(app, "GET", "/", host="evil.example"),
        call(app, "POST", "/api/check", json={"text": "x"}, headers={"origin": "http://evil.example"}),
        call(app, "POST", "/api/check", content=b"a" * (MAX_BODY_BYTES + 1)),
    ]
    for response in responses:
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "server" not in response.headers or "uvicorn" not in response.headers["server"]


def test_the_content_security_policy_allows_no_other_origin() -> None:
    for directive in CONTENT_SECURITY_POLICY.split(";"):
        _name, *sources = directive.split()
        assert sources and set(sources) <= {"'self'", "'none'"}, directive
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_api_answers_are_never_cached(app: ASGIApp) -> None:
    for response in (call(app, "POST", "/api/check", json={"text": BLUNT_ANSWER}),
                     call(app, "POST", "/api/rewrite", json={"draft": DRAFT}),
                     call(app, "POST", "/api/rewrite", json={"draft": ""})):
        assert response.headers["cache-control"] == "no-store"


def test_the_page_loads_everything_from_itself(app: ASGIApp) -> None:
    page = call(app, "GET", "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    tags = page_tags(page.text)
    urls = [a[k] for _, a in tags for k in ("src", "href") if a.get(k)]
    assert urls and all(u is not None and u.startswith("/") and not u.startswith("//") for u in urls), urls
    types = {".js": "javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for url in urls:
        assert url is not None
        if url.startswith("/static/"):
            asset = call(app, "GET", url)
            assert asset.status_code == 200, url
            assert types[Path(url).suffix] in asset.headers["content-type"]
    # Nothing inline that the CSP would block (or that would need 'unsafe-inline').
    for tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs
    assert "<style" not in page.text


def test_no_form_can_put_a_draft_in_a_url(app: ASGIApp) -> None:
    """A GET form would put the draft in the address bar and the browser's history, should app.js not run."""
    forms = [a for t, a in page_tags(call(app, "GET", "/").text) if t == "form"]
    assert len(forms) == 2
    assert all(a.get("method") == "post" and (a.get("action") or "").startswith("/api/") for a in forms)


def test_every_form_field_has_a_label(app: ASGIApp) -> None:
    tags = page_tags(call(app, "GET", "/").text)
    labelled = {a.get("for") for t, a in tags if t == "label"}
    fields = [a for t, a in tags if t in ("input", "textarea", "select")]
    assert len(fields) >= 7
    for attrs in fields:
        assert attrs.get("id") in labelled or attrs.get("aria-label"), attrs


def test_template_text_is_escaped() -> None:
    # The model name comes from the environment and is shown on the page.
    settings = Settings(base_url="http://127.0.0.1:9/v1", model='<script>alert(1)</script><img src=x onerror="x()">')
    page = call(create_app(settings=settings), "GET", "/").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_markup_in_a_draft_comes_back_as_json_text(app: ASGIApp) -> None:
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)"> my boss never listens'
    for path, body in (("/api/check", {"text": payload}), ("/api/rewrite", {"draft": payload})):
        response = call(app, "POST", path, json=body)
        assert response.headers["content-type"] == "application/json"  # with nosniff: never read as HTML
        assert response.headers["x-content-type-options"] == "nosniff"
    excerpts = [f["excerpt"] for f in call(app, "POST", "/api/check", json={"text": payload}).json()["findings"]]
    assert any("never listens" in e for e in excerpts)


def test_the_wheel_ships_every_asset_and_template(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    wheel = next(iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "rewriter"
    needed = {f"rewriter/{p.relative_to(package).as_posix()}" for folder in (STATIC, TEMPLATES)
              for p in folder.rglob("*") if p.is_file()}
    assert {"rewriter/web/static/app.js", "rewriter/web/static/app.css", "rewriter/web/templates/index.html"} <= needed
    assert needed <= shipped, needed - shipped


# ---------------------------------------------------------------- privacy


def test_the_key_never_reaches_the_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://someone:hunter2secret@127.0.0.1:9/v1")  # nothing listens on 9
    monkeypatch.setenv("REWRITER_RETRY_MAX_WAIT", "0")
    app = create_app()
    texts = [call(app, "GET", path).text for path in ("/", "/docs", "/openapi.json", "/api/principles",
                                                       "/static/app.js")]
    texts.append(call(app, "POST", "/api/rewrite", json={"draft": "my boss micromanages me", "max_attempts": 1}).text)
    for text in texts:
        assert "SENTINEL" not in text
        assert "hunter2secret" not in text  # the URL's password: the error message quoted it (llm/failures.py)
    assert "127.0.0.1:9" in texts[0]  # which server the draft would go to, without its credentials


def test_drafts_are_never_logged(app: ASGIApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    call(app, "POST", "/api/rewrite", json={"draft": f"my boss {MARKER} micromanages me"})
    call(app, "POST", "/api/rewrite", json={"draft": f"{MARKER} " * 2000})
    call(app, "POST", "/api/check", json={"text": f"I hate my boss {MARKER}"})
    call(app, "POST", "/api/check", json={"text": MARKER, "unknown": MARKER})
    assert MARKER not in caplog.text


# ---------------------------------------------------------------- the command


def test_serve_prints_its_url_serves_the_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with served(env=serve_env(home=home), cwd=home) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with httpx.Client() as http:
            assert "Rewrite my draft" in http.get(server.url).text
            answer = http.post(server.url + "api/rewrite", json={"draft": f"my boss {MARKER} micromanages me"})
            assert answer.status_code == 200
            checked = http.post(server.url + "api/check", json={"text": f"I hate my boss {MARKER}"})
            assert checked.status_code == 200
    assert server.proc.returncode == 0
    assert server.stdout[-1] == "rewriter: stopped"
    assert "Traceback" not in server.stderr and "warning" not in server.stderr
    # Nothing of the drafts in the output, and no file written anywhere the process could write.
    assert MARKER not in "\n".join(server.stdout) + server.stderr
    for path in home.rglob("*"):
        assert not path.is_file() or MARKER.encode() not in path.read_bytes(), path


def test_serve_stops_cleanly_on_sigterm_too() -> None:
    with served() as server:
        assert server.stop(signal.SIGTERM) == 0
    assert server.stdout[-1] == "rewriter: stopped" and "Traceback" not in server.stderr


def test_serve_open_opens_the_browser(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > "{opened}.part" && mv "{opened}.part" "{opened}"\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    with served("--open", env=serve_env({"BROWSER": str(browser)})) as server:
        for _ in range(int(HANG_GUARD * 20)):  # the browser starts in a thread: wait for it, bounded
            if opened.exists():
                break
            time.sleep(0.05)
        assert opened.read_text().strip() == server.url


def test_serve_open_without_a_browser_says_so(tmp_path: Path) -> None:
    # No browser anywhere: BROWSER names none that exists, and PATH (the serve command needs none) finds none.
    env = serve_env({"BROWSER": str(tmp_path / "no-such-browser"), "PATH": str(tmp_path)})
    with served("--open", env=env) as server:
        assert server.proc.stderr is not None
        line = read_line(server.proc.stderr)
    assert line == f"rewriter: no web browser could be opened here: open {server.url} yourself\n"


def test_serve_on_a_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "rewriter", "serve", "--port", str(port)], check=False,
                              capture_output=True, text=True, env=serve_env(), timeout=HANG_GUARD)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"rewriter: error: port {port} is already in use (another rewriter serve?): " \
                                  "choose another with --port"


def test_serve_with_a_bad_setting_stops_before_listening() -> None:
    proc = subprocess.run([sys.executable, "-m", "rewriter", "serve", "--port", "0"], check=False, capture_output=True, text=True,
                          env=serve_env({"REWRITER_MODE": "yaml"}), timeout=HANG_GUARD)
    assert proc.returncode == 2 and "unknown mode" in proc.stderr and "Traceback" not in proc.stderr
    assert "running at" not in proc.stdout


def test_a_non_loopback_host_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    from rewriter.web import server as server_module

    # Nothing listens beyond loopback in a test: the socket is a loopback one, and uvicorn is not run.
    real_bind = server_module.bind
    monkeypatch.setattr(server_module, "bind", lambda host, port: real_bind("127.0.0.1", 0))
    ran: list[Any] = []
    monkeypatch.setattr("uvicorn.Server.run", lambda self, sockets: ran.append(sockets))
    lines: list[str] = []
    warnings: list[str] = []
    server_module.serve("192.0.2.1", 8000, say=lines.append, warn=warnings.append)
    assert len(ran) == 1
    assert len(warnings) == 1 and "--host 192.0.2.1" in warnings[0]
    assert "anyone on your network" in warnings[0] and "key" in warnings[0]
    assert lines[0].startswith("rewriter is running at http://192.0.2.1:")
    warnings.clear()
    server_module.serve("localhost", 8000, say=lines.append, warn=warnings.append)
    assert warnings == []


def test_url_for() -> None:
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert url_for("0.0.0.0", 8000) == "http://127.0.0.1:8000/"
    assert url_for("::", 80) == "http://[::1]:80/"
    assert url_for("[::1]", 80) == "http://[::1]:80/"
    assert url_for("localhost", 9) == "http://localhost:9/"


def test_check_does_not_load_the_web_stack(tmp_path: Path) -> None:
    """`rewriter check` starts fast: FastAPI, Starlette, uvicorn and the page stay unloaded."""
    probe = ("import sys, runpy\n"
             "sys.argv = ['rewriter', 'check', 'I am ready for the next step.']\n"
             "try:\n    runpy.run_module('rewriter', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette', 'uvicorn')"
             " or m.startswith('rewriter.web')))\n")
    proc = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, env=serve_env(),
                          cwd=ROOT, timeout=HANG_GUARD)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


def test_rewrite_takes_the_level(app: ASGIApp) -> None:
    draft = ("I've been a paralegal for 5 years and I love litigation support. My manager is a control freak. "
             "I'm ready to take on more responsibility.")
    light = call(app, "POST", "/api/rewrite", json={"draft": draft, "engine": "offline", "level": "light"})
    assert light.status_code == 200
    assert "I've been a paralegal for 5 years and I love litigation support." in light.json()["answer"]
    assert "control freak" not in light.json()["answer"]
    assert call(app, "POST", "/api/rewrite", json={"draft": draft, "level": "medium"}).status_code in (400, 422)
