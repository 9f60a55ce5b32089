"""Secrets and privacy: the key never shows, redacted details never leave, offline sends nothing.

- Every failure path of tests/test_faults.py, run again with the SDK's and httpx's
  debug logging on: the sentinel key is in no log line, output, exception or cassette.
- `redact=True` / `--redact --redact-name`: the scripted server's recorded requests
  hold none of the private details; the answer the user sees has them back.
- `--engine offline`: no socket is ever connected (in-process and in a subprocess
  whose sitecustomize forbids sockets).

Two tests need a real child process: the SDK reads OPENAI_LOG when it is imported, and
the no-socket guard is installed by sitecustomize at interpreter start.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from conftest import CASSETTES, SENTINEL_KEY, RunCli
from scripted_server import Scripted, ScriptedServer, answer_json
from test_faults import CASES, Case, cli_env, run_api

from rewriter import RewriterError, rewrite
from rewriter.redact import Redactor

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

# ---------------------------------------------------------------- the key

# test_faults.py already checks the CLI's output on every case; these add the SDK's debug logging.
CLI_CASES = [c for c in CASES if c.id in {"401", "5xx-forever", "html-proxy-page-forever"}]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_key_is_in_no_log_or_exception(case: Case, live_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture, sleeps: list[float]) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK's request logs and httpx's included
    live_server.script = list(case.script)
    result, error = run_api(live_server.base_url, monkeypatch, case)
    assert live_server.received and all(
        r.headers["authorization"] == f"Bearer {SENTINEL_KEY}" for r in live_server.received
    )  # the key really was in play
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    if error is not None:
        texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
        texts += [str(a.problem) for a in getattr(error, "attempts", ())]
        texts.append(str(getattr(error, "server_message", "")))  # the server's own words, for programs
    else:
        texts.append(json.dumps(result.to_record()))
    for text in texts:
        assert SENTINEL_KEY not in text and "SENTINEL" not in text


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_the_key_is_not_in_the_cli_output_even_with_debug_logs(case: Case, live_server: ScriptedServer,
                                                                tmp_path: Path) -> None:
    live_server.script = list(case.script)
    env = cli_env(tmp_path, {"OPENAI_LOG": "debug", **case.env})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", "My boss micromanages me.", "--json",
                           "--base-url", live_server.base_url, *case.args],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert proc.returncode == case.exit
    assert "SENTINEL" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    from rewriter.cli.drafts import saved as saved_drafts

    for saved in saved_drafts():  # the saved draft holds the draft only
        assert "SENTINEL" not in saved.read_text(encoding="utf-8")


def test_no_cassette_holds_the_key_or_an_authorization_header() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 16
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "SENTINEL" not in text and "authorization" not in text.lower() and "Bearer" not in text, path


# ---------------------------------------------------------------- redaction

DRAFT = (
    "I've been a project coordinator at Acme Corp for 4 years, reporting to Jane Doe, and my manager "
    "micromanages every email. Reach me at jane.roe@example.org or +1 (555) 123-4567; my portfolio is "
    "https://jane-roe.example.net/work. I want to lead projects myself."
)
PRIVATE = ["Acme Corp", "Jane Doe", "jane.roe@example.org", "555", "123-4567", "jane-roe.example.net", "Globex"]
ANSWER = (
    "In my 4 years as a project coordinator at [NAME_1], I've learned how to keep complex projects on track. "
    "I'm now ready to lead projects myself, and that's what draws me to this role at [NAME_3]. "
    "You can see my work at [URL_1]."
)
NEGATIVE = "My manager at [NAME_1] micromanages every email and I'm sick of this dead-end job."


def test_redactor_round_trip() -> None:
    r = Redactor(("Acme Corp", "Jane Doe"))
    text = r.redact(DRAFT + " Between 2019-2021 I saved $50,000 in 12 months. ACME CORP again.")
    assert text is not None
    for secret in ("Acme Corp", "ACME CORP", "Jane Doe", "jane.roe@example.org", "123-4567", "jane-roe.example.net"):
        assert secret not in text
    assert "2019-2021" in text and "$50,000" in text and "4 years" in text  # facts are not private
    assert text.count("[NAME_1]") == 2 and "[EMAIL_1]" in text and "[PHONE_1]" in text and "[URL_1]" in text
    assert "[URL_1]. I want" in text  # the full stop ending the sentence is not part of the URL
    assert r.restore(r.redact(DRAFT) or "") == DRAFT
    assert r.restore("at [name_1] and [NAME_9]") == "at Acme Corp and [NAME_9]"  # unknown placeholders stay


def test_a_name_inside_an_email_does_not_leak_the_rest() -> None:
    r = Redactor(("example",))
    text = r.redact("write to jane.roe@example.org") or ""
    assert "jane.roe" not in text and "example" not in text


def sent_text(server: ScriptedServer) -> str:
    return "\n".join(json.dumps(r.body, ensure_ascii=False) + json.dumps(r.headers) for r in server.received)


def test_redacted_details_never_reach_the_server(live_server: ScriptedServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    live_server.script = [
        Scripted.completion(answer_json(NEGATIVE)),  # re-asked: the carried answer is redacted too
        Scripted.completion(answer_json(ANSWER, reasons=[("micromanaged at [NAME_1]", "ready to lead")],
                                        facts_kept=["4 years at [NAME_1]"], left_out=["[NAME_2]"])),
    ]
    result = rewrite(DRAFT, role="Project Lead", company="Globex", job_posting="Globex hires project leads.",
                     redact=True, redact_names=["Acme Corp", "Jane Doe", "Globex"], base_url=live_server.base_url)
    assert len(live_server.received) == 2
    sent = sent_text(live_server)
    for secret in PRIVATE:
        assert secret not in sent, secret
    assert "[NAME_1]" in sent and "[EMAIL_1]" in sent and "[PHONE_1]" in sent and "[URL_1]" in sent
    # The user gets their own words back, everywhere.
    assert result.answer == ANSWER.replace("[NAME_1]", "Acme Corp").replace("[NAME_3]", "Globex").replace(
        "[URL_1]", "https://jane-roe.example.net/work")
    assert result.reasons[0].reason == "micromanaged at Acme Corp"
    assert result.facts_kept == ("4 years at Acme Corp",) and result.left_out == ("Jane Doe",)
    assert "Acme Corp" in (result.attempts[0].answer or "")
    for f in result.findings:
        assert result.answer[f.start:f.end] == f.excerpt  # spans point into the restored answer
    assert any("placeholders" in n for n in result.notices)


def test_without_redact_the_details_are_sent_as_written(live_server: ScriptedServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    live_server.script = [Scripted.completion(answer_json(ANSWER.replace("[NAME_1]", "Acme Corp")
                                                          .replace("[NAME_3]", "your team")
                                                          .replace(" You can see my work at [URL_1].", "")))]
    rewrite(DRAFT, base_url=live_server.base_url)
    assert "jane.roe@example.org" in sent_text(live_server)  # the control: redaction is what hides them


def test_cli_redact_and_redact_name(live_server: ScriptedServer, run_cli: RunCli) -> None:
    live_server.script = [Scripted.completion(answer_json(ANSWER.replace("[NAME_3]", "your company")))]
    proc = run_cli("rewrite", "-", "--redact", "--redact-name", "Acme Corp", "--redact-name", "Jane Doe",
                   "--base-url", live_server.base_url, stdin=DRAFT, env={"OPENAI_API_KEY": SENTINEL_KEY})
    assert proc.returncode == 0, proc.stderr
    sent = sent_text(live_server)
    for secret in PRIVATE:
        assert secret not in sent, secret
    assert "at Acme Corp" in proc.stdout and "https://jane-roe.example.net/work" in proc.stdout
    assert "placeholders" in proc.stderr


# ---------------------------------------------------------------- offline sends nothing


def test_offline_engine_opens_no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError("the offline engine tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    # An LLM is configured, and still nothing is sent.
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    result = rewrite(DRAFT, engine="offline", redact=True, role="Project Lead")
    assert result.engine == "offline" and result.answer and attempts == []


SITECUSTOMIZE = """
import os, socket
_LOG = os.environ["NO_SOCKET_LOG"]
_real = socket.socket.__init__
def _init(self, family=-1, *args, **kwargs):
    if family in (-1, socket.AF_INET, socket.AF_INET6):
        with open(_LOG, "a") as fh:
            fh.write("socket\\n")
        raise PermissionError("network forbidden in this test")
    _real(self, family, *args, **kwargs)
socket.socket.__init__ = _init
"""


@pytest.mark.parametrize("engine,code", [("offline", 0), ("llm", 3)])
def test_offline_cli_opens_no_socket(engine: str, code: int, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "sockets.log"
    env = cli_env(tmp_path, {"PYTHONPATH": str(site), "NO_SOCKET_LOG": str(log),
                             "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", DRAFT, "--engine", engine, "--json"],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "SENTINEL" not in proc.stdout + proc.stderr
    if engine == "offline":
        assert json.loads(proc.stdout)["engine"] == "offline"
        assert not log.exists()  # not one socket was even created
    else:  # the control: the same guard does catch a client that tries
        assert log.exists() and "cannot reach" in proc.stderr


def test_environment_is_clean_for_these_tests() -> None:
    assert "OPENAI_API_KEY" not in os.environ  # conftest isolates each test's environment
    with pytest.raises(RewriterError):
        rewrite(DRAFT, engine="llm")
