"""`variants=N`: N distinct answers, each checked on its own, the best first.

LLM scenarios replay cassettes recorded from the scripted server (cassettes/README.md):
one server honours `n` (one request, N choices), the other ignores it (then N requests
go at once). The offline engine gives N wordings of its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from scripted_server import Scripted, ScriptedServer, answer_json
from test_rewrite_scenarios import (
    CLEAN,
    CLEAN_JSON,
    CONTEXT,
    DRAFT,
    NEGATIVE,
    NEGATIVE_JSON,
)

import rewriter
from rewriter import InputError, StillNegativeError, arewrite, check, rewrite
from rewriter.models import Context
from rewriter.results import Variant

if TYPE_CHECKING:
    from conftest import Endpoint

SECOND = (
    "Coordinating projects for the marketing team taught me how much I enjoy bringing people and "
    "deadlines together. I'm ready to lead projects myself now, and this Project Manager role is the "
    "step where I can do that and keep learning from a strong team."
)
THIRD = (
    "What I value most about my time on the marketing team is what coordinating its projects taught "
    "me. I'd like to build on that by leading projects myself, and the Project Manager role here is "
    "exactly the kind of ownership I'm looking for. I'm excited to grow into it."
)
SECOND_JSON = answer_json(SECOND, reasons=[("close supervision", "ready to lead projects")])
THIRD_JSON = answer_json(THIRD, reasons=[("close supervision", "looking for ownership")])


@pytest.fixture(autouse=True)
def _fresh_n_support() -> Iterator[None]:
    """Whether a server honours `n` is remembered per process: each test starts unknowing."""
    from rewriter.llm import transport

    transport.IGNORES_N.clear()
    yield
    transport.IGNORES_N.clear()


def assert_variants(result: Any, count: int) -> None:
    """N distinct answers, each checked on its own, ranked best first; `answer` is the first."""
    variants = result.variants
    assert len(variants) == count
    assert len({v.answer for v in variants}) == count
    assert result.answer == variants[0].answer
    for v in variants:
        report = check(v.answer, draft=DRAFT, context=Context(**CONTEXT))
        assert v.ok == report.ok
        assert [f.rule for f in v.findings if f.severity == "error"] == [f.rule for f in report.errors]
    ranks = [(not v.ok, v.error_count, len(v.findings) - v.error_count) for v in variants]
    assert ranks == sorted(ranks)


def assert_ranked(result: Any, asked: list[str]) -> None:
    """Best first: clean, then fewer errors, then fewer warnings, then the order asked in."""
    def rank(v: Variant) -> tuple[int, int, int, int]:
        return (not v.ok, v.error_count, len(v.findings) - v.error_count, asked.index(v.answer))

    assert list(result.variants) == sorted(result.variants, key=rank)


# ---------------------------------------------------------------- LLM, over cassettes


@pytest.mark.vcr
@pytest.mark.cassette
def test_variants_in_one_request(llm_endpoint: Endpoint, vcr: Any) -> None:
    """A server that honours n: one request for three answers; the negative one is re-asked alone."""
    base_url = llm_endpoint.script(
        Scripted.choices([CLEAN_JSON, NEGATIVE_JSON, SECOND_JSON]),
        Scripted.completion(THIRD_JSON).when(NEGATIVE),  # the re-ask quotes the negative answer
    )
    result = rewrite(DRAFT, base_url=base_url, variants=3, **CONTEXT)
    assert_variants(result, 3)
    assert {v.answer for v in result.variants} == {CLEAN, SECOND, THIRD}
    assert [len(v.attempts) for v in result.variants if v.answer == THIRD] == [2]  # re-asked on its own
    assert_ranked(result, asked=[CLEAN, THIRD, SECOND])  # THIRD is choice 1's re-ask
    bodies = _bodies(vcr, llm_endpoint)
    assert len(bodies) == 2
    assert bodies[0]["n"] == 3 and "n" not in bodies[1]
    assert NEGATIVE in bodies[1]["messages"][-2]["content"]  # the re-ask carries its own answer back
    # One request's usage counted once, plus the re-ask's.
    assert result.usage.to_dict() == {"prompt_tokens": 240, "completion_tokens": 320, "total_tokens": 560}
    record = result.to_record()
    assert record["answer"] == record["variants"][0]["answer"]
    assert [v["ok"] for v in record["variants"]] == [True, True, True]


@pytest.mark.vcr
@pytest.mark.cassette
def test_variants_one_request_each(llm_endpoint: Endpoint, vcr: Any) -> None:
    """A server that ignores n: its one answer is the first variant; the other two go at once."""
    base_url = llm_endpoint.script(
        Scripted.completion(CLEAN_JSON),  # asked for n=3, it gives one choice
        Scripted.completion(NEGATIVE_JSON),
        Scripted.completion(SECOND_JSON),
        Scripted.completion(THIRD_JSON).when(NEGATIVE),
    )
    result = rewrite(DRAFT, base_url=base_url, variants=3, **CONTEXT)
    assert_variants(result, 3)
    assert {v.answer for v in result.variants} == {CLEAN, SECOND, THIRD}
    bodies = _bodies(vcr, llm_endpoint)
    assert len(bodies) == 4
    assert bodies[0]["n"] == 3 and not any("n" in b for b in bodies[1:])
    assert sum(NEGATIVE in b["messages"][-2]["content"] for b in bodies if len(b["messages"]) > 2) == 1


@pytest.mark.vcr
@pytest.mark.cassette
@pytest.mark.default_cassette("test_variants_one_request_each.yaml")
def test_async_variants_run_the_same_loops(llm_endpoint: Endpoint, vcr: Any) -> None:
    base_url = llm_endpoint.script(
        Scripted.completion(CLEAN_JSON), Scripted.completion(NEGATIVE_JSON), Scripted.completion(SECOND_JSON),
        Scripted.completion(THIRD_JSON).when(NEGATIVE),
    )
    result = asyncio.run(arewrite(DRAFT, base_url=base_url, variants=3, **CONTEXT))
    assert_variants(result, 3)
    assert {v.answer for v in result.variants} == {CLEAN, SECOND, THIRD}


def _bodies(vcr: Any, endpoint: Endpoint) -> list[dict[str, Any]]:
    """The request bodies really sent (record) or replayed (replay), in order."""
    if endpoint.server is not None:
        return [r.body for r in endpoint.server.received]
    return [json.loads(request.body) for index, request in enumerate(vcr.requests) if vcr.play_counts[index]]


# ---------------------------------------------------------------- LLM, live scripted server

loopback = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])


@loopback
def test_a_server_that_ignores_n_is_remembered(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.completion(CLEAN_JSON), Scripted.completion(SECOND_JSON),
                          Scripted.completion(CLEAN_JSON), Scripted.completion(SECOND_JSON)]
    for _ in range(2):
        result = rewrite(DRAFT, base_url=live_server.base_url, variants=2, **CONTEXT)
        assert {v.answer for v in result.variants} == {CLEAN, SECOND}
    asked_n = [r.body.get("n") for r in live_server.received]
    assert asked_n == [2, None, None, None]  # the second rewrite sends two plain requests at once


@loopback
def test_a_server_that_refuses_n_gets_one_request_per_variant(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.error(400, "n must be 1 for this model", type_="invalid_request_error"),
                          Scripted.completion(CLEAN_JSON), Scripted.completion(SECOND_JSON)]
    result = rewrite(DRAFT, base_url=live_server.base_url, variants=2, **CONTEXT)
    assert {v.answer for v in result.variants} == {CLEAN, SECOND}
    assert [r.body.get("n") for r in live_server.received] == [2, None, None]


@loopback
def test_the_same_answer_twice_is_one_variant_with_a_notice(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.choices([CLEAN_JSON, CLEAN_JSON, SECOND_JSON])]
    result = rewrite(DRAFT, base_url=live_server.base_url, variants=3, **CONTEXT)
    assert [v.answer for v in result.variants] == [CLEAN, SECOND]
    assert any("2 distinct answers of the 3 asked for" in n for n in result.notices)


@loopback
def test_no_clean_variant_raises_with_every_variant(live_server: ScriptedServer) -> None:
    worse = answer_json(NEGATIVE + " They are all idiots.")
    live_server.script = [Scripted.choices([worse, NEGATIVE_JSON])]
    with pytest.raises(StillNegativeError) as caught:
        rewrite(DRAFT, base_url=live_server.base_url, variants=2, max_attempts=1, **CONTEXT)
    exc = caught.value
    assert len(exc.variants) == 2 and not any(v.ok for v in exc.variants)
    assert exc.best.answer == exc.variants[0].answer
    assert exc.variants[0].error_count <= exc.variants[1].error_count  # fewer errors first
    assert rewriter.to_record(exc)["variants"][1]["ok"] is False


@loopback
def test_a_clean_variant_wins_over_one_that_kept_errors(live_server: ScriptedServer) -> None:
    live_server.script = [Scripted.choices([NEGATIVE_JSON, CLEAN_JSON])]
    result = rewrite(DRAFT, base_url=live_server.base_url, variants=2, max_attempts=1, **CONTEXT)
    assert result.answer == CLEAN
    assert [v.ok for v in result.variants] == [True, False]
    assert result.variants[1].answer == NEGATIVE and result.variants[1].error_count > 0


# ---------------------------------------------------------------- the count


@pytest.mark.parametrize("count", [0, 6, -1, 2.5, True, "3"])
def test_variants_outside_one_to_five_are_refused(count: Any) -> None:
    with pytest.raises(InputError, match="variants must be a whole number from 1 to 5"):
        rewrite("my boss micromanages me", engine="offline", variants=count)


def test_one_variant_is_the_default_and_the_record_lists_it() -> None:
    result = rewrite("my boss micromanages me and I want to lead projects", engine="offline")
    assert result.variants == ()
    record = result.to_record()
    assert record["variants"] == [Variant.of(result).to_dict()]
    assert record["variants"][0]["answer"] == record["answer"]


# ---------------------------------------------------------------- offline

OFFLINE_DRAFTS = [
    ("my boss micromanages everything and im underpaid. been a data analyst 4 years, built the sales "
     "dashboard in Tableau that cut reporting time 30%. honestly sick of this place"),
    "no room to grow here, I've been a nurse for 6 years and I want to move into nurse education",
    "the company got bought and my whole team was laid off. I ran payroll for 40 people",
]


@pytest.mark.parametrize("draft", OFFLINE_DRAFTS)
def test_offline_variants_are_distinct_checked_and_deterministic(draft: str) -> None:
    first = rewrite(draft, engine="offline", variants=3)
    again = rewrite(draft, engine="offline", variants=3)
    assert [v.answer for v in first.variants] == [v.answer for v in again.variants]
    assert len({v.answer for v in first.variants}) == 3
    for v in first.variants:
        assert v.ok == check(v.answer, draft=draft).ok or v.findings  # each carries its own check
        assert v.ok
    assert first.answer == first.variants[0].answer


def test_offline_variant_zero_is_the_single_answer() -> None:
    draft = OFFLINE_DRAFTS[0]
    assert rewrite(draft, engine="offline").answer in {v.answer for v in
                                                       rewrite(draft, engine="offline", variants=2).variants}


# ---------------------------------------------------------------- the console script


def _cli(*args: str, cwd: Any) -> Any:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update({"NO_COLOR": "1", "OPENAI_API_KEY": "sk-test-variants"})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", DRAFT, "--role", "Project Manager", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False)
    assert "Traceback" not in proc.stderr
    return proc


@loopback
def test_cli_variants_json_keeps_answer_as_the_best(live_server: ScriptedServer, tmp_path: Any) -> None:
    live_server.script = [Scripted.choices([NEGATIVE_JSON, THIRD_JSON, CLEAN_JSON])]
    proc = _cli("--variants", "3", "--max-attempts", "1", "--json", "--base-url", live_server.base_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["answer"] == data["variants"][0]["answer"]
    assert [v["ok"] for v in data["variants"]] == [True, True, False]
    assert {v["answer"] for v in data["variants"][:2]} == {THIRD, CLEAN} and data["variants"][2]["answer"] == NEGATIVE
    assert {f["rule"] for f in data["variants"][2]["findings"]} >= {"blame.manager"}
    assert live_server.received[0].body["n"] == 3 and len(live_server.received) == 1


@loopback
def test_cli_variants_plain_output_numbers_them(live_server: ScriptedServer, tmp_path: Any) -> None:
    live_server.script = [Scripted.choices([NEGATIVE_JSON, SECOND_JSON])]
    proc = _cli("-n", "2", "--max-attempts", "1", "--base-url", live_server.base_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:4] == ["2 answers, the best first:", "", "1.", SECOND]
    assert "2. (NOT clean: fix the errors below before you use it)" in lines
    assert lines[lines.index("2. (NOT clean: fix the errors below before you use it)") + 1] == NEGATIVE
    assert any(line.startswith("error blame.manager (P2)") for line in lines)


@loopback
def test_cli_no_clean_variant_exits_1_with_each_numbered(live_server: ScriptedServer, tmp_path: Any) -> None:
    worse = answer_json(NEGATIVE + " They are all idiots.")
    live_server.script = [Scripted.choices([worse, NEGATIVE_JSON])]
    proc = _cli("--variants", "2", "--max-attempts", "1", "--base-url", live_server.base_url, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("No answer is clean: fix the errors below before you use one.\n\n1. (NOT clean")
    assert "\n2. (NOT clean" in proc.stdout
    assert proc.stderr.startswith("rewriter: error: the answer still has")


def test_cli_offline_variants(tmp_path: Any) -> None:
    proc = _cli("--engine", "offline", "--variants", "3", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len({v["answer"] for v in data["variants"]}) == 3 and all(v["ok"] for v in data["variants"])
    assert data["answer"] == data["variants"][0]["answer"]


@loopback
def test_ctrl_c_while_variants_wait_exits_130_without_waiting_for_them(live_server: ScriptedServer,
                                                                      tmp_path: Any) -> None:
    """Variants' requests run in threads; Ctrl-C ends the command at once (130, the draft saved)
    rather than after the answers no one will read."""
    import os
    import signal
    import subprocess
    import sys
    import time

    # A server that ignores n: the first variant's answer comes back, the second one's hangs.
    live_server.script = [Scripted.completion(CLEAN_JSON), Scripted.completion(SECOND_JSON, delay=30)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update({"NO_COLOR": "1", "OPENAI_API_KEY": "sk-test-variants"})
    proc = subprocess.Popen([sys.executable, "-m", "rewriter", "rewrite", DRAFT, "--variants", "2", "--base-url",
                             live_server.base_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)
    while len(live_server.received) < 2 and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.2)  # the second request is in flight, its thread waiting
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert live_server.received[1].answered == 0.0  # it left before the hanging answer came
    lines = stderr.splitlines()
    assert lines[0] == "rewriter: error: interrupted" and "your draft is saved in" in lines[1]
    assert "Traceback" not in stderr and stdout == ""


def test_cli_offline_variants_plain_lists_what_was_left_out(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    draft = ("my coworkers are idiots and my boss micromanages me. 4 years as a data analyst, "
             "I built our Tableau reports")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", draft, "--variants", "3", "--engine",
                           "offline"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Left out (complaints and private details):\n" in out and "idiots" in out.split("Left out")[1]
    answers = rewrite(draft, engine="offline", variants=3).variants
    if len(answers) > 1:  # an engine with wordings: numbered, best first
        assert out.startswith(f"{len(answers)} answers, the best first:\n\n1.\n{answers[0].answer}\n")
    else:  # one wording: printed as a single answer, and a notice says why
        assert out.startswith(answers[0].answer + "\n") and "1 distinct answer of the 3" in proc.stderr


@loopback
def test_auto_mode_server_refusing_the_schema_gets_each_variant_in_json_mode(live_server: ScriptedServer) -> None:
    """llama-cpp-python answers a json_schema request with a 500: the n=2 request is refused,
    each variant then asks alone, and the first refusal switches the server to JSON mode."""
    # Keyed on the format asked for: the two variants' requests go at once, in either order.
    refusal = Scripted.error(500, "response_format json_schema is not supported", type_="server_error")
    live_server.script = [refusal.when("json_schema"), refusal.when("json_schema"), refusal.when("json_schema"),
                          Scripted.completion(CLEAN_JSON).when("json_object"),
                          Scripted.completion(SECOND_JSON).when("json_object")]
    result = rewrite(DRAFT, base_url=live_server.base_url, variants=2, mode="auto", max_attempts=1, **CONTEXT)
    assert {v.answer for v in result.variants} == {CLEAN, SECOND}
    formats = [(r.body.get("n"), r.body["response_format"]["type"]) for r in live_server.received]
    assert formats[0] == (2, "json_schema")
    assert [f for f in formats if f[1] == "json_object"] == [(None, "json_object")] * 2
    assert any("refused JSON-schema output" in n for n in result.notices)
