"""rewriter.llm in isolation: configuration, extraction, retry policy, error mapping, schema."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx2
import openai
import pytest

from rewriter import ConfigurationError
from rewriter.config import DEFAULT_MODEL, MODES
from rewriter.llm import (
    LLM,
    PLACEHOLDER_KEY,
    LLMConfig,
    extract_json,
    interpret,
    is_transient,
    map_error,
    retry_after,
)
from rewriter.llm.reply import request_kwargs
from rewriter.llm.transport import _sync_client
from rewriter.schema import LLMAnswer, strict_schema

KEY = "sk-test-SENTINEL-0123456789abcdef"
ANSWER = '{"answer": "I am ready for more.", "reasons": [], "facts_kept": [], "left_out": []}'


def status_error(status: int, message: str = "", *, code: str | None = None,
                 headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    body = {"error": {"message": message, "type": "x", "param": None, "code": code}}
    response = httpx2.Response(status, headers=headers or {}, json=body, request=request)
    classes = {400: openai.BadRequestError, 401: openai.AuthenticationError, 403: openai.PermissionDeniedError,
               404: openai.NotFoundError, 429: openai.RateLimitError}
    cls = classes.get(status, openai.InternalServerError if status >= 500 else openai.APIStatusError)
    return cls(message, response=response, body=body)


def config(**overrides: Any) -> LLMConfig:
    values: dict[str, Any] = {"model": "gpt-test", "base_url": None, "mode": "schema", "api_key": KEY}
    values.update(overrides)
    return LLMConfig(**values)


# ---------------------------------------------------------------- configuration


def test_config_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("REWRITER_MODEL", "env-model")
    monkeypatch.setenv("REWRITER_MODE", "json")
    c = LLMConfig.resolve()
    assert (c.model, c.mode, c.api_key, c.base_url) == ("env-model", "json", KEY, None)


def test_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("REWRITER_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env/v1")
    c = LLMConfig.resolve(model="arg-model", base_url="http://arg/v1", mode="schema")
    assert (c.model, c.base_url, c.mode) == ("arg-model", "http://arg/v1", "schema")


def test_default_model_when_nothing_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert LLMConfig.resolve().model == DEFAULT_MODEL


def test_base_url_without_key_sends_a_placeholder() -> None:
    c = LLMConfig.resolve(base_url="http://localhost:11434/v1")
    assert c.api_key == PLACEHOLDER_KEY


def test_no_key_and_no_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        LLMConfig.resolve()


def test_unknown_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="mode"):
        LLMConfig.resolve(base_url="http://x/v1", mode="xml")


def test_the_key_is_not_in_the_config_repr() -> None:
    assert KEY not in repr(config())


def test_one_client_per_configuration_reused() -> None:
    a = _sync_client("http://127.0.0.1:9/v1", KEY, 60.0)
    assert a is _sync_client("http://127.0.0.1:9/v1", KEY, 60.0)
    assert a is not _sync_client("http://127.0.0.1:8/v1", KEY, 60.0)
    assert a.max_retries == 0  # tenacity owns retries; the SDK's would multiply them


# ---------------------------------------------------------------- extraction


@pytest.mark.parametrize("text", [
    ANSWER,
    f"```json\n{ANSWER}\n```",
    f"Here it is:\n```\n{ANSWER}\n```\nGood luck!",
    f"<think>They want {{json}} so I'll comply.</think>\n{ANSWER}",
    f"Sure! {ANSWER} Hope that helps.",
])
def test_extract_json_finds_the_object(text: str) -> None:
    assert extract_json(text) == LLMAnswer.model_validate_json(ANSWER).model_dump()


@pytest.mark.parametrize("text", ["", "no json here", '{"answer": "cut', "[1, 2, 3]", "<think>{}"])
def test_extract_json_gives_none_when_there_is_no_object(text: str) -> None:
    assert extract_json(text) is None


def _completion(content: str | None, *, finish: str = "stop", refusal: str | None = None,
                choices: bool = True) -> Any:
    from openai.types.chat import ChatCompletion

    return ChatCompletion.model_validate({
        "id": "c", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}] if choices else [],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    })


def test_interpret_maps_each_outcome() -> None:
    from rewriter import ServiceError

    ok = interpret(_completion(ANSWER), config())
    assert ok.answer is not None and ok.problem is None and ok.usage.total_tokens == 15
    assert "cut off" in (interpret(_completion(ANSWER[:20], finish="length"), config()).problem or "")
    assert "no choices" in (interpret(_completion(None, choices=False), config()).problem or "")
    assert "schema" in (interpret(_completion('{"answer": 3}'), config()).problem or "")
    assert "empty" in (interpret(_completion(ANSWER.replace("I am ready for more.", " ")), config()).problem or "")
    with pytest.raises(ServiceError, match="refused"):
        interpret(_completion(None, refusal="I can't help with that."), config())
    with pytest.raises(ServiceError, match="content filter"):
        interpret(_completion(None, finish="content_filter"), config())


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("status,transient", [(429, True), (500, True), (502, True), (503, True), (408, True),
                                              (400, False), (401, False), (403, False), (404, False)])
def test_only_transient_statuses_are_retried(status: int, transient: bool) -> None:
    assert is_transient(status_error(status)) is transient


def test_exhausted_quota_is_not_retried() -> None:
    assert not is_transient(status_error(429, "You exceeded your current quota", code="insufficient_quota"))


def test_timeouts_and_dropped_connections_are_retried() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    assert is_transient(openai.APITimeoutError(request))
    assert is_transient(openai.APIConnectionError(request=request))


def test_retry_after_forms() -> None:
    assert retry_after(status_error(429, headers={"retry-after": "7"})) == 7.0
    assert retry_after(status_error(429, headers={"retry-after-ms": "250"})) == 0.25
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after(status_error(429, headers={"retry-after": later})) or 0) <= 31
    assert retry_after(status_error(429)) is None


def test_long_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from tenacity import RetryCallState

    from rewriter.llm.transport import MAX_RETRY_AFTER, _WaitRetryAfter

    state = RetryCallState(None, None, (), {})
    state.set_exception((openai.RateLimitError, status_error(429, headers={"retry-after": "3600"}), None))
    assert _WaitRetryAfter()(state) == MAX_RETRY_AFTER


# ---------------------------------------------------------------- error messages


@pytest.mark.parametrize("status,message,expect", [
    (401, f"Incorrect API key provided: {KEY}", "OPENAI_API_KEY"),
    (403, "Project does not have access to model", "permission"),
    (404, "The model `gpt-test` does not exist", "'gpt-test'"),
    (400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported", "--mode json"),
    (400, "invalid model ID", "'gpt-test'"),
    (429, "You exceeded your current quota", "quota"),
    (503, "overloaded", "unavailable"),
])
def test_errors_say_what_to_do_and_never_show_the_key(status: int, message: str, expect: str) -> None:
    code = "insufficient_quota" if "quota" in message else None
    error = map_error(status_error(status, message, code=code), config(), tries=5)
    assert expect in str(error)
    assert KEY not in str(error) and "SENTINEL" not in str(error)
    assert error.exit_code == 3


@pytest.mark.parametrize("status,code,kind,retryable", [
    (401, None, "auth", False),
    (403, None, "permission", False),
    (404, None, "not_found", False),
    (400, None, "bad_request", False),
    (422, None, "bad_request", False),
    (408, None, "timeout", True),
    (429, None, "rate_limited", True),
    (429, "insufficient_quota", "rate_limited", False),
    (500, None, "unavailable", True),
    (503, None, "unavailable", True),
])
def test_service_errors_carry_kind_status_and_retryable(status: int, code: str | None, kind: str,
                                                        retryable: bool) -> None:
    error = map_error(status_error(status, f"it failed\x1b[31m\n near {KEY}", code=code), config(), tries=5)
    assert (error.kind, error.status, error.retryable) == (kind, status, retryable)
    # The server's own words, for programs: one line, no control characters, never the key.
    assert error.server_message is not None and error.server_message.startswith("it failed")
    assert KEY not in error.server_message and "SENTINEL" not in error.server_message
    assert "\x1b" not in error.server_message and "\n" not in error.server_message


def test_connection_failures_and_timeouts_are_retryable_kinds() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    timeout = map_error(openai.APITimeoutError(request=request), config(), tries=5)
    refused = map_error(openai.APIConnectionError(request=request), config(), tries=5)
    assert (timeout.kind, timeout.retryable, timeout.status) == ("timeout", True, None)
    assert (refused.kind, refused.retryable, refused.status) == ("connection", True, None)


def test_key_shaped_text_from_a_server_is_masked() -> None:
    error = map_error(status_error(400, "bad thing near sk-proj-abcdefgh12345678"), config(), tries=1)
    assert "abcdefgh12345678" not in str(error)


# ---------------------------------------------------------------- the request on the wire

MESSAGES = [
    {"role": "system", "content": "You rewrite answers. Keep every fact."},
    {"role": "user", "content": "<draft>my boss “micromanages” me — 4 years, $90k, 30%</draft>"},
    {"role": "assistant", "content": ANSWER},
    {"role": "user", "content": "Rewrite it: blame.manager at “micromanages”."},
]


@pytest.mark.parametrize("mode", MODES)
def test_the_request_is_byte_for_byte_what_create_would_send(mode: str) -> None:
    # llm.py posts its body to /chat/completions itself, skipping create()'s walk of the
    # body against the SDK's TypedDicts (its largest per-request cost, ~0.4 ms). That is
    # only sound while the walk changes nothing in what we send: this fails if it would.
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 0, "model": "gpt-test",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ANSWER}}]})

    client = openai.OpenAI(api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0,
                           http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
    cfg = config(mode=mode)
    reply = LLM(cfg, client).complete(MESSAGES)
    client.chat.completions.create(**request_kwargs(MESSAGES, cfg))
    ours, sdks = seen
    assert reply.answer is not None and reply.answer.answer == "I am ready for more."
    assert (ours.method, ours.url, ours.content) == (sdks.method, sdks.url, sdks.content)
    volatile = {"x-stainless-retry-count", "x-stainless-read-timeout", "idempotency-key"}
    assert {k: v for k, v in ours.headers.items() if k not in volatile} == \
           {k: v for k, v in sdks.headers.items() if k not in volatile}


# ---------------------------------------------------------------- schema


def test_schema_is_strict_compatible() -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if isinstance(node, dict):
            if node.get("type") == "object":
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    schema = strict_schema()
    assert {"answer", "reasons", "facts_kept", "left_out"} == set(schema["properties"])
    for obj in objects(schema):
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
    assert "default" not in str(schema)
    strict_schema()["properties"].clear()  # a caller mutating its copy...
    assert strict_schema()["properties"]  # ...does not touch the next one


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])
def test_dropped_connections_are_retried_within_the_budget(sleeps: list[float]) -> None:
    from rewriter import ServiceError, rewrite
    from rewriter.llm.transport import MAX_TRIES

    # Port 9 (discard) on loopback: nothing listens, every connection is refused at once.
    with pytest.raises(ServiceError, match="cannot reach") as caught:
        rewrite("My manager checks every email I send.", base_url="http://127.0.0.1:9/v1")
    assert f"{MAX_TRIES} tries" in str(caught.value)
    assert len(sleeps) == MAX_TRIES - 1
    assert sleeps == sorted(sleeps) and max(sleeps) <= 20  # growing backoff, each wait bounded
