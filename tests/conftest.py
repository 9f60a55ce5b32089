"""Shared test set-up: environment isolation, cassettes (vcrpy via pytest-recording),
and the LLM endpoint a scenario test talks to.

Cassettes live in the top-level cassettes/ and are replayed with the network
blocked (pyproject: `--block-network --record-mode=none`). Recording, and how
the cassettes were made, is described in cassettes/README.md.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CASSETTES = ROOT / "cassettes"
sys.path.insert(0, str(TESTS))  # `from scripted_server import ...` in test modules

from scripted_server import Scripted, ScriptedServer  # noqa: E402

# A recognisable fake key: a test greps every cassette for it.
SENTINEL_KEY = "sk-test-SENTINEL-0123456789abcdef"
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: vcrpy answers first
REAL_API_ENV = "REWRITER_REAL_API"  # =1 with OPENAI_API_KEY: record from the real API

# Captured before the per-test isolation below clears the environment.
_REAL_KEY = os.environ.get("OPENAI_API_KEY")

_ISOLATED_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "REWRITER_MODEL", "REWRITER_MODE", "REWRITER_PROMPTS",
                 "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own key, server or model must not change what a test sends."""
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_server_modes() -> Iterator[None]:
    """What --mode auto learned about a server (per base URL, per process) stays in its test."""
    yield
    if "rewriter.llm.modes" in sys.modules:
        sys.modules["rewriter.llm.modes"].forget()


# ---------------------------------------------------------------- cassettes

DROP_HEADERS = {"authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie",
                # noise that only makes re-recordings diff:
                "user-agent", "date", "content-length", "openai-processing-ms", "server", "connection", "host"}


def _drop(name: str) -> bool:
    name = name.lower()
    return name in DROP_HEADERS or name.startswith("x-")


def _without_port(uri: str) -> str:
    # The scripted server's port changes every run; a stable URI keeps diffs clean.
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=parts.hostname or "")) if parts.port else uri


def scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        if _drop(name):
            del request.headers[name]
    request.uri = _without_port(request.uri)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if not _drop(k)}
    return response


def _parse(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.strip():
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def json_body_matcher(r1: Any, r2: Any) -> None:
    """Bodies equal as parsed JSON: key order and whitespace do not matter, content does."""
    assert _parse(r1.body) == _parse(r2.body), "request bodies differ"


class _Literal(str):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> Any:
    # Multi-line text (prompts, answers) as a YAML block: a prompt change reads as a line diff.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class ReadableSerializer:
    """YAML cassettes whose JSON bodies are stored parsed (readable), restored as JSON text on load."""

    @staticmethod
    def serialize(data: dict[str, Any]) -> str:
        for item in data["interactions"]:
            request, response = item["request"], item["response"]
            parsed = _parse(request.get("body"))
            if isinstance(parsed, (dict, list)):
                request["body"] = None
                request["json_body"] = parsed
            body = response.get("body", {})
            parsed = _parse(body.get("string"))
            if isinstance(parsed, (dict, list)):
                response["body"] = {"json": parsed}
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        data = yaml.safe_load(text) or {"interactions": []}
        for item in data["interactions"]:
            request, response = item["request"], item["response"]
            if "json_body" in request:
                request["body"] = json.dumps(request.pop("json_body"))
            if "json" in response.get("body", {}):
                response["body"] = {"string": json.dumps(response["body"]["json"])}
        return data


def wire_shape_matcher(r1: Any, r2: Any) -> None:
    """The request's shape: model, response format, token limits and the roles of its messages.

    For the real-server cassettes (cassettes/real/): only a real server can record them again,
    so a prompt or validator change (which rewords the messages) must not invalidate them.
    """
    def shape(body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        roles = [m.get("role") for m in body.get("messages", [])]
        return {**{k: v for k, v in body.items() if k != "messages"}, "roles": roles}

    assert shape(_parse(r1.body)) == shape(_parse(r2.body)), "request shapes differ"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_serializer("yaml", ReadableSerializer)  # replaces the default: same suffix, readable bodies
    vcr.register_matcher("json_body", json_body_matcher)
    vcr.register_matcher("wire_shape", wire_shape_matcher)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cassette: replays a recorded LLM exchange from cassettes/")


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "serializer": "yaml",
        "match_on": ["method", "path", "json_body"],  # not host or port: the scripted server's port varies
        "decode_compressed_response": True,
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "record_on_exception": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


# ---------------------------------------------------------------- the endpoint


@dataclass
class Endpoint:
    """Where a scenario test's requests go.

    replay: a fixed, never-contacted URL (vcrpy answers from the cassette);
    record: a scripted server on 127.0.0.1 answering from `script`;
    real:   the real OpenAI API (REWRITER_REAL_API=1 and a key), property assertions only.
    """

    mode: str  # "replay" | "record" | "real"
    base_url: str | None = None
    server: ScriptedServer | None = None
    _servers: list[ScriptedServer] = field(default_factory=list)
    replaying_real: bool = False  # replaying a cassette recorded from a real model

    @property
    def real(self) -> bool:
        """A real model's words: assert properties, not exact text."""
        return self.mode == "real" or self.replaying_real

    def script(self, *responses: Scripted, real_ok: bool = False) -> str | None:
        """Set the scripted responses (used only when recording) and return the base URL."""
        if self.mode == "real":
            if not real_ok:
                pytest.skip("scenario needs a scripted server (the real API cannot be told to fail)")
            return None
        if self.mode == "record":
            self.server = ScriptedServer(responses).start()
            self._servers.append(self.server)
            self.base_url = self.server.base_url
        return self.base_url


def _recorded_from_real_model(cassette: Any) -> bool:
    models = set()
    for response in getattr(cassette, "responses", None) or []:
        body = _parse((response.get("body") or {}).get("string"))
        if isinstance(body, dict) and "model" in body:
            models.add(body["model"])
    return bool(models) and models != {ScriptedServer.MODEL}


@pytest.fixture
def llm_endpoint(record_mode: str, monkeypatch: pytest.MonkeyPatch, vcr: Any) -> Iterator[Endpoint]:
    real = os.environ.get(REAL_API_ENV) == "1" and bool(_REAL_KEY) and record_mode != "none"
    if real:
        monkeypatch.setenv("OPENAI_API_KEY", _REAL_KEY or "")
        endpoint = Endpoint("real")
    else:
        monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
        endpoint = Endpoint("record" if record_mode != "none" else "replay", REPLAY_BASE_URL)
        endpoint.replaying_real = record_mode == "none" and _recorded_from_real_model(vcr)
    yield endpoint
    for server in endpoint._servers:
        server.stop()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The request bodies rewrite() built, one per attempt (transport retries reuse one)."""
    from rewriter.llm import reply as llm_module

    bodies: list[dict[str, Any]] = []
    original = llm_module.request_kwargs

    def spy(messages: list[dict[str, str]], config: Any) -> dict[str, Any]:
        kwargs = original(messages, config)
        bodies.append(json.loads(json.dumps(kwargs)))  # a deep copy, as sent
        return kwargs

    monkeypatch.setattr(llm_module, "request_kwargs", spy)
    return bodies


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Transport-retry waits, recorded instead of slept (replays of 429s stay instant)."""
    import rewriter.llm.transport as llm

    waited: list[float] = []

    async def asleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(llm, "_sleep", waited.append)
    monkeypatch.setattr(llm, "_asleep", asleep)
    return waited


@pytest.fixture
def live_server() -> Iterator[ScriptedServer]:
    """A scripted server for tests that talk to it live (subprocess CLI tests): set `.script`."""
    server = ScriptedServer().start()
    yield server
    server.stop()
