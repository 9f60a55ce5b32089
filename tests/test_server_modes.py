"""--mode auto against servers that refuse json_schema, over real HTTP (the scripted server).

The numbers the issue asks for: with no --mode, a server refusing json_schema with a 500
(llama-cpp-python's validation error, word for word) or a 400 still gives the answer, in at
most 3 requests, and nothing says "try again later".
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SENTINEL_KEY
from scripted_server import Scripted, ScriptedServer, answer_json

from rewriter import ServiceError, arewrite, rewrite
from rewriter.batch import Options, run_batch
from rewriter.llm import LLMConfig
from rewriter.llm.failures import readable, refuses_format
from rewriter.llm.modes import forget, takes_schema_sibling, wire_mode
from rewriter.llm.reply import request_kwargs
from rewriter.request import RewriteRequest
from rewriter.schema import strict_schema

DRAFT = "My boss micromanages every email I send and I'm underpaid. I coordinate projects for marketing."
CLEAN = ("I've learned a great deal coordinating projects for marketing, and I'm grateful for it. "
         "I'm ready to take on more ownership and lead projects myself, and this role is that next step.")
# llama-cpp-python 0.3.36, asked for json_schema: its pydantic error, wrapped as a 500, traceback frame and all.
LLAMA_CPP_PYTHON_500 = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/srv/llama/lib/python3.11/site-packages/"
    "llama_cpp/server/app.py\", line 376, in create_chat_completion\n    POST /v1/chat/completions"
)
LM_STYLE_400 = "response_format type must be one of \"text\" or \"json_object\", but got: json_schema"
pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])  # the scripted server only

REFUSALS = {
    "llama-cpp-python-500": Scripted.error(500, LLAMA_CPP_PYTHON_500, type_="internal_server_error"),
    "llama-server-400": Scripted.error(400, LM_STYLE_400),
    "terse-422": Scripted.error(422, "Unprocessable Entity"),
}


def clean() -> Scripted:
    return Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")]))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("REWRITER_RETRY_MAX_WAIT", "0")


def formats(server: ScriptedServer) -> list[dict[str, Any]]:
    return [r.body["response_format"] for r in server.received]


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_auto_falls_back_to_json_mode_at_once(refusal: str, live_server: ScriptedServer, key: None) -> None:
    live_server.script = [REFUSALS[refusal], clean()]
    result = rewrite(DRAFT, base_url=live_server.base_url)
    assert result.answer == CLEAN
    assert len(live_server.received) == 2  # the refusal (never retried) and the answer: at most 3
    first, second = live_server.received
    assert first.body["response_format"]["type"] == "json_schema"
    # JSON mode carries the schema where llama-cpp-python and llama-server read it, and in the prompt.
    assert second.body["response_format"] == {"type": "json_object", "schema": strict_schema()}
    assert '"additionalProperties": false' in second.body["messages"][0]["content"]
    assert '"additionalProperties": false' not in first.body["messages"][0]["content"]
    assert second.body["messages"][1:] == first.body["messages"][1:]
    assert len(result.attempts) == 1  # the refusal is not an attempt: the model never saw the request
    (notice,) = [n for n in result.notices if "JSON mode" in n]
    assert "refused JSON-schema output" in notice
    assert "try again" not in notice


def test_the_switch_is_remembered_per_server_for_the_process(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [REFUSALS["llama-cpp-python-500"], clean(), clean()]
    first = rewrite(DRAFT, base_url=live_server.base_url)
    second = rewrite(DRAFT, base_url=live_server.base_url + "/")  # the same server
    assert len(live_server.received) == 3  # the second rewrite went straight to JSON mode
    assert [f["type"] for f in formats(live_server)] == ["json_schema", "json_object", "json_object"]
    assert any("JSON mode" in n for n in first.notices)
    assert not any("JSON mode" in n for n in second.notices)  # said once
    with ScriptedServer([clean()]) as other:  # another server starts from json_schema again
        rewrite(DRAFT, base_url=other.base_url)
        assert formats(other)[0]["type"] == "json_schema"


def test_async_rewrite_falls_back_too(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [REFUSALS["llama-server-400"], clean()]
    result = asyncio.run(arewrite(DRAFT, base_url=live_server.base_url))
    assert result.answer == CLEAN and len(live_server.received) == 2


def test_a_batch_pays_for_the_refusal_once(live_server: ScriptedServer, key: None, tmp_path: Path) -> None:
    drafts = tmp_path / "in.jsonl"
    drafts.write_text("".join(json.dumps({"id": f"d{i}", "draft": DRAFT}) + "\n" for i in range(6)))
    live_server.script = [REFUSALS["llama-cpp-python-500"], *(clean() for _ in range(6))]
    out = tmp_path / "out.jsonl"
    run_batch(drafts, out, options=Options(RewriteRequest("", base_url=live_server.base_url, engine="llm"),
                                           concurrency=4))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["status"] for r in lines) == ["ok"] * 6
    types = [f["type"] for f in formats(live_server)]
    assert types.count("json_schema") == 1 and types.count("json_object") == 6  # 7 requests for 6 drafts


def test_forced_schema_mode_says_what_the_server_said_and_never_retries(live_server: ScriptedServer,
                                                                        key: None) -> None:
    live_server.script = [REFUSALS["llama-cpp-python-500"]] * 3
    with pytest.raises(ServiceError) as caught:
        rewrite(DRAFT, base_url=live_server.base_url, mode="schema")
    error = caught.value
    assert len(live_server.received) == 1  # a refused response format is permanent, whatever the status
    assert (error.status, error.kind, error.retryable) == (500, "bad_request", False)
    message = str(error)
    assert "--mode auto or --mode json" in message
    assert "response_format.type: Input should be 'text' or 'json_object'" in message  # the server's words, readable
    assert "try again later" not in message and "app.py" not in message  # no traceback frame


def test_forced_json_mode_sends_json_mode_first(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [clean()]
    rewrite(DRAFT, base_url=live_server.base_url, mode="json")
    assert formats(live_server) == [{"type": "json_object", "schema": strict_schema()}]


def test_a_server_refusing_both_modes_fails_with_both_words(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [REFUSALS["llama-server-400"],
                          Scripted.error(400, "'response_format.type' must be 'json_schema' or 'text'")]
    with pytest.raises(ServiceError) as caught:
        rewrite(DRAFT, base_url=live_server.base_url)
    assert len(live_server.received) == 2
    message = str(caught.value)
    assert "refused JSON-schema output and does not accept JSON mode either" in message
    assert "must be 'json_schema' or 'text'" in message
    assert "try again later" not in message


def test_a_real_outage_is_retried_and_says_so(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [Scripted.error(503, "model is loading, please wait", type_="server_error")] * 6
    with pytest.raises(ServiceError) as caught:
        rewrite(DRAFT, base_url=live_server.base_url)
    assert len(live_server.received) == 5  # transient: the retry budget
    message = str(caught.value)
    assert "model is loading, please wait" in message and message.endswith("try again later")


def test_a_400_about_something_else_is_not_a_reason_to_switch(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [Scripted.error(400, "This model's maximum context length is 2048 tokens")]
    with pytest.raises(ServiceError, match="context length"):
        rewrite(DRAFT, base_url=live_server.base_url)
    assert len(live_server.received) == 1


def test_the_cli_with_no_mode_answers_from_a_llama_cpp_python_server(live_server: ScriptedServer,
                                                                      tmp_path: Path) -> None:
    live_server.script = [REFUSALS["llama-cpp-python-500"], clean()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update({"NO_COLOR": "1", "TMPDIR": str(tmp_path)})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", DRAFT, "--base-url", live_server.base_url],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert CLEAN in proc.stdout
    notices = [line for line in proc.stderr.splitlines() if "JSON mode" in line]
    assert len(notices) == 1 and notices[0].startswith("rewriter: ")
    assert "try again" not in proc.stderr and "Traceback" not in proc.stderr
    assert len(live_server.received) == 2


# ---------------------------------------------------------------- units


def test_readable_server_text() -> None:
    assert readable(LLAMA_CPP_PYTHON_500) == "response_format.type: Input should be 'text' or 'json_object'"
    assert readable("plain words") == "plain words"
    assert readable("boom\n  File \"/x.py\", line 3, in f\n    raise") == "boom"


@pytest.mark.parametrize(("status", "message", "refused"), [
    (500, readable(LLAMA_CPP_PYTHON_500), True),
    (400, LM_STYLE_400, True),
    (400, "Bad Request", True),  # says nothing else: worth one try in JSON mode
    (422, "Unprocessable Entity", True),
    (500, "CUDA out of memory", False),  # a real failure: retried, not a switch
    (503, "overloaded", False),
    (400, "The model `x` does not exist", False),
    (400, "This model's maximum context length is 2048 tokens", False),
    (401, "json_schema", False),
])
def test_refuses_format(status: int, message: str, refused: bool) -> None:
    assert refuses_format(status, message) is refused


def test_json_mode_body_per_server() -> None:
    local = LLMConfig("m", "http://127.0.0.1:8080/v1", "json", "k")
    openai_api = LLMConfig("m", None, "json", "k")
    azure = LLMConfig("m", "https://x.openai.azure.com/openai/v1", "json", "k")
    assert request_kwargs([], local)["response_format"] == {"type": "json_object", "schema": strict_schema()}
    assert request_kwargs([], local)["max_tokens"] == request_kwargs([], local)["max_completion_tokens"]
    for config in (openai_api, azure):  # OpenAI has no `schema` sibling and rejects unknown fields
        assert request_kwargs([], config)["response_format"] == {"type": "json_object"}
        assert "max_tokens" not in request_kwargs([], config)
    assert not takes_schema_sibling(None) and takes_schema_sibling("http://localhost:11434/v1")


def test_auto_is_the_default_and_asks_for_json_schema_first() -> None:
    forget()
    config = LLMConfig.resolve(base_url="http://127.0.0.1:1/v1")
    assert config.mode == "auto" and wire_mode(config) == "schema"
    assert request_kwargs([], config)["response_format"]["type"] == "json_schema"


def test_constrained_output_with_a_raw_newline_in_a_string_is_read() -> None:
    # llama.cpp grammars let a raw newline into a JSON string (SmolLM2 wrote one, cassettes/real/).
    from rewriter.llm.reply import extract_json

    assert extract_json('{"answer": "I have learned\na lot", "reasons": []}') == {
        "answer": "I have learned\na lot", "reasons": []}


def with_credentials(base_url: str) -> str:
    return base_url.replace("http://", "http://alice:s3cret-pw@")


def test_no_message_shows_credentials_in_the_url(live_server: ScriptedServer, key: None) -> None:
    live_server.script = [REFUSALS["llama-cpp-python-500"], clean()]
    result = rewrite(DRAFT, base_url=with_credentials(live_server.base_url))
    notices = " ".join(result.notices)
    assert "JSON mode" in notices and live_server.base_url in notices
    assert "s3cret" not in notices and "alice" not in notices
    with pytest.raises(ServiceError) as caught:
        rewrite(DRAFT, base_url="http://alice:s3cret-pw@127.0.0.1:9/v1", timeout=5)
    assert "cannot reach http://127.0.0.1:9/v1" in str(caught.value)
    assert "s3cret" not in str(caught.value) and "alice" not in str(caught.value)


def test_doctor_never_shows_credentials(live_server: ScriptedServer) -> None:
    from rewriter.llm.doctor import diagnose

    live_server.script = [Scripted.models("m"), Scripted.error(500, LLAMA_CPP_PYTHON_500), Scripted.completion("{}")]
    found = diagnose(LLMConfig.resolve(base_url=with_credentials(live_server.base_url), model="m"))
    shown = json.dumps(found.to_dict())
    assert found.ok and live_server.base_url in shown
    assert "s3cret" not in shown and "alice" not in shown


def test_server_text_quoting_a_url_loses_its_credentials() -> None:
    from rewriter.llm.failures import scrub

    assert scrub("upstream http://bob:hunter2@10.0.0.5:8000/v1 refused") == "upstream http://10.0.0.5:8000/v1 refused"
