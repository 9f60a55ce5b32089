"""`rewriter batch --via openai-batch`, end to end, replayed from cassettes/batch/.

Recorded (see cassettes/README.md) from the scripted server, which emulates the
Batch API's files and batches endpoints and answers each request line of a batch
with its next scripted completion. Replay matches method, path and parsed body;
the multipart boundary of the file upload is normalised on record and on replay.
A last test drives the real console script against a live scripted server:
submit without waiting, --status, then --collect.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from conftest import CASSETTES, scrub_request, scrub_response
from scripted_server import Scripted, ScriptedServer, answer_json

import rewriter.batch_api as batch_api
import rewriter.llm.batches as llm_module
from rewriter import InputError, RewriteRequest, StillNegativeError, check, rewrite
from rewriter.batch import Options
from rewriter.models import Context

if TYPE_CHECKING:
    from conftest import Endpoint

pytestmark = [pytest.mark.vcr, pytest.mark.cassette]

BATCH_CASSETTES = CASSETTES / "batch"
DRAFT = (
    "My boss micromanages every email I send and I'm underpaid. I've coordinated projects "
    "for the marketing team and I want to lead projects myself."
)
CLEAN = (
    "I've learned a great deal coordinating projects for the marketing team, and I'm grateful "
    "for it. I'm now ready to take on more ownership and lead projects myself, which is why "
    "this Project Manager role is such an exciting next step for me. I'd love to bring what "
    "I've learned here and keep growing."
)
CLEAN_JSON = answer_json(CLEAN, reasons=[("close supervision", "ready to take on more ownership")])
PLAIN = (  # for a draft given without a role
    "I've learned a great deal coordinating projects for the marketing team, and I'm grateful for it. "
    "I'm now ready to take on more ownership and lead projects myself, and I'd love to bring what I've "
    "learned to a new team and keep growing."
)
NEGATIVE_JSON = answer_json("My boss is a clueless micromanager and I'm sick of this dead-end job.")
ROWS = [
    {"id": "clean", "draft": DRAFT, "role": "Project Manager"},
    {"id": "reasked", "draft": DRAFT, "role": "Project Manager"},
    {"id": "failed", "draft": DRAFT},
    {"id": "empty", "draft": ""},
]


# ---------------------------------------------------------------- cassette set-up

_BOUNDARY = re.compile(rb"boundary=([-\w.'()+_,/:=?]+)")


def scrub_batch_request(request: Any) -> Any:
    """The conftest scrubbing, plus a fixed multipart boundary (random per upload) so bodies match on replay."""
    request = scrub_request(request)
    content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    found = _BOUNDARY.search(content_type.encode())
    if found and request.body:
        request.body = request.body.replace(found.group(1), b"rewriter-boundary")
        for name in [k for k in request.headers if k.lower() == "content-type"]:
            request.headers[name] = content_type.replace(found.group(1).decode(), "rewriter-boundary")
    return request


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "serializer": "yaml",
        "match_on": ["method", "path", "json_body"],
        "decode_compressed_response": True,
        "before_record_request": scrub_batch_request,
        "before_record_response": scrub_response,
        "record_on_exception": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(BATCH_CASSETTES)


@pytest.fixture(autouse=True)
def _no_poll_waits(monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> None:
    monkeypatch.setattr(batch_api, "_sleep", lambda seconds: None)


@pytest.fixture
def batch_lines(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every Batch API request line rewriter built, as uploaded."""
    lines: list[dict[str, Any]] = []
    original = llm_module.batch_request

    def spy(custom_id: str, messages: list[dict[str, str]], config: Any) -> dict[str, Any]:
        line = original(custom_id, messages, config)
        lines.append(json.loads(json.dumps(line)))
        return line

    monkeypatch.setattr(llm_module, "batch_request", spy)
    return lines


def write_input(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def results(path: Path) -> dict[str, dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len({r["id"] for r in records}), "an id was written twice"
    return {r["id"]: r for r in records}


def direct_first_body(draft: str, **context: Any) -> dict[str, Any]:
    """The body a direct rewrite() sends for its first attempt (a fake client catches it)."""
    captured: list[dict[str, Any]] = []

    class FakeClient:
        max_retries = 0

        def post(self, path: str, *, body: dict[str, Any], cast_to: Any) -> Any:
            assert path == "/chat/completions"
            captured.append(json.loads(json.dumps(body)))
            return cast_to.model_validate({
                "id": "x", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": CLEAN_JSON}}]})

    try:
        rewrite(draft, client=FakeClient(), engine="llm", max_attempts=1, **context)
    except StillNegativeError:  # only the request matters here, not the canned answer
        pass
    return captured[0]


# ---------------------------------------------------------------- end to end


def test_openai_batch_with_sync_reask(llm_endpoint: Endpoint, batch_lines: list[dict[str, Any]], tmp_path: Path,
                                      vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion(CLEAN_JSON),  # the batch: clean, reasked, failed (in input order)
        Scripted.completion(NEGATIVE_JSON),
        Scripted.error(500, "The server had an error processing your request.", type_="server_error"),
        Scripted.completion(CLEAN_JSON),  # direct, one at a time: the re-ask of "reasked"...
        Scripted.completion(answer_json(PLAIN)),  # ...and "failed" sent again
    )
    out = tmp_path / "out.jsonl"
    # One at a time: a fixed order to record.
    options = Options(RewriteRequest("", base_url=base_url, max_attempts=2), concurrency=1)
    summary = batch_api.run(write_input(tmp_path), out, options=options, reask="sync", poll=0)
    assert summary is not None
    got = results(out)
    assert {k: r["status"] for k, r in got.items()} == {
        "clean": "ok", "reasked": "ok", "failed": "ok", "empty": "error"}
    assert (summary.ok, summary.findings, summary.errors, summary.exit_code) == (3, 0, 1, 1)
    assert got["clean"]["answer"] == CLEAN and got["clean"]["attempts"] == 1
    assert got["reasked"]["answer"] == CLEAN and got["reasked"]["attempts"] == 2
    assert got["reasked"]["usage"]["total_tokens"] == 400  # both attempts counted
    assert got["failed"]["answer"] == PLAIN and got["failed"]["attempts"] == 1  # a resend is not a re-ask
    assert "empty" in got["empty"]["message"]
    for record in (got["clean"], got["reasked"]):
        assert check(record["answer"], draft=DRAFT, context=Context(role="Project Manager")).ok

    # The request file: one line per sendable draft, each the very body a direct rewrite sends.
    assert [line["custom_id"] for line in batch_lines] == ["clean", "reasked", "failed"]
    assert all(line["method"] == "POST" and line["url"] == "/v1/chat/completions" for line in batch_lines)
    assert batch_lines[0]["body"] == direct_first_body(DRAFT, role="Project Manager")
    assert batch_lines[2]["body"] == direct_first_body(DRAFT)
    assert batch_lines[0]["body"]["response_format"]["json_schema"]["strict"] is True

    if llm_endpoint.server is not None:  # recording: what really went over the wire
        paths = [(r.method, r.path) for r in llm_endpoint.server.received]
        assert paths[:2] == [("POST", "/v1/files"), ("POST", "/v1/batches")]
        assert paths.count(("POST", "/v1/chat/completions")) == 2  # the re-ask and the resend went direct
        reask, resend = (r.body["messages"] for r in llm_endpoint.server.received[-2:])
        assert [m["role"] for m in reask] == ["system", "user", "assistant", "user"]
        assert resend == batch_lines[2]["body"]["messages"]  # the same first attempt, sent again
    else:
        assert vcr.play_count == len(vcr.data)  # every recorded exchange replayed, none missing


def test_openai_batch_with_reasks_in_a_second_batch(llm_endpoint: Endpoint, batch_lines: list[dict[str, Any]],
                                                    tmp_path: Path, vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion(CLEAN_JSON),
        Scripted.completion(NEGATIVE_JSON),
        Scripted.completion(NEGATIVE_JSON),  # "failed" gets a negative answer too here
        Scripted.completion(CLEAN_JSON),  # second batch: "reasked" now clean...
        Scripted.completion(NEGATIVE_JSON),  # ...and "failed" still negative: out of attempts
    )
    out = tmp_path / "out.jsonl"
    summary = batch_api.run(write_input(tmp_path), out,
                            options=Options(RewriteRequest("", base_url=base_url, max_attempts=2)),
                            reask="batch", poll=0)
    assert summary is not None
    got = results(out)
    assert {k: r["status"] for k, r in got.items()} == {
        "clean": "ok", "reasked": "ok", "failed": "findings", "empty": "error"}
    assert got["failed"]["attempts"] == 2 and any(f["severity"] == "error" for f in got["failed"]["findings"])
    assert got["failed"]["answer"]  # the best attempt is kept, with its findings
    assert [line["custom_id"] for line in batch_lines] == ["clean", "reasked", "failed", "reasked", "failed"]
    reask_messages = batch_lines[3]["body"]["messages"]
    assert [m["role"] for m in reask_messages] == ["system", "user", "assistant", "user"]
    assert reask_messages[:2] == batch_lines[1]["body"]["messages"]  # the first attempt's messages, not mutated
    if llm_endpoint.server is not None:
        paths = [(r.method, r.path) for r in llm_endpoint.server.received]
        assert paths.count(("POST", "/v1/batches")) == 2 and ("POST", "/v1/chat/completions") not in paths
    else:
        assert vcr.play_count == len(vcr.data)


def test_a_request_rate_limited_inside_the_batch_is_sent_again_in_the_next(
        llm_endpoint: Endpoint, batch_lines: list[dict[str, Any]], tmp_path: Path, vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion(CLEAN_JSON),
        Scripted.error(429, "Rate limit reached for requests", code="rate_limit_exceeded", type_="requests"),
        Scripted.completion(answer_json(PLAIN)),
        Scripted.completion(CLEAN_JSON),  # second batch: "reasked", sent again unchanged
    )
    out = tmp_path / "out.jsonl"
    summary = batch_api.run(write_input(tmp_path), out, options=Options(RewriteRequest("", base_url=base_url)),
                            reask="batch", poll=0)
    assert summary is not None and (summary.ok, summary.errors) == (3, 1)
    got = results(out)
    assert got["reasked"]["status"] == "ok" and got["reasked"]["attempts"] == 1  # a resend is not a re-ask
    assert [line["custom_id"] for line in batch_lines] == ["clean", "reasked", "failed", "reasked"]
    assert batch_lines[3] == batch_lines[1]  # the very same request
    if llm_endpoint.server is None:
        assert vcr.play_count == len(vcr.data)


def test_submit_now_collect_later(llm_endpoint: Endpoint, tmp_path: Path, vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion(CLEAN_JSON), Scripted.completion(CLEAN_JSON), Scripted.completion(answer_json(PLAIN)))
    inp, out = write_input(tmp_path), tmp_path / "out.jsonl"
    notices: list[str] = []
    options = Options(RewriteRequest("", base_url=base_url))
    assert batch_api.run(inp, out, options=options, wait=False, poll=0, on_notice=notices.append) is None
    assert list(results(out)) == ["empty"]  # refused before any request: written at once
    batch_id = re.search(r"--collect (\S+)", notices[0]).group(1)  # type: ignore[union-attr]

    state = batch_api.status(batch_id, base_url=base_url)
    assert state.id == batch_id and state.total == 3

    # A draft added to IN since: not in that batch, so not written; the next plain run sends it.
    with inp.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "late", "draft": DRAFT}) + "\n")
    summary = batch_api.run(inp, out, options=options, batch_id=batch_id, poll=0, on_notice=notices.append)
    assert summary is not None and summary.skipped == 1
    got = results(out)
    assert sorted(got) == ["clean", "empty", "failed", "reasked"]
    assert [got[k]["status"] for k in ("clean", "reasked", "failed")] == ["ok", "ok", "ok"]
    assert "1 drafts of the input have no result" in notices[-1]


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])
def test_more_drafts_than_one_batch_holds_are_refused_before_any_upload(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_api, "MAX_BATCH_REQUESTS", 2)
    with ScriptedServer() as server:
        with pytest.raises(InputError, match="exceed one OpenAI batch"):
            batch_api.run(write_input(tmp_path), tmp_path / "out.jsonl",
                          options=Options(RewriteRequest("", base_url=server.base_url)))
        assert server.received == []


def test_batch_cassettes_hold_no_key_and_no_secret_header() -> None:
    paths = sorted(BATCH_CASSETTES.glob("*.yaml"))
    assert len(paths) >= 4
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "SENTINEL" not in text and "Bearer" not in text and "sk-" not in text
        data = yaml.safe_load(text)
        for item in data["interactions"]:
            names = [k.lower() for k in item["request"]["headers"]] + [k.lower() for k in item["response"]["headers"]]
            assert not [n for n in names if n in ("authorization", "api-key", "cookie", "set-cookie")
                        or n.startswith(("x-", "openai-"))]
        uploads = [i for i in data["interactions"] if i["request"]["uri"].endswith("/v1/files")]
        assert uploads and all("rewriter-boundary" in str(i["request"]["body"]) for i in uploads)
