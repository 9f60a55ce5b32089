"""End-to-end rewrite() scenarios, replayed from cassettes/ (see cassettes/README.md).

Replay (the default): requests are answered by vcrpy from the cassette and must
match it (method, path, parsed JSON body). Record: the same tests drive a
scripted OpenAI-compatible server on 127.0.0.1 over real HTTP.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from scripted_server import Scripted, answer_json

from rewriter import ServiceError, StillNegativeError, arewrite, check, rewrite
from rewriter.models import Context
from rewriter.schema import strict_schema

if TYPE_CHECKING:
    from conftest import Endpoint

pytestmark = [pytest.mark.vcr, pytest.mark.cassette]

DRAFT = (
    "My boss micromanages every email I send and I'm underpaid. I've coordinated projects "
    "for the marketing team and I want to lead projects myself."
)
CONTEXT = {"role": "Project Manager"}

CLEAN = (
    "I've learned a great deal coordinating projects for the marketing team, and I'm grateful "
    "for it. I'm now ready to take on more ownership and lead projects myself, which is why "
    "this Project Manager role is such an exciting next step for me. I'd love to bring what "
    "I've learned here and keep growing."
)
CLEAN_JSON = answer_json(
    CLEAN,
    reasons=[("close supervision", "ready to take on more ownership"), ("pay", "left out, discussed at offer stage")],
    facts_kept=["coordinated projects for the marketing team", "wants to lead projects"],
    left_out=["salary complaint"],
)
# Text the validator certainly flags (blame + complaint), and an invented figure.
NEGATIVE = "My boss is a clueless micromanager and I'm sick of this dead-end job."
NEGATIVE_JSON = answer_json(NEGATIVE, reasons=[("boss", "none")])
INVENTED = (
    "In my current role I grew revenue by $5M while coordinating projects for the marketing team, "
    "and I'm now ready to lead projects myself as a Project Manager."
)
INVENTED_JSON = answer_json(INVENTED, reasons=[("growth", "ready to lead")])


def http_requests(vcr: Any, endpoint: Endpoint) -> int:
    """HTTP requests really made (record) or replayed (replay)."""
    if endpoint.server is not None:
        return len(endpoint.server.received)
    return int(vcr.play_count)


def assert_clean(result: Any) -> None:
    assert result.engine == "llm"
    assert result.answer.strip()
    assert check(result.answer, draft=DRAFT, context=Context(**CONTEXT)).ok
    assert result.usage.total_tokens > 0
    assert all(a.usage.total_tokens > 0 for a in result.attempts)


def test_clean_answer(llm_endpoint: Endpoint, sent: list[dict[str, Any]], vcr: Any) -> None:
    base_url = llm_endpoint.script(Scripted.completion(CLEAN_JSON), real_ok=True)
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    assert len(result.attempts) == 1 and result.attempts[0].retries == 0
    assert http_requests(vcr, llm_endpoint) == 1
    body = sent[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    system, user = body["messages"]
    assert system["role"] == "system" and DRAFT not in system["content"]  # no user text in the system prompt
    assert f"<draft>\n{DRAFT}\n</draft>" in user["content"]
    if not llm_endpoint.real:
        assert result.answer == CLEAN
        assert result.reasons[0].reframed_as == "ready to take on more ownership"
        assert result.left_out == ("salary complaint",)
        assert result.usage.to_dict() == {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200}


@pytest.mark.default_cassette("test_clean_answer.yaml")
def test_async_clean_answer_shares_the_loop(llm_endpoint: Endpoint, vcr: Any) -> None:
    base_url = llm_endpoint.script(Scripted.completion(CLEAN_JSON), real_ok=True)
    result = asyncio.run(arewrite(DRAFT, base_url=base_url, **CONTEXT))
    assert_clean(result)
    assert len(result.attempts) == 1


def test_rate_limited_then_success(llm_endpoint: Endpoint, sleeps: list[float], vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.error(429, "Rate limit reached for requests", code="rate_limit_exceeded", type_="requests",
                       headers={"retry-after": "2"}),
        Scripted.completion(CLEAN_JSON),
    )
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    assert sleeps == [2.0]  # honoured Retry-After exactly
    assert len(result.attempts) == 1  # a transport retry is not a re-ask
    assert result.attempts[0].retries == 1
    assert http_requests(vcr, llm_endpoint) == 2


def test_server_error_then_success(llm_endpoint: Endpoint, sleeps: list[float], vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.error(500, "The server had an error while processing your request.", type_="server_error"),
        Scripted.completion(CLEAN_JSON),
    )
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 20  # exponential backoff with jitter, no Retry-After
    assert (len(result.attempts), result.attempts[0].retries) == (1, 1)
    assert http_requests(vcr, llm_endpoint) == 2


def test_negative_answer_is_reasked_with_its_findings(
    llm_endpoint: Endpoint, sent: list[dict[str, Any]], vcr: Any
) -> None:
    base_url = llm_endpoint.script(Scripted.completion(NEGATIVE_JSON), Scripted.completion(CLEAN_JSON))
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    first, second = result.attempts
    assert first.answer == NEGATIVE and first.error_count > 0
    assert second.answer == CLEAN and second.error_count == 0
    assert result.usage.total_tokens == first.usage.total_tokens + second.usage.total_tokens

    # The re-ask request really carries the findings: the bad answer, then each error's rule and excerpt.
    assert len(sent) == 2
    messages = sent[1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[:2] == sent[0]["messages"]  # the first request was not mutated
    assert json.loads(messages[2]["content"])["answer"] == NEGATIVE
    reask = messages[3]["content"]
    for finding in first.findings:
        if finding.severity == "error":
            assert f"[{finding.rule}]" in reask
            assert finding.excerpt in reask
            assert finding.message in reask
    assert http_requests(vcr, llm_endpoint) == 2


def test_invented_figure_is_reasked(llm_endpoint: Endpoint, sent: list[dict[str, Any]]) -> None:
    base_url = llm_endpoint.script(Scripted.completion(INVENTED_JSON), Scripted.completion(CLEAN_JSON))
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    first = result.attempts[0]
    invented = [f for f in first.findings if f.rule.startswith("fidelity") and f.severity == "error"]
    assert invented and any("5M" in f.excerpt for f in invented)
    assert "5M" in sent[1]["messages"][3]["content"]
    assert "$5M" not in result.answer


def test_malformed_json_is_reasked(llm_endpoint: Endpoint, sent: list[dict[str, Any]]) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion('Sure! Here is the answer: {"answer": "I have learned a lot", "reasons": ['),
        Scripted.completion(CLEAN_JSON),
    )
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    first = result.attempts[0]
    assert first.answer is None and first.problem and "JSON" in first.problem
    assert first.usage.total_tokens > 0  # a failed attempt still costs tokens, and is counted
    assert "could not be used" in sent[1]["messages"][3]["content"]


def test_refusal_is_a_service_error(llm_endpoint: Endpoint, vcr: Any) -> None:
    base_url = llm_endpoint.script(Scripted.completion(None, refusal="I'm sorry, I can't help with that request."))
    with pytest.raises(ServiceError, match="refused") as caught:
        rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert caught.value.exit_code == 3
    assert http_requests(vcr, llm_endpoint) == 1  # a refusal is not retried


def test_truncated_output_is_reasked(llm_endpoint: Endpoint, sent: list[dict[str, Any]]) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion('{"answer": "I have learned a great deal coordinating', finish_reason="length"),
        Scripted.completion(CLEAN_JSON),
    )
    result = rewrite(DRAFT, base_url=base_url, **CONTEXT)
    assert_clean(result)
    assert result.attempts[0].answer is None
    assert "cut off" in (result.attempts[0].problem or "")
    assert "shorter" in sent[1]["messages"][3]["content"]


def test_always_negative_raises_with_the_best_attempt(llm_endpoint: Endpoint, vcr: Any) -> None:
    base_url = llm_endpoint.script(*[Scripted.completion(NEGATIVE_JSON) for _ in range(3)])
    with pytest.raises(StillNegativeError) as caught:
        rewrite(DRAFT, base_url=base_url, **CONTEXT)
    error = caught.value
    assert error.exit_code == 1
    assert len(error.attempts) == 3
    assert error.best.answer == NEGATIVE and error.best.error_count > 0
    assert error.findings == error.best.findings
    assert all(a.usage.total_tokens > 0 for a in error.attempts)
    assert http_requests(vcr, llm_endpoint) == 3


def test_auth_error_is_not_retried(llm_endpoint: Endpoint, sleeps: list[float], vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.error(401, "Incorrect API key provided: sk-test-****cdef.", code="invalid_api_key")
    )
    with pytest.raises(ServiceError) as caught:
        rewrite(DRAFT, base_url=base_url, **CONTEXT)
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert "401" in message and "OPENAI_API_KEY" in message
    assert "SENTINEL" not in message and "sk-test" not in message
    assert sleeps == []
    assert http_requests(vcr, llm_endpoint) == 1


def test_json_mode_fallback(llm_endpoint: Endpoint, sent: list[dict[str, Any]]) -> None:
    # A local reasoning model in JSON mode: a <think> block with braces, then a fenced JSON block.
    content = "<think>The user wants {positive} framing.</think>\nHere you go:\n```json\n" + CLEAN_JSON + "\n```"
    base_url = llm_endpoint.script(Scripted.completion(content), real_ok=True)
    result = rewrite(DRAFT, base_url=base_url, mode="json", **CONTEXT)
    assert_clean(result)
    # The schema travels inside response_format (llama-cpp-python and llama-server constrain
    # decoding to it; other servers ignore it), with max_tokens, the name local servers read.
    assert sent[0]["response_format"] == {"type": "json_object", "schema": strict_schema()}
    assert sent[0]["max_tokens"] == sent[0]["max_completion_tokens"]
    system = sent[0]["messages"][0]["content"]
    assert '"additionalProperties": false' in system  # the schema travels in the prompt instead
    if not llm_endpoint.real:
        assert result.answer == CLEAN


def test_schema_unsupported_suggests_json_mode(llm_endpoint: Endpoint, vcr: Any) -> None:
    # --mode schema forced (the default, auto, falls back to JSON mode instead: test_server_modes.py).
    base_url = llm_endpoint.script(
        Scripted.error(400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported "
                            "with this model.", code="invalid_parameter")
    )
    with pytest.raises(ServiceError, match="--mode json"):
        rewrite(DRAFT, base_url=base_url, mode="schema", **CONTEXT)
    assert http_requests(vcr, llm_endpoint) == 1
