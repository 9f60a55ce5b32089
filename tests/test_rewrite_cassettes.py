"""The cassettes themselves: free of secrets, readable, and matched on the parsed body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
import yaml
from conftest import (
    CASSETTES,
    SENTINEL_KEY,
    ReadableSerializer,
    json_body_matcher,
    scrub_request,
    scrub_response,
)
from scripted_server import Scripted, ScriptedServer, answer_json
from vcr.request import Request

import rewriter

SECRET_HEADERS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie")


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


def _headers(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for item in data["interactions"]:
        names += [k.lower() for k in item["request"]["headers"]]
        names += [k.lower() for k in item["response"]["headers"]]
    return names


def test_there_are_scenario_cassettes() -> None:
    assert len(_cassettes()) >= 11


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.stem)
def test_cassette_holds_no_key_and_no_secret_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert SENTINEL_KEY not in text and "SENTINEL" not in text
    assert "Bearer" not in text
    names = _headers(path)
    assert not [n for n in names if n in SECRET_HEADERS or n.startswith("x-")]


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.stem)
def test_cassette_bodies_are_stored_readable(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data["interactions"]:
        assert isinstance(item["request"]["json_body"]["messages"], list)  # parsed, not an escaped string
        assert isinstance(item["response"]["body"]["json"], dict)


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])
def test_recording_scrubs_headers_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record a real exchange over loopback with a sentinel key and secret-looking headers."""
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    recorder = vcrpy.VCR(
        serializer="yaml",
        match_on=["method", "path", "json_body"],
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        record_mode="once",
    )
    recorder.register_serializer("yaml", ReadableSerializer)
    recorder.register_matcher("json_body", json_body_matcher)
    secret_headers = {"set-cookie": "session=SENTINEL-cookie", "openai-organization": "org-SENTINEL",
                      "openai-project": "proj_SENTINEL", "x-ratelimit-remaining-requests": "99"}
    clean = answer_json("I have learned a great deal here and I am ready to take on more responsibility.")
    cassette_path = tmp_path / "recorded.yaml"
    with ScriptedServer([Scripted.completion(clean, headers=secret_headers)]) as server:
        with recorder.use_cassette(str(cassette_path)):
            result = rewriter.rewrite("My manager checks every email I send.", base_url=server.base_url)
        sent = server.received[0].headers
    assert sent["authorization"] == f"Bearer {SENTINEL_KEY}"  # it really went over the wire...
    text = cassette_path.read_text(encoding="utf-8")
    assert "SENTINEL" not in text  # ...and never reached the cassette
    assert not [n for n in _headers(cassette_path) if n in SECRET_HEADERS or n.startswith("x-")]
    assert result.answer in text  # the body itself is kept, readable

    # And the cassette replays with the network off, on any port.
    with recorder.use_cassette(str(cassette_path), record_mode="none"):
        replayed = rewriter.rewrite("My manager checks every email I send.", base_url="http://127.0.0.1:9/v1")
    assert replayed.answer == result.answer


def _request(body: dict[str, Any], uri: str = "http://127.0.0.1:5555/v1/chat/completions") -> Request:
    return Request("POST", uri, json.dumps(body), {"Authorization": f"Bearer {SENTINEL_KEY}", "X-Stainless-OS": "Linux",
                                                    "Content-Type": "application/json"})


def test_scrub_request_drops_secret_and_x_headers_and_the_port() -> None:
    request = scrub_request(_request({"a": 1}))
    assert set(k.lower() for k in request.headers) == {"content-type"}
    assert request.uri == "http://127.0.0.1/v1/chat/completions"


def test_body_matcher_compares_parsed_json() -> None:
    json_body_matcher(_request({"a": 1, "b": [1, 2]}), Request("POST", "/", '{"b": [1,2],  "a": 1}', {}))
    with pytest.raises(AssertionError):
        json_body_matcher(_request({"a": 1}), _request({"a": 2}))


def test_serializer_round_trip_restores_json_bodies() -> None:
    body = {"messages": [{"role": "user", "content": "line one\nline two"}]}
    data = {"version": 1, "interactions": [{
        "request": {"method": "POST", "uri": "http://h/v1/x", "body": json.dumps(body), "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                     "body": {"string": json.dumps({"ok": True})}},
    }]}
    text = ReadableSerializer.serialize(json.loads(json.dumps(data)))
    assert "line one\n" in text  # multi-line text stored as a YAML block, readable
    back = ReadableSerializer.deserialize(text)["interactions"][0]
    assert json.loads(back["request"]["body"]) == body
    assert json.loads(back["response"]["body"]["string"]) == {"ok": True}

