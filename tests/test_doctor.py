"""`rewriter doctor` against the scripted server over real HTTP (and, in test_real_server.py,
a cassette of llama-cpp-python): what it probes, what it says, its exit status."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_server import Scripted, ScriptedServer

from rewriter.llm.doctor import PROBE_TOKENS, diagnose
from rewriter.llm.settings import LLMConfig

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])  # the scripted server only

MODEL = "local-model"
OK = '{"ok": true}'
LLAMA_500 = ("1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
             "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}")


def config(server: ScriptedServer, mode: str | None = None) -> LLMConfig:
    return LLMConfig.resolve(base_url=server.base_url, model=MODEL, mode=mode)


def statuses(found: object) -> dict[str, str]:
    return {c.name: c.status for c in found.checks}  # type: ignore[attr-defined]


def test_a_server_that_takes_json_schema(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models(MODEL, "other"), Scripted.completion(OK)]
    found = diagnose(config(live_server))
    assert found.ok and found.will_use == "schema"
    assert statuses(found) == {"reachable": "ok", "key accepted": "ok", "model listed": "ok",
                               "json_schema accepted": "ok", "JSON mode works": "skipped",
                               "time for a tiny request": "ok"}
    assert [(r.method, r.path) for r in live_server.received] == [("GET", "/v1/models"),
                                                                  ("POST", "/v1/chat/completions")]
    body = live_server.received[1].body
    assert body["response_format"]["type"] == "json_schema" and body["max_completion_tokens"] == PROBE_TOKENS
    assert found.advice == []


def test_a_llama_cpp_python_server_gets_json_mode_and_advice(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.error(500, LLAMA_500, type_="internal_server_error"),
                          Scripted.completion(OK)]
    found = diagnose(config(live_server))
    assert found.ok and found.will_use == "json"
    checks = {c.name: c for c in found.checks}
    assert checks["json_schema accepted"].status == "failed"
    assert checks["json_schema accepted"].detail == (
        "refused (HTTP 500): response_format.type: Input should be 'text' or 'json_object'")
    assert checks["JSON mode works"].status == "ok"
    assert len(live_server.received) == 3  # the 500 is not retried
    assert live_server.received[2].body["response_format"]["type"] == "json_object"
    assert "schema" in live_server.received[2].body["response_format"]
    assert any("REWRITER_MODE=json" in a for a in found.advice)


def test_a_server_refusing_both_modes_cannot_rewrite(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.error(400, "response_format json_schema unsupported"),
                          Scripted.error(400, "'response_format.type' must be 'json_schema' or 'text'")]
    found = diagnose(config(live_server))
    assert not found.ok and found.will_use is None
    assert statuses(found)["JSON mode works"] == "failed"
    assert "time for a tiny request" not in statuses(found)


def test_json_mode_that_answers_prose_is_a_failure(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.error(500, LLAMA_500), Scripted.completion("Sure! Yes.")]
    found = diagnose(config(live_server))
    assert not found.ok
    assert "not a JSON object" in next(c.detail for c in found.checks if c.name == "JSON mode works")


def test_a_rejected_key_stops_at_the_model_list(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.error(401, "Invalid API key")]
    found = diagnose(config(live_server))
    assert not found.ok and statuses(found)["key accepted"] == "failed"
    assert len(live_server.received) == 1 and any("OPENAI_API_KEY" in a for a in found.advice)


def test_a_model_not_listed_is_a_warning_with_the_names(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models("llama3.2:latest", "qwen2.5:7b"), Scripted.completion(OK)]
    found = diagnose(config(live_server))
    assert found.ok and statuses(found)["model listed"] == "warning"
    assert "'llama3.2:latest'" in next(c.detail for c in found.checks if c.name == "model listed")
    assert any("REWRITER_MODEL=llama3.2:latest" in a for a in found.advice)


def test_nothing_listening(tmp_path: Path) -> None:
    found = diagnose(LLMConfig.resolve(base_url="http://127.0.0.1:9/v1", model=MODEL, timeout=5))
    assert not found.ok and statuses(found) == {"reachable": "failed"}
    assert any("start the server" in a for a in found.advice)


def test_a_slow_server_gets_a_timeout_advice(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.completion(OK)]
    ticks = itertools.count(0, 20)  # an injected clock: every reading 20 s after the last
    found = diagnose(config(live_server), clock=lambda: float(next(ticks)))
    slow = next(c for c in found.checks if c.name == "time for a tiny request")
    assert slow.status == "warning" and slow.seconds == 20.0
    assert any("--timeout 1200" in a for a in found.advice)
    assert found.ok  # slow is not broken


def run_doctor(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env["NO_COLOR"] = "1"
    proc = subprocess.run([sys.executable, "-m", "rewriter", "doctor", *args], capture_output=True, text=True,
                          env=env, timeout=60, cwd=tmp_path)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


def test_cli_exit_0_and_what_it_will_use(live_server: ScriptedServer, tmp_path: Path) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.error(500, LLAMA_500), Scripted.completion(OK)]
    proc = run_doctor(["--base-url", live_server.base_url, "--model", MODEL], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[FAIL] json_schema accepted: refused (HTTP 500)" in proc.stdout
    assert "rewriter will use: JSON mode" in proc.stdout and "REWRITER_MODE=json" in proc.stdout


def test_cli_json_and_exit_3(live_server: ScriptedServer, tmp_path: Path) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.error(400, "json_schema unsupported"),
                          Scripted.error(400, "json_object unsupported")]
    proc = run_doctor(["--base-url", live_server.base_url, "--model", MODEL, "--json"], tmp_path)
    assert proc.returncode == 3
    data = json.loads(proc.stdout)
    assert (data["ok"], data["will_use"], data["model"], data["mode"]) == (False, None, MODEL, "auto")
    assert [c["name"] for c in data["checks"]] == ["reachable", "key accepted", "model listed",
                                                   "json_schema accepted", "JSON mode works"]
    assert all(set(c) == {"name", "status", "detail", "seconds"} for c in data["checks"])


def test_cli_with_nothing_configured_exits_2(tmp_path: Path) -> None:
    proc = run_doctor([], tmp_path)
    assert proc.returncode == 2 and "no LLM is configured" in proc.stderr


def test_forced_json_mode_skips_json_schema(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.models(MODEL), Scripted.completion(OK)]
    found = diagnose(config(live_server, "json"))
    assert found.ok and found.will_use == "json" and statuses(found)["json_schema accepted"] == "skipped"
    assert live_server.received[1].body["response_format"]["type"] == "json_object"
