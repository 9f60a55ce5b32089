"""Faults over real HTTP: a scripted server on 127.0.0.1 misbehaves, and both
`rewrite()` and the real console script (a subprocess) must cope.

Every case asserts the exit code (or the exception's), one clear line, a bound
on time and on requests, no traceback, and the sentinel key never shown. The
servers here quote the key back in their error bodies on purpose: a proxy's
debug page or an API error ("Incorrect API key provided: sk-...") does that.

Retry waits are capped with REWRITER_RETRY_MAX_WAIT so the module runs in seconds.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SENTINEL_KEY
from scripted_server import Scripted, ScriptedServer, answer_json
from terminal import drain

from rewriter import RewriterError, rewrite
from rewriter.config import ENV_RETRY_MAX_WAIT
from rewriter.llm import MAX_TRIES

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

DRAFT = "My boss micromanages every email I send and I'm underpaid. I coordinate projects for marketing."
CLEAN = "I've learned a great deal coordinating projects for marketing, and I'm ready to take on more ownership."
FAST_RETRIES = "0.02"  # seconds: the longest wait between transport retries in this module
PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
    f"<pre>upstream rejected request\nAuthorization: Bearer {SENTINEL_KEY}</pre></body></html>"
)


def clean() -> Scripted:
    return Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")]))


@dataclass(frozen=True)
class Case:
    id: str
    script: tuple[Scripted, ...]
    exit: int
    message: str  # a regex the one error line must match (exit != 0)
    requests: int  # exactly this many requests reach the server
    args: tuple[str, ...] = ()
    seconds: float = 10.0  # wall-clock bound (the CLI adds its start-up)
    env: dict[str, str] = field(default_factory=dict)
    min_seconds: float = 0.0


def fail(status: int, message: str, **kw: Any) -> Scripted:
    return Scripted.error(status, message, **kw)


CASES = [
    Case("429-retry-after", (fail(429, "Rate limit reached", type_="requests",
                                  headers={"retry-after": "1"}), clean()),
         0, "", 2, env={ENV_RETRY_MAX_WAIT: "5"}, min_seconds=0.9),
    Case("429-no-retry-after", (fail(429, "Rate limit reached", type_="requests"), clean()), 0, "", 2),
    Case("500-502-503-then-success", (fail(500, "boom", type_="server_error"),
                                      Scripted.html(502, PROXY_PAGE),
                                      fail(503, "overloaded", type_="server_error"), clean()), 0, "", 4),
    Case("5xx-forever", tuple(fail(503, f"overloaded ({SENTINEL_KEY})", type_="server_error")
                              for _ in range(MAX_TRIES + 3)),
         3, rf"unavailable \(HTTP 503\) after {MAX_TRIES} tries", MAX_TRIES),
    Case("401", (fail(401, f"Incorrect API key provided: {SENTINEL_KEY}", code="invalid_api_key"),),
         3, r"rejected the API key \(401\).*OPENAI_API_KEY", 1),
    Case("403", (fail(403, f"Project does not have access to model for key {SENTINEL_KEY}"),),
         3, r"permission denied \(403\)", 1),
    Case("400-unknown-model", (fail(400, "The model `gpt-nope` does not exist or you do not have access to it.",
                                    code="model_not_found"),),
         3, r"model 'gpt-nope'.*--model", 1, args=("--model", "gpt-nope")),
    Case("reset-mid-response-then-success", (Scripted.reset_mid_response(answer_json(CLEAN)), clean()), 0, "", 2),
    Case("reset-forever", tuple(Scripted.reset_mid_response(answer_json(CLEAN)) for _ in range(MAX_TRIES + 1)),
         3, rf"cannot reach .* after {MAX_TRIES} tries", MAX_TRIES),
    Case("slower-than-timeout", tuple(Scripted.completion(answer_json(CLEAN), delay=3) for _ in range(MAX_TRIES + 1)),
         3, rf"did not answer within 0\.15 s \({MAX_TRIES} tries\)", MAX_TRIES, args=("--timeout", "0.15"), seconds=5),
    Case("html-proxy-page-forever", tuple(Scripted.html(502, PROXY_PAGE) for _ in range(MAX_TRIES + 1)),
         3, rf"unavailable \(HTTP 502\) after {MAX_TRIES} tries", MAX_TRIES),
    Case("html-page-with-200", (Scripted.html(200, "<html><body>Please log in to the Wi-Fi</body></html>"),),
         3, r"answered with a web page, not an OpenAI-compatible reply: check --base-url", 1),
    Case("empty-choices", tuple(Scripted.no_choices() for _ in range(3)), 3, r"no usable answer.*no choices", 3),
    Case("content-filter", (Scripted.completion(None, finish_reason="content_filter"),), 3, r"content filter", 1),
    Case("refusal", (Scripted.completion(None, refusal="I can't help with that request."),),
         3, r"refused.*can't help", 1),
    Case("truncation", tuple(Scripted.completion('{"answer": "I have learned a great', finish_reason="length")
                             for _ in range(3)), 3, r"no usable answer.*cut off", 3),
    Case("truncation-then-success", (Scripted.completion('{"answer": "I have', finish_reason="length"), clean()),
         0, "", 2),
    Case("prose-ignoring-the-schema", tuple(Scripted.completion("Sure! Here is a positive answer: " + CLEAN)
                                            for _ in range(3)), 3, r"no usable answer.*not a JSON object", 3),
    Case("json-schema-rejected", (fail(400, "Invalid parameter: 'response_format' of type 'json_schema' is not "
                                       "supported with this model.", code="invalid_parameter"),),
         3, r"JSON-schema.*--mode json", 1, args=("--mode", "schema")),  # forced: --mode auto falls back
]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SENTINEL_KEY not in text and "SENTINEL" not in text


def cli_env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update({"TMPDIR": str(tmp_path), "NO_COLOR": "1", "OPENAI_API_KEY": SENTINEL_KEY,
                ENV_RETRY_MAX_WAIT: FAST_RETRIES, **(extra or {})})
    return env


def run_cli(args: list[str], tmp_path: Path, *, stdin: str | None = None, env: dict[str, str] | None = None
            ) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", *args], input=stdin, capture_output=True,
                          text=True, env=cli_env(tmp_path, env), timeout=60, cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert "Traceback" not in proc.stderr + proc.stdout
    assert_no_secret(proc.stdout, proc.stderr)
    return proc, elapsed


def _api_options(case: Case, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The case's environment, and its CLI options as keyword arguments of rewrite()."""
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv(ENV_RETRY_MAX_WAIT, case.env.get(ENV_RETRY_MAX_WAIT, FAST_RETRIES))
    args = list(case.args)
    options: dict[str, Any] = {}
    if "--model" in args:
        options["model"] = args[args.index("--model") + 1]
    if "--timeout" in args:
        options["timeout"] = float(args[args.index("--timeout") + 1])
    if "--mode" in args:
        options["mode"] = args[args.index("--mode") + 1]
    return options


def run_api(base_url: str, monkeypatch: pytest.MonkeyPatch, case: Case) -> tuple[Any, BaseException | None, float]:
    options = _api_options(case, monkeypatch)
    start = time.monotonic()
    try:
        result, error = rewrite(DRAFT, base_url=base_url, **options), None
    except RewriterError as exc:
        result, error = None, exc
    return result, error, time.monotonic() - start


def the_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("rewriter: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


# ---------------------------------------------------------------- scripted faults


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault_through_the_python_api(case: Case, live_server: ScriptedServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    live_server.script = list(case.script)
    result, error, elapsed = run_api(live_server.base_url, monkeypatch, case)
    assert case.min_seconds <= elapsed < case.seconds
    assert len(live_server.received) == case.requests
    if case.exit == 0:
        assert error is None and result.answer == CLEAN
        return
    assert error is not None and error.exit_code == case.exit
    assert re.search(case.message, str(error)), str(error)
    assert "\n" not in str(error)  # one line
    # No SDK internals chained on (they would print with a traceback and may quote the request).
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert_no_secret(str(error), repr(error), "".join(traceback.format_exception(error)))


ASYNC_CASES = [c for c in CASES if c.id in {"429-no-retry-after", "5xx-forever", "401", "slower-than-timeout",
                                            "reset-mid-response-then-success", "html-page-with-200",
                                            "truncation-then-success", "refusal"}]


@pytest.mark.parametrize("case", ASYNC_CASES, ids=[c.id for c in ASYNC_CASES])
def test_fault_through_the_async_api(case: Case, live_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """arewrite() shares the loop and the error mapping: same outcome, same request count."""
    import asyncio

    from rewriter import arewrite

    live_server.script = list(case.script)
    options = _api_options(case, monkeypatch)
    start = time.monotonic()
    try:
        result, error = asyncio.run(arewrite(DRAFT, base_url=live_server.base_url, **options)), None
    except RewriterError as exc:
        result, error = None, exc
    assert case.min_seconds <= time.monotonic() - start < case.seconds
    assert len(live_server.received) == case.requests
    if case.exit == 0:
        assert error is None and result is not None and result.answer == CLEAN
        return
    assert error is not None and error.exit_code == case.exit and re.search(case.message, str(error)), str(error)
    assert_no_secret(str(error), "".join(traceback.format_exception(error)))


@dataclass
class Outcome:
    proc: subprocess.CompletedProcess[str]
    elapsed: float
    requests: int


@pytest.fixture(scope="module")
def cli_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every case through the console script, one server and one process each, a few at a time:
    start-up of a fresh interpreter (~1 s, mostly importing openai) dominates, and overlaps."""
    from concurrent.futures import ThreadPoolExecutor

    def one(case: Case) -> tuple[str, Outcome | AssertionError | subprocess.TimeoutExpired]:
        tmp = tmp_path_factory.mktemp(f"cli-{case.id}")
        with ScriptedServer(case.script) as server:
            try:
                proc, elapsed = run_cli([DRAFT, "--base-url", server.base_url, *case.args], tmp, env=case.env)
            except (AssertionError, subprocess.TimeoutExpired) as exc:  # fails that case alone, not all of them
                return case.id, exc
            return case.id, Outcome(proc, elapsed, len(server.received))

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        return dict(pool.map(one, CASES))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault_through_the_console_script(case: Case, cli_outcomes: dict[str, Any]) -> None:
    outcome = cli_outcomes[case.id]
    if isinstance(outcome, BaseException):
        raise outcome
    proc = outcome.proc
    # Start-up of a fresh interpreter included, a few running at once.
    assert case.min_seconds <= outcome.elapsed < case.seconds + 10
    assert outcome.requests == case.requests
    assert proc.returncode == case.exit, proc.stderr
    if case.exit == 0:
        assert proc.stdout.startswith(CLEAN)
        return
    assert re.search(case.message, the_error_line(proc.stderr)), proc.stderr
    assert "<html" not in proc.stderr.lower() and proc.stdout == ""
    saved = re.search(r"saved in (\S+)", proc.stderr)  # the draft is never lost
    assert saved and Path(saved.group(1)).read_text(encoding="utf-8") == DRAFT


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_through_both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/v1"
    case = Case("refused", (), 3, rf"cannot reach http://127\.0\.0\.1:\d+/v1 after {MAX_TRIES} tries", 0)
    _, error, elapsed = run_api(base_url, monkeypatch, case)
    assert error is not None and error.exit_code == 3 and re.search(case.message, str(error))
    assert elapsed < 5
    proc, elapsed = run_cli([DRAFT, "--base-url", base_url], tmp_path)
    assert proc.returncode == 3 and re.search(case.message, the_error_line(proc.stderr))
    assert elapsed < 10


def test_async_api_maps_faults_the_same_way(live_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from rewriter import ServiceError, arewrite

    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv(ENV_RETRY_MAX_WAIT, FAST_RETRIES)
    live_server.script = [Scripted.completion(answer_json(CLEAN), delay=3) for _ in range(MAX_TRIES)]
    start = time.monotonic()
    with pytest.raises(ServiceError, match=r"did not answer within 0\.2 s") as caught:
        asyncio.run(arewrite(DRAFT, base_url=live_server.base_url, timeout=0.2))
    assert time.monotonic() - start < 4 and len(live_server.received) == MAX_TRIES
    assert_no_secret(str(caught.value))


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_a_bad_timeout_is_a_usage_error_before_any_request(value: str, live_server: ScriptedServer,
                                                            tmp_path: Path) -> None:
    proc, _ = run_cli([DRAFT, "--base-url", live_server.base_url, "--timeout", value], tmp_path)
    assert proc.returncode == 2 and "timeout" in proc.stderr
    assert live_server.received == []


# ---------------------------------------------------------------- Ctrl-C


def wait_for(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.mark.parametrize("source,moment", [("argument", "in flight"), ("stdin", "in flight"),
                                           ("stdin", "waiting to retry")])
def test_ctrl_c_exits_130_and_keeps_the_draft(source: str, moment: str, live_server: ScriptedServer,
                                              tmp_path: Path) -> None:
    if moment == "in flight":
        live_server.script = [Scripted.completion(answer_json(CLEAN), delay=30)]
    else:  # the client sleeps 20 s before its retry
        live_server.script = [fail(503, "overloaded", type_="server_error", headers={"retry-after": "20"})]
    args = [DRAFT] if source == "argument" else ["-"]
    piped = tmp_path / "piped.txt"
    piped.write_text(DRAFT if source == "stdin" else "", encoding="utf-8")
    with piped.open("rb") as stdin:
        proc = subprocess.Popen([sys.executable, "-m", "rewriter", "rewrite", *args, "--base-url",
                                 live_server.base_url], stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path, {ENV_RETRY_MAX_WAIT: "30"}),
                                cwd=tmp_path)
    wait_for(lambda: live_server.received)
    time.sleep(0.2)  # in flight: the server holds the request; or the 503 is read and the client sleeps
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=10)
    assert time.monotonic() - start < 5
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in the_error_line(stderr)
    assert_no_secret(stdout, stderr)
    saved = re.search(r"saved in (\S+)", stderr)
    assert saved and Path(saved.group(1)).read_text(encoding="utf-8") == DRAFT
    assert oct(Path(saved.group(1)).stat().st_mode & 0o777) == "0o600"  # private


def test_ctrl_c_on_a_terminal_with_the_spinner(live_server: ScriptedServer, tmp_path: Path) -> None:
    """On a real (pseudo-)terminal the spinner runs on stderr; Ctrl-C still exits 130 cleanly."""
    import pty

    live_server.script = [Scripted.completion(answer_json(CLEAN), delay=30)]
    master, slave = pty.openpty()
    env = {**cli_env(tmp_path), "TERM": "xterm", "COLUMNS": "100"}
    env.pop("NO_COLOR")
    proc = subprocess.Popen([sys.executable, "-m", "rewriter", "rewrite", DRAFT, "--base-url", live_server.base_url],
                            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path, close_fds=True)
    os.close(slave)
    wait_for(lambda: live_server.received)
    time.sleep(0.3)  # the spinner is up
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    output = drain(master)
    text = output.decode("utf-8", "replace")
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "rewriter: error: interrupted" in text
    assert_no_secret(text)
    saved = re.search(r"saved in (\S+)", text)
    assert saved and Path(saved.group(1)).read_text(encoding="utf-8") == DRAFT
