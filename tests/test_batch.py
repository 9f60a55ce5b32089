"""`rewriter batch`: many drafts, concurrent, resumable.

LLM cases talk to a scripted server live on 127.0.0.1 (loopback only); CLI cases
run the real console entry point in a subprocess. The SIGKILL case kills a batch
mid-way and resumes it: every id must then appear exactly once, every line parse.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SENTINEL_KEY, CliResult, RunCli, child_env
from scripted_server import Scripted, ScriptedServer, answer_json

from rewriter import RewriteRequest, batch, check
from rewriter.batch import Options, Throttle, load_done, run_batch
from rewriter.errors import InputError
from rewriter.models import Context

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

DRAFT = "My boss micromanages every email I send and I'm underpaid. I coordinate projects for marketing."
CLEAN = "I've learned a great deal coordinating projects for marketing, and I'm ready to take on more ownership."
NEGATIVE = "My boss is a clueless micromanager and I'm sick of this dead-end job."
OFFLINE_DRAFTS = [
    "My boss micromanages me and I'm underpaid. I've been a data analyst for 3 years, SQL and Tableau.",
    "no raise in two years and the commute is 90 minutes each way. I manage a team of 6 nurses.",
    "the company had layoffs and my manager takes credit for my work. I built our billing system in Python.",
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def batch_cli(run_cli: RunCli, args: list[str], *, env: dict[str, str] | None = None) -> CliResult:
    return run_cli("batch", *args, env={"OPENAI_API_KEY": SENTINEL_KEY, **(env or {})})


def assert_clean_cli(proc: CliResult) -> None:
    assert "Traceback" not in proc.stderr
    assert SENTINEL_KEY not in proc.stderr + proc.stdout


# ---------------------------------------------------------------- input checked before any request


def test_duplicate_ids_exit_2_before_any_request(run_cli: RunCli, live_server: ScriptedServer, tmp_path: Path) -> None:
    live_server.script = [Scripted.completion(answer_json(CLEAN))] * 5
    rows = [{"id": "a", "draft": DRAFT}, {"id": "b", "draft": DRAFT}, {"id": "a", "draft": DRAFT}]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    proc = batch_cli(run_cli, [str(inp), "-o", "out.jsonl", "--base-url", live_server.base_url])
    assert_clean_cli(proc)
    assert proc.returncode == 2
    assert "duplicate id 'a'" in proc.stderr and "in.jsonl:3" in proc.stderr and "line 1" in proc.stderr
    assert live_server.received == []  # checked before the first request
    assert not (tmp_path / "out.jsonl").exists() or (tmp_path / "out.jsonl").read_text() == ""


def test_duplicate_ids_in_csv_and_numeric_ids_compare_as_text(tmp_path: Path) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text('id,draft\n7,"one, two"\n8,x\n7,y\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"in.csv:4: duplicate id '7'"):
        batch.scan(inp)
    jsonl = write_jsonl(tmp_path / "in.jsonl", [{"id": 7, "draft": "x"}, {"id": "7", "draft": "y"}])
    with pytest.raises(InputError, match="duplicate id '7'"):
        batch.scan(jsonl)


def test_a_duplicate_far_down_a_long_input_names_both_lines(tmp_path: Path) -> None:
    rows = [{"id": f"person-{i}", "draft": "x"} for i in range(5000)] + [{"id": "person-17", "draft": "y"}]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    with pytest.raises(InputError, match=r"in.jsonl:5001: duplicate id 'person-17' \(first on line 18\)"):
        batch.scan(inp)
    assert batch.scan(write_jsonl(tmp_path / "ok.jsonl", rows[:-1])) == (5000, 0, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "draft": "x"}\n{"draft": "no id"}\n', r"in.jsonl:2: missing id"),
        ('{"id": "a", "draft": "x"}\nnot json\n', r"in.jsonl:2: not valid JSON"),
        ('["a", "x"]\n', r"in.jsonl:1: each line must be a JSON object"),
        ('{"id": true, "draft": "x"}\n', r"in.jsonl:1: missing id"),
        ("\n\n", r"holds no drafts"),
    ],
)
def test_malformed_input_is_refused_with_its_line(tmp_path: Path, content: str, message: str) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        run_batch(inp, tmp_path / "out.jsonl", options=Options(RewriteRequest("", engine="offline")))
    assert not (tmp_path / "out.jsonl").exists()


def test_csv_without_the_columns_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text("name,text\na,b\n", encoding="utf-8")
    proc = batch_cli(run_cli, [str(inp), "-o", "out.jsonl", "--engine", "offline"])
    assert_clean_cli(proc)
    assert proc.returncode == 2 and "missing: id, draft" in proc.stderr


def test_an_output_that_is_not_ours_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "draft": OFFLINE_DRAFTS[0]}])
    out = tmp_path / "notes.txt"
    out.write_text("my notes\nmore notes\n", encoding="utf-8")
    proc = batch_cli(run_cli, [str(inp), "-o", str(out), "--engine", "offline"])
    assert_clean_cli(proc)
    assert proc.returncode == 2 and "not a result line" in proc.stderr
    assert out.read_text(encoding="utf-8") == "my notes\nmore notes\n"  # untouched


def test_llm_engine_without_configuration_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "draft": DRAFT}])
    proc = batch_cli(run_cli, [str(inp), "-o", "out.jsonl", "--engine", "llm"], env={"OPENAI_API_KEY": ""})
    assert_clean_cli(proc)
    assert proc.returncode == 2 and "no LLM is configured" in proc.stderr


# ---------------------------------------------------------------- results


def test_mixed_results_ok_findings_and_errors(run_cli: RunCli, live_server: ScriptedServer, tmp_path: Path) -> None:
    # One worker: the scripted responses meet the drafts in input order.
    live_server.script = [
        Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")])),  # a: ok
        Scripted.completion(answer_json(NEGATIVE)),  # b: findings, twice
        Scripted.completion(answer_json(NEGATIVE)),
        Scripted.error(400, "This model does not exist", code="model_not_found"),  # d: service error
        Scripted.completion(answer_json(CLEAN)),  # f: ok, after the others failed
    ]
    rows = [
        {"id": "a", "draft": DRAFT, "role": "Project Lead"},
        {"id": "b", "draft": DRAFT},
        {"id": "c", "draft": "   "},  # empty: an input error for this draft only, no request
        {"id": "d", "draft": DRAFT},
        {"id": "e", "draft": DRAFT, "seconds": "soon"},  # a bad option: this draft's error
        {"id": "f", "draft": DRAFT, "seconds": 45},
    ]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    proc = batch_cli(run_cli, [str(inp), "-o", "out.jsonl", "--base-url", live_server.base_url, "--concurrency", "1",
                "--max-attempts", "2"])
    assert_clean_cli(proc)
    assert proc.returncode == 1, proc.stderr  # some drafts did not come out clean
    results = {r["id"]: r for r in read_results(tmp_path / "out.jsonl")}
    assert list(results) == ["a", "b", "c", "d", "e", "f"]
    assert {k: r["status"] for k, r in results.items()} == {
        "a": "ok", "b": "findings", "c": "error", "d": "error", "e": "error", "f": "ok"}
    a = results["a"]
    assert (a["answer"], a["attempts"], a["engine"], a["model"], a["message"]) == (CLEAN, 1, "llm", "gpt-4o-mini", None)
    assert a["usage"] == {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200}
    assert a["reasons"] == [{"reason": "oversight", "reframed_as": "more ownership"}]
    assert all(f["severity"] == "warning" for f in a["findings"])
    b = results["b"]
    assert b["answer"] == NEGATIVE and b["attempts"] == 2 and b["usage"]["total_tokens"] == 400
    assert any(f["severity"] == "error" for f in b["findings"]) and "still has" in b["message"]
    assert "empty" in results["c"]["message"] and results["c"]["attempts"] == 0
    assert "400" in results["d"]["message"] and "gpt-4o-mini" in results["d"]["message"]
    assert "seconds must be a whole number" in results["e"]["message"]
    assert len(live_server.received) == 5  # c and e never reached the server
    assert live_server.received[0].body["messages"][1]["content"].count("Project Lead") >= 1  # the row's context
    assert "4 errors" not in proc.stderr and "2 ok, 1 with findings, 3 errors" in proc.stderr


def test_a_bad_key_stops_the_batch_and_marks_no_draft_done(run_cli: RunCli, live_server: ScriptedServer,
                                                           tmp_path: Path) -> None:
    live_server.script = [Scripted.error(401, f"Incorrect API key provided: {SENTINEL_KEY}", code="invalid_api_key")]
    live_server.repeat_last = True
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": DRAFT} for i in range(50)])
    proc = batch_cli(run_cli, [str(inp), "-o", "out.jsonl", "--base-url", live_server.base_url, "--concurrency", "4"])
    assert_clean_cli(proc)  # the key the server quoted back is not shown
    assert proc.returncode == 3 and "rejected the API key (401)" in proc.stderr
    assert len(live_server.received) <= 4 + 4  # stopped at once, not 50 failures
    out = tmp_path / "out.jsonl"
    assert not out.exists() or out.read_text(encoding="utf-8") == ""  # nothing marked done: a re-run redoes all


@pytest.mark.parametrize("via", ["direct", "openai-batch"])
def test_a_bad_setting_stops_the_batch_before_any_request_and_marks_no_draft_done(run_cli: RunCli,
        live_server: ScriptedServer, tmp_path: Path, via: str) -> None:
    # Issue 14: REWRITER_RETRY_MAX_WAIT=abc wrote an "error" line per draft without sending a
    # request (exit 1), and a re-run with the setting fixed skipped every draft as done.
    live_server.script = [Scripted.completion(answer_json(CLEAN))]
    live_server.repeat_last = True
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": DRAFT} for i in "abc"])
    args = [str(inp), "-o", "out.jsonl", "--base-url", live_server.base_url, "--via", via]
    proc = batch_cli(run_cli, args, env={"REWRITER_RETRY_MAX_WAIT": "abc"})
    assert_clean_cli(proc)
    assert proc.returncode == 2 and "REWRITER_RETRY_MAX_WAIT must be a number of seconds" in proc.stderr
    assert live_server.received == []  # checked before any request
    out = tmp_path / "out.jsonl"
    assert not out.exists() or out.read_text(encoding="utf-8") == ""  # no draft marked done
    if via == "direct":  # the Batch API run needs its own scripted server: the fix is shown on the direct path
        proc = batch_cli(run_cli, args, env={"REWRITER_RETRY_MAX_WAIT": "0"})
        assert proc.returncode == 0, proc.stderr
        assert sorted((r["id"], r["status"]) for r in read_results(out)) == [("a", "ok"), ("b", "ok"), ("c", "ok")]
        assert len(live_server.received) == 3


def test_a_configuration_error_met_by_a_draft_stops_the_batch_unrecorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a draft that reached a final outcome is marked done: one that failed for a
    # configuration reason (which every draft would meet alike) stops the batch instead.
    from rewriter import ConfigurationError, pipeline

    def misconfigured(request: RewriteRequest, **kwargs: Any) -> Any:
        raise ConfigurationError("the offline engine is not available")

    monkeypatch.setattr(pipeline, "prepare", misconfigured)
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": d} for i, d in enumerate(OFFLINE_DRAFTS)])
    out = tmp_path / "out.jsonl"
    with pytest.raises(ConfigurationError, match="not available"):
        run_batch(inp, out, options=Options(RewriteRequest("", engine="offline")))
    assert not out.exists() or out.read_text(encoding="utf-8") == ""


def peak_in_flight(server: ScriptedServer) -> int:
    """The most requests the server held at once (from when each arrived and was answered)."""
    edges = sorted([(r.arrived, 1) for r in server.received] + [(r.answered, -1) for r in server.received])
    on_the_wire = peak = 0
    for _, step in edges:
        on_the_wire += step
        peak = max(peak, on_the_wire)
    return peak


def test_concurrency_is_bounded_and_every_draft_gets_one_line(tmp_path: Path) -> None:
    # The server answers nothing before 8 requests have arrived: met, it proves 8 were in
    # flight at once (one at a time would never meet it), on any machine at any load. The mode
    # is given: in auto mode the first request to a new server goes alone, to learn its mode.
    with ScriptedServer([Scripted.completion(answer_json(CLEAN))], repeat_last=True, barrier=8) as server:
        inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": DRAFT} for i in range(32)])
        summary = run_batch(inp, tmp_path / "out.jsonl",
                            options=Options(RewriteRequest("", base_url=server.base_url, mode="schema"),
                                            concurrency=8))
    results = read_results(tmp_path / "out.jsonl")
    assert sorted(r["id"] for r in results) == list(range(32))  # ids keep their JSON type
    assert (summary.ok, summary.findings, summary.errors, summary.exit_code) == (32, 0, 0, 0)
    assert server.barrier_met.is_set()  # really concurrent: 8 in flight at once...
    assert peak_in_flight(server) == 8  # ...and never more than 8


def test_a_429_slows_the_whole_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The answers are held until the throttle has learnt of the 429, so the 429 is back before
    # any worker could send a second request: only the other first requests were on their way.
    learnt = threading.Event()
    script = [Scripted.error(429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after": "0.4"})]
    script += [Scripted.completion(answer_json(CLEAN), hold=learnt)]
    # In order: each request let through (the throttle's clock then), the 429 (and the pause it set).
    events: list[tuple[str, float]] = []
    acquire, after = Throttle.acquire, Throttle.after_response

    async def released(self: Throttle) -> None:
        await acquire(self)
        events.append(("sent", self._clock()))

    def answered(self: Throttle, status: int, retry_after: float | None) -> None:
        after(self, status, retry_after)
        if status == 429:
            events.append(("429", self.resume_at))
            learnt.set()

    monkeypatch.setattr(Throttle, "acquire", released)
    monkeypatch.setattr(Throttle, "after_response", answered)
    with ScriptedServer(script, repeat_last=True) as server:
        inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": DRAFT} for i in range(12)])
        summary = run_batch(inp, tmp_path / "out.jsonl",
                            options=Options(RewriteRequest("", base_url=server.base_url), concurrency=4))
    assert summary.rate_limited == 1 and summary.ok == 12
    assert len(server.received) == 13 and [e for e, _ in events].count("sent") == 13
    # Every request let through after the 429 (by any worker, not only the one that got it) waited
    # it out, including those whose drafts were readied ahead and already waiting for a slot.
    kinds = [e for e, _ in events]
    resume_at = events[kinds.index("429")][1]
    later = [t for e, t in events[kinds.index("429"):] if e == "sent"]
    assert len(later) >= 12 - 3  # at most the 3 other first requests were already on their way
    assert min(later) >= resume_at  # every later request waited the pause out (its length: the throttle tests)


def test_throttle_pauses_everyone_and_halves_then_regrows_the_pace() -> None:
    now = [100.0]
    throttle = Throttle(8, clock=lambda: now[0])

    throttle.after_response(429, 2.0)
    assert throttle.resume_at == 102.0 and throttle.limit == 4
    throttle.after_response(429, None)  # no Retry-After: backoff doubles from 1 s
    assert throttle.limit == 2 and throttle.backoff == 2.0
    throttle.after_response(429, None)
    assert throttle.backoff == 4.0 and throttle.resume_at == 104.0 and throttle.limit == 1
    for _ in range(1 + 2 + 3):  # a run of `limit` successes lets one more in each time
        throttle.after_response(200, None)
    assert throttle.limit == 4 and throttle.backoff == 0.0
    for _ in range(200):
        throttle.after_response(200, None)
    assert throttle.limit == 8  # never above --concurrency


def test_throttle_slots_never_exceed_the_limit() -> None:
    throttle = Throttle(3)
    peak = [0]

    async def one() -> None:
        await throttle.acquire()
        try:
            peak[0] = max(peak[0], throttle.active)
            await asyncio.sleep(0.005)
        finally:
            throttle.release()

    async def scenario() -> None:
        await asyncio.gather(*(one() for _ in range(20)))

    asyncio.run(scenario())
    assert peak[0] == 3 and throttle.active == 0


def test_a_request_cancelled_while_it_waits_keeps_no_slot() -> None:
    now = [0.0]
    throttle = Throttle(2, clock=lambda: now[0])

    async def scenario() -> None:
        throttle.after_response(429, 30.0)  # everyone waits 30 s
        waiting = [asyncio.create_task(throttle.acquire()) for _ in range(3)]  # two hold a slot, one waits for one
        await asyncio.sleep(0.01)
        assert throttle.active == 1  # the 429 halved the limit to 1
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        assert throttle.active == 0
        now[0] = 31.0
        await asyncio.wait_for(throttle.acquire(), 1)  # the slot is free again
        assert throttle.active == 1

    asyncio.run(scenario())


def test_never_more_requests_on_the_wire_than_concurrency(tmp_path: Path) -> None:
    with ScriptedServer([Scripted.completion(answer_json(CLEAN))], latency=0.01, repeat_last=True, barrier=4) as server:
        inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": DRAFT} for i in range(40)])
        # The mode is given, as above: no lone first request to learn it.
        summary = run_batch(inp, tmp_path / "out.jsonl",
                            options=Options(RewriteRequest("", base_url=server.base_url, mode="schema"),
                                            concurrency=4))
    assert summary.ok == 40
    assert server.barrier_met.is_set()  # all four slots used...
    assert peak_in_flight(server) == 4  # ...never a fifth (the readied drafts wait their turn)


# ---------------------------------------------------------------- resuming


def test_resume_skips_done_ids_and_drops_a_torn_last_line(run_cli: RunCli, live_server: ScriptedServer,
                                                          tmp_path: Path) -> None:
    live_server.script = [Scripted.completion(answer_json(CLEAN))]
    live_server.repeat_last = True
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": f"d{i}", "draft": DRAFT} for i in range(6)])
    out = tmp_path / "out.jsonl"
    earlier = [{"id": "d0", "status": "ok", "answer": "kept as is"}, {"id": "d3", "status": "error", "message": "x"}]
    out.write_text("".join(json.dumps(r) + "\n" for r in earlier) + '{"id": "d4", "status": "o', encoding="utf-8")
    proc = batch_cli(run_cli, [str(inp), "-o", str(out), "--base-url", live_server.base_url])
    assert_clean_cli(proc)
    assert proc.returncode == 1  # d3 is still an error in OUT
    assert "incomplete last line" in proc.stderr and "2 of 6 drafts already in" in proc.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines[:2]] == earlier  # earlier lines untouched
    ids = [json.loads(line)["id"] for line in lines]
    assert sorted(ids) == [f"d{i}" for i in range(6)] and len(ids) == len(set(ids))
    assert len(live_server.received) == 4  # only d1, d2, d4 (torn), d5

    again = batch_cli(run_cli, [str(inp), "-o", str(out), "--base-url", live_server.base_url])
    assert again.returncode == 1 and "6 of 6 drafts already in" in again.stderr
    assert len(live_server.received) == 4 and out.read_text(encoding="utf-8").splitlines() == lines


def test_load_done_cuts_only_the_torn_tail(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": 1, "status": "ok"}\n\n{"id": "2", "status": "findings"}\n{"id": 3, "sta')
    done, cut = load_done(out)
    assert done == {"1": "ok", "2": "findings"} and cut == len(b'{"id": 3, "sta')
    assert out.read_bytes().endswith(b'"findings"}\n')
    assert load_done(out) == (done, 0)
    assert load_done(tmp_path / "missing.jsonl") == ({}, 0)


def wait_for(condition: Any, seconds: float = 60) -> None:
    """Poll until `condition()` holds: a readiness signal, not a timing (the limit only ends a hang)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_sigkill_mid_batch_then_resume_writes_every_id_exactly_once(tmp_path: Path, run_cli: RunCli) -> None:
    n = 400
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": f"id-{i:04d}", "draft": DRAFT} for i in range(n)])
    out = tmp_path / "out.jsonl"
    # The first 60 requests are answered; the rest are held until the victim is dead, so
    # it is killed mid-way however fast or slow this machine is.
    resume = threading.Event()
    script = [Scripted.completion(answer_json(CLEAN))] * 60 + [Scripted.completion(answer_json(CLEAN), hold=resume)]
    with ScriptedServer(script, repeat_last=True) as server:
        args = [str(inp), "-o", str(out), "--base-url", server.base_url, "--concurrency", "8"]
        victim = subprocess.Popen([sys.executable, "-m", "rewriter", "batch", *args],
                                  env=child_env(tmp_path, {"OPENAI_API_KEY": SENTINEL_KEY}), cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: out.exists() and out.read_bytes().count(b"\n") >= 40)  # ready: mid-way
        victim.send_signal(signal.SIGKILL)
        victim.wait(60)
        assert victim.returncode == -signal.SIGKILL
        written_before = out.read_bytes().count(b"\n")
        assert 40 <= written_before < n  # killed mid-way, really
        resume.set()

        resumed = batch_cli(run_cli, args)
    assert_clean_cli(resumed)
    assert resumed.returncode == 0, resumed.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    results = [json.loads(line) for line in lines]  # every line parses
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids)) == n  # every id exactly once
    assert set(ids) == {f"id-{i:04d}" for i in range(n)}
    assert all(r["status"] == "ok" for r in results)
    # The resumed run sent only what the killed one had not written (plus at most those in flight).
    assert len(server.received) <= n + 8 * 2


# ---------------------------------------------------------------- offline engine


def test_offline_batch_from_csv(run_cli: RunCli, tmp_path: Path) -> None:
    inp = tmp_path / "in.csv"
    with inp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "draft", "role", "seconds"])
        for i, draft in enumerate(OFFLINE_DRAFTS):
            writer.writerow([f"c{i}", draft, "Team Lead" if i == 0 else "", "60"])
    proc = batch_cli(run_cli, [str(inp), "-o", "out.jsonl"], env={"OPENAI_API_KEY": ""})  # auto: nothing configured
    assert_clean_cli(proc)
    assert proc.returncode == 0, proc.stderr
    assert "using the offline engine" in proc.stderr
    results = read_results(tmp_path / "out.jsonl")
    assert [r["id"] for r in results] == ["c0", "c1", "c2"]
    for result, draft in zip(results, OFFLINE_DRAFTS, strict=True):
        assert result["status"] == "ok" and result["engine"] == "offline" and result["model"] is None
        role = "Team Lead" if result["id"] == "c0" else None
        assert check(result["answer"], draft=draft, context=Context(role=role)).ok
    assert "Team Lead" in results[0]["answer"]
    assert "\x1b[" not in proc.stderr  # no progress bar when stderr is not a terminal
    assert "3 drafts rewritten" in proc.stderr and "3 ok" in proc.stderr


def test_offline_batch_many_lines_in_process(tmp_path: Path) -> None:
    n = 300
    inp = write_jsonl(tmp_path / "in.jsonl",
                      [{"id": i, "draft": OFFLINE_DRAFTS[i % 3] + f" I closed {i} tickets."} for i in range(n)])
    summary = run_batch(inp, tmp_path / "out.jsonl", options=Options(RewriteRequest("", engine="offline")))
    assert (summary.total, summary.ok, summary.errors) == (n, n, 0)
    results = read_results(tmp_path / "out.jsonl")
    assert [r["id"] for r in results] == list(range(n))  # one loop: input order
    marks = ("data analyst", "6 nurses", "billing system")
    assert all(marks[r["id"] % 3] in r["answer"] for r in results)  # each line holds its own draft's rewrite


def test_a_batch_freezes_start_up_objects_only_while_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[int] = []
    compose = batch.record_for

    def spy(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append(gc.get_freeze_count())
        return compose(*args, **kwargs)

    monkeypatch.setattr(batch, "record_for", spy)
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "draft": OFFLINE_DRAFTS[i]} for i in range(2)])
    assert gc.get_freeze_count() == 0
    run_batch(inp, tmp_path / "out.jsonl", options=Options(RewriteRequest("", engine="offline")))
    assert len(seen) == 2 and min(seen) > 1000  # the modules, lexicons and templates loaded before it
    assert gc.get_freeze_count() == 0  # and given back to the collector after
    gc.freeze()  # a caller that froze its own objects keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        run_batch(inp, tmp_path / "out2.jsonl", options=Options(RewriteRequest("", engine="offline")))
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_progress_bar_renders_counts_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    stream = io.StringIO()
    monkeypatch.setattr("rich.console.Console", lambda **kw: Console(file=stream, force_terminal=True, width=120))
    summary = batch.Summary(total=3)
    with batch.Progress(summary, 3, show=True) as progress:
        for status in ("ok", "findings", "error"):
            progress.advance(status)
    shown = stream.getvalue()
    assert "3/3" in shown and "1 ok" in shown and "1 findings" in shown and "1 errors" in shown
    assert (summary.ok, summary.findings, summary.errors) == (1, 1, 1)


# ---------------------------------------------------------------- the OpenAI Batch API through the CLI, live
# (here, not in test_batch_api.py: that module replays cassettes, and this talks to a live server)


def test_batch_api_cli_submit_status_collect(tmp_path: Path, run_cli: RunCli) -> None:
    from test_batch_api import CLEAN_JSON, PLAIN, results, write_input

    inp = write_input(tmp_path)

    def cli(*args: str) -> CliResult:
        proc = run_cli("batch", *args, env={"OPENAI_API_KEY": SENTINEL_KEY})
        assert SENTINEL_KEY not in proc.stderr + proc.stdout
        return proc

    script = [Scripted.completion(CLEAN_JSON)] * 2 + [Scripted.completion(answer_json(PLAIN))]
    with ScriptedServer(script, batch_polls=2) as server:
        submitted = cli(str(inp), "-o", "out.jsonl", "--via", "openai-batch", "--no-wait", "--base-url",
                        server.base_url)
        assert submitted.returncode == 0, submitted.stderr
        batch_id = re.search(r"--collect (\S+)", submitted.stderr).group(1)  # type: ignore[union-attr]
        shown = cli("--status", batch_id, "--base-url", server.base_url)
        assert shown.returncode == 0 and f"batch {batch_id}: in_progress" in shown.stdout
        collected = cli(str(inp), "-o", "out.jsonl", "--collect", batch_id, "--poll", "0", "--base-url",
                        server.base_url)
        assert collected.returncode == 1, collected.stderr  # "empty" is an error line
        assert "3 ok, 0 with findings, 0 errors" in collected.stderr
        missing = cli("--status", "batch_nope", "--base-url", server.base_url)
        assert missing.returncode == 3 and "404" in missing.stderr
    got = results(tmp_path / "out.jsonl")
    assert sorted(got) == ["clean", "empty", "failed", "reasked"]
