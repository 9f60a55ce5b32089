"""`rewriter rewrite` through the real console entry point, in a subprocess.

The subprocess talks to a scripted server live on 127.0.0.1 (loopback only: the
suite still never reaches the network). Exit codes: 0 clean, 1 errors remain,
2 usage/config/input, 3 service failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SENTINEL_KEY
from scripted_server import Scripted, ScriptedServer, answer_json

from rewriter.pipeline import MAX_DRAFT_CHARS

DRAFT = "My boss micromanages every email I send and I'm underpaid. I coordinate projects for marketing."
CLEAN = "I've learned a great deal coordinating projects for marketing, and I'm ready to take on more ownership."
NEGATIVE = "My boss is a clueless micromanager and I'm sick of this dead-end job."


def run(args: list[str], tmp_path: Path, *, stdin: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items()
                 if not k.startswith(("OPENAI_", "REWRITER_"))}
    clean_env.update({"TMPDIR": str(tmp_path), "NO_COLOR": "1", **(env or {})})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", *args], input=stdin, capture_output=True,
                          text=True, env=clean_env, timeout=60, cwd=tmp_path)
    assert "Traceback" not in proc.stderr  # errors are one clear line, never a traceback
    return proc


def scripted(server: ScriptedServer, *responses: Scripted) -> list[str]:
    server.script = list(responses)
    return ["--base-url", server.base_url]


def test_clean_answer_exits_0_with_the_json_shape(live_server: ScriptedServer, tmp_path: Path) -> None:
    args = scripted(live_server, Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")])))
    proc = run([DRAFT, "--json", "--role", "Project Lead", *args], tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"answer", "ok", "findings", "attempts", "engine", "model", "usage", "reasons"} <= set(data)
    assert (data["answer"], data["ok"], data["engine"], data["model"]) == (CLEAN, True, "llm", "gpt-4o-mini")
    assert data["reasons"] == [{"reason": "oversight", "reframed_as": "more ownership"}]
    assert data["usage"]["total_tokens"] == 200 and len(data["attempts"]) == 1
    assert all(f["severity"] == "warning" for f in data["findings"])


def test_plain_output_when_piped(live_server: ScriptedServer, tmp_path: Path) -> None:
    args = scripted(live_server, Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")],
                                                                 left_out=["pay"])))
    proc = run(["-", *args], tmp_path, stdin=DRAFT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(CLEAN)
    assert "oversight -> more ownership" in proc.stdout and "pay" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour codes in a pipe
    assert live_server.received[0].body["messages"][1]["content"].count(DRAFT) == 1  # stdin reached the prompt


def test_draft_from_file_and_json_mode(live_server: ScriptedServer, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    args = scripted(live_server, Scripted.completion("```json\n" + answer_json(CLEAN) + "\n```"))
    proc = run(["--file", str(draft), "--mode", "json", *args], tmp_path)
    assert proc.returncode == 0, proc.stderr
    # JSON mode to a local server carries the schema too (llama-cpp-python constrains to it).
    assert live_server.received[0].body["response_format"]["type"] == "json_object"
    assert live_server.received[0].body["response_format"]["schema"]["required"] == [
        "answer", "reasons", "facts_kept", "left_out"]


def test_errors_remaining_exit_1_and_still_show_the_best_attempt(live_server: ScriptedServer, tmp_path: Path) -> None:
    args = scripted(live_server, *[Scripted.completion(answer_json(NEGATIVE)) for _ in range(2)])
    proc = run([DRAFT, "--json", "--max-attempts", "2", *args], tmp_path)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["ok"] is False and data["answer"] == NEGATIVE
    assert any(f["severity"] == "error" for f in data["findings"])
    assert len(data["attempts"]) == 2 and len(live_server.received) == 2
    assert proc.stderr.count("rewriter: error:") == 1

    args = scripted(live_server, Scripted.completion(answer_json(NEGATIVE)))
    plain = run([DRAFT, "--max-attempts", "1", *args], tmp_path)
    assert plain.returncode == 1 and NEGATIVE in plain.stdout and "NOT clean" in plain.stdout


def test_auth_error_exits_3_after_one_request_and_keeps_the_draft(live_server: ScriptedServer, tmp_path: Path) -> None:
    args = scripted(live_server, Scripted.error(401, f"Incorrect API key provided: {SENTINEL_KEY}",
                                                code="invalid_api_key"))
    proc = run(["-", *args], tmp_path, stdin=DRAFT, env={"OPENAI_API_KEY": SENTINEL_KEY})
    assert proc.returncode == 3
    assert len(live_server.received) == 1  # 401 is never retried
    assert live_server.received[0].headers["authorization"] == f"Bearer {SENTINEL_KEY}"
    assert "SENTINEL" not in proc.stderr + proc.stdout  # the key is never shown
    assert "401" in proc.stderr and "OPENAI_API_KEY" in proc.stderr
    saved = re.search(r"saved in (\S+)", proc.stderr)
    assert saved and Path(saved.group(1)).read_text(encoding="utf-8") == DRAFT


@pytest.mark.parametrize("args,stdin,message", [
    (["   "], None, "empty"),
    (["-"], "x" * (MAX_DRAFT_CHARS + 1), str(MAX_DRAFT_CHARS)),
    (["--file", "does-not-exist.txt"], None, "cannot read"),
    (["--engine", "llm", DRAFT], None, "OPENAI_API_KEY"),
    ([DRAFT, "--mode", "xml", "--base-url", "http://127.0.0.1:9/v1"], None, "mode"),
    ([DRAFT, "--seconds", "nope"], None, "seconds"),
])
def test_usage_config_and_input_errors_exit_2_before_any_request(
    args: list[str], stdin: str | None, message: str, live_server: ScriptedServer, tmp_path: Path
) -> None:
    proc = run(args, tmp_path, stdin=stdin)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert live_server.received == []


def test_long_job_posting_is_trimmed_with_a_notice(live_server: ScriptedServer, tmp_path: Path) -> None:
    posting = tmp_path / "posting.txt"
    posting.write_text("We want a project lead who ships. " * 500, encoding="utf-8")
    args = scripted(live_server, Scripted.completion(answer_json(CLEAN)))
    proc = run([DRAFT, "--job-posting", str(posting), *args], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "trimmed" in proc.stderr

