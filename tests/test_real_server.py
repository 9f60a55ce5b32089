"""A real server and a real (tiny) model, replayed from cassettes/real/ (see cassettes/README.md).

Recorded from llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`,
0.3.36) serving SmolLM2-135M-Instruct over real HTTP. They prove wire behaviour: the
refused json_schema (HTTP 500) and the switch to JSON mode with the schema, decoding
constrained to that schema, a non-answer re-asked, a run that ends in failure, `doctor`.
They do not prove answer quality: a 135M model writes poor answers, which is the point
of the re-ask checks. The assertions are properties, not the model's words.

Replayed with the network blocked, like every cassette. Recording is opt-in, never part of
a test run (a server must be running; see cassettes/README.md):

    REWRITER_REAL_SERVER=http://127.0.0.1:8765/v1 python -m pytest tests/test_real_server.py --record-mode=rewrite
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import CASSETTES, REPLAY_BASE_URL

from rewriter import ServiceError, StillNegativeError, check, rewrite
from rewriter.llm.reply import extract_json
from rewriter.results import Rewrite
from rewriter.schema import LLMAnswer, strict_schema

# Not marked `cassette`: `-m cassette --record-mode=rewrite` re-records the scripted set only.
pytestmark = [pytest.mark.vcr, pytest.mark.real_server]

SERVER_ENV = "REWRITER_REAL_SERVER"
MODEL = "smollm2-135m-instruct"  # the --model_alias the server was started with
TIMEOUT = 900.0  # seconds per request: a 135M model on 2 busy cores takes minutes
DRAFT = (
    "My boss micromanages every email I send and I'm underpaid. I've coordinated projects for the "
    "marketing team for 3 years and I want to lead projects myself."
)
HARD_DRAFT = (
    "honestly this place is a joke, my manager screams at people, the pay is garbage and I haven't had a "
    "raise in 4 years. I run the warehouse night shift and trained 12 new hires."
)


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES / "real")


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    from conftest import scrub_request, scrub_response

    return {
        "serializer": "yaml",
        "match_on": ["method", "path", "wire_shape"],  # see conftest.wire_shape_matcher
        "decode_compressed_response": True,
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "record_on_exception": False,
    }


@pytest.fixture
def base_url(record_mode: str) -> Iterator[str]:
    if record_mode == "none":
        yield REPLAY_BASE_URL
        return
    url = os.environ.get(SERVER_ENV)
    if not url:
        pytest.skip(f"recording needs a running llama-cpp-python server: set {SERVER_ENV}")
    yield url


def outcome(**options: Any) -> Rewrite | StillNegativeError | ServiceError:
    try:
        return rewrite(model=MODEL, timeout=TIMEOUT, **options)
    except (StillNegativeError, ServiceError) as exc:
        return exc


def bodies(vcr: Any) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in vcr.requests if r.method == "POST"]


def statuses(vcr: Any) -> list[int]:
    return [r["status"]["code"] for r in vcr.responses]


def _raw(response: dict[str, Any]) -> bytes:
    body = response["body"]["string"]
    return body if isinstance(body, bytes) else body.encode()


def figures(vcr: Any) -> list[dict[str, Any]]:
    """Tokens per completion, as the server counted them (printed with -s for the report)."""
    out = []
    for response in vcr.responses:
        body = json.loads(response["body"]["string"])
        if "usage" in body:
            out.append({"model": body["model"], **body["usage"]})
    return out


def attempts_of(result: Rewrite | StillNegativeError | ServiceError) -> tuple[Any, ...]:
    return result.attempts if isinstance(result, (Rewrite, StillNegativeError)) else ()


def assert_reasked_with_findings(result: Rewrite | StillNegativeError | ServiceError, sent: list[dict[str, Any]],
                                 first: int) -> None:
    """Every attempt but the last that had errors went back to the model with each error's rule id."""
    attempts = attempts_of(result)
    for attempt in attempts[:-1]:
        reask = sent[first + attempt.number]["messages"][-1]["content"]
        assert all(f"[{f.rule}]" in reask for f in attempt.findings if f.severity == "error")
        if attempt.answer is None:
            assert attempt.problem and "could not be used" in reask


def test_refused_json_schema_falls_back_to_constrained_json_mode(base_url: str, vcr: Any) -> None:
    result = outcome(draft=DRAFT, base_url=base_url, role="Project Manager", max_attempts=3)
    sent = bodies(vcr)
    # 1. json_schema, refused with llama-cpp-python's 500, sent once (not retried)
    assert sent[0]["response_format"]["type"] == "json_schema"
    assert statuses(vcr)[0] == 500
    assert b"json_object" in _raw(vcr.responses[0])
    # 2. every later request: JSON mode with the schema inside response_format, and in the prompt
    assert len(sent) == 4 and all(b["response_format"] == {"type": "json_object", "schema": strict_schema()}
                                  for b in sent[1:])
    assert all('"additionalProperties": false' in b["messages"][0]["content"] for b in sent[1:])
    assert statuses(vcr)[1:] == [200, 200, 200]
    # 3. decoding was constrained: every completion is the schema's object (raw newlines in
    #    strings aside, which llama.cpp's grammar lets through and rewriter reads)
    for response in vcr.responses[1:]:
        content = json.loads(response["body"]["string"])["choices"][0]["message"]["content"]
        LLMAnswer.model_validate(extract_json(content))
    assert all(f["model"] == MODEL and f["prompt_tokens"] > 0 for f in figures(vcr))
    # 4. the refusal is not an attempt; the tiny model's non-answers (it copied the schema's
    #    description of the answer field) were re-asked with their findings
    attempts = attempts_of(result)
    assert len(attempts) == 3
    assert any(f.rule.startswith("answer.") for a in attempts for f in a.findings if f.severity == "error")
    assert_reasked_with_findings(result, sent, first=1)
    assert isinstance(result, StillNegativeError) and result.exit_code == 1  # never passed off as clean
    print("\nreal figures:", figures(vcr))


def test_the_real_model_in_json_mode(base_url: str, vcr: Any) -> None:
    """--mode json: no refused first request. Whatever the model answers is checked; errors are re-asked;
    an answer is accepted only without errors."""
    result = outcome(draft=DRAFT, base_url=base_url, mode="json", max_attempts=3)
    sent = bodies(vcr)
    assert all(b["response_format"]["type"] == "json_object" for b in sent)
    assert len(sent) == len(attempts_of(result))
    assert_reasked_with_findings(result, sent, first=0)
    if isinstance(result, Rewrite):
        assert result.attempts[-1].error_count == 0
        assert check(result.answer, draft=DRAFT).ok
    print("\nreal figures:", figures(vcr))


def test_a_real_run_that_ends_in_failure(base_url: str, vcr: Any) -> None:
    result = outcome(draft=HARD_DRAFT, base_url=base_url, mode="json", max_attempts=2, role="Warehouse Supervisor")
    assert isinstance(result, (StillNegativeError, ServiceError)), getattr(result, "answer", result)
    if isinstance(result, StillNegativeError):
        assert len(result.attempts) == 2 and result.exit_code == 1
        assert result.best.error_count > 0
        # As recorded: SmolLM2 answered with the interview question itself, each time.
        assert all("answer.restates_question" in {f.rule for f in a.findings} for a in result.attempts)
        assert_reasked_with_findings(result, bodies(vcr), first=0)
    else:
        assert result.exit_code == 3
    print("\nreal figures:", figures(vcr))


def test_doctor_on_the_real_server(base_url: str, vcr: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from rewriter.llm.doctor import diagnose
    from rewriter.llm.settings import LLMConfig

    found = diagnose(LLMConfig.resolve(base_url=base_url, model=MODEL, timeout=TIMEOUT))
    checks = {c.name: c.status for c in found.checks}
    assert checks["reachable"] == checks["key accepted"] == checks["model listed"] == "ok"
    assert checks["json_schema accepted"] == "failed" and checks["JSON mode works"] == "ok"
    assert found.ok and found.will_use == "json"
    assert any("REWRITER_MODE=json" in line for line in found.advice)
