"""An answer must be an answer: the answer.* rules, in `check`, in the re-ask loop and on every engine.

Non-answers (the question echoed, a question back, six words, third person, a template with
blanks) never end with exit 0: each is an error whose suggestion is the re-ask line. A real
answer still passes the first time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SENTINEL_KEY
from scripted_server import Scripted, ScriptedServer, answer_json

from rewriter import StillNegativeError, check, rewrite
from rewriter.validate.answer_shape import MIN_WORDS

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])  # the scripted server only

DATA = Path(__file__).parent / "data"
DRAFT = ("My boss micromanages every email I send and I'm underpaid. I've coordinated projects for the "
         "marketing team and I want to lead projects myself.")
CLEAN = (
    "I've learned a great deal coordinating projects for the marketing team, and I'm grateful for it. "
    "I'm now ready to take on more ownership and lead projects myself, which is why this role is such an "
    "exciting next step for me. I'd love to bring what I've learned here and keep growing."
)
# What a tiny real model and scripted servers answered instead of an answer, and the rule each breaks.
NON_ANSWERS = {
    "question-echoed": ("Why are you leaving your current job?", "answer.restates_question"),
    "question-echoed-then-more": (
        "Why am I leaving my current job? I have coordinated projects for the marketing team and I want to lead "
        "projects myself in a role with more ownership.", "answer.restates_question"),
    # SmolLM2-135M's second attempt over llama-cpp-python (cassettes/real/), word for word.
    "question-glued-to-talk-about-it": (
        "Why you're leaving your current job?: You've been told that why I'm going to the interview, it's not "
        "just about my answer. The question is what you learned.", "answer.restates_question"),
    "question-back": ("What would you like me to say about why I am leaving? I can write something about the "
                      "marketing projects if you tell me more.", "answer.question"),
    "six-words": ("I want to lead projects myself.", "answer.too_short"),
    "third-person": ("The candidate is leaving because they want to lead projects and take on more ownership "
                     "after coordinating projects for the marketing team.", "answer.not_first_person"),
    "no-first-person": ("Leading projects is the natural next step after years of coordinating them for a "
                        "marketing team, and this role offers exactly that kind of ownership.",
                        "answer.not_first_person"),
    "template-blanks": ("I've learned a great deal at [Company] coordinating projects for the marketing team, and "
                        "I'm ready to bring that to the <role> position at XYZ and lead projects myself.",
                        "answer.template_blank"),
}
REAL_ANSWERS = [
    CLEAN,
    "The reason I'm looking is simple: I've coordinated projects for the marketing team for a while, and I want "
    "to lead them myself now. This role gives me that chance, and I'm excited about it.",
    "I'm leaving because I want to grow. Who wouldn't want to lead projects after years of coordinating them for "
    "a marketing team? I'm ready for that step, and this team is where I'd like to take it.",
    "To answer your question, I've learned a great deal in my current role and I'm ready to lead projects "
    "myself in a team like yours.",
    "I've learned a lot in my current role, and I'm grateful for it. My email is [EMAIL_1], and I'd love to talk "
    "more about how I could help your team lead its projects.",  # a redaction placeholder is not a blank
]


@pytest.mark.parametrize("case", sorted(NON_ANSWERS))
def test_check_rejects_each_non_answer_with_its_own_rule(case: str) -> None:
    text, rule = NON_ANSWERS[case]
    report = check(text)
    assert not report.ok
    finding = next(f for f in report.errors if f.rule == rule)
    assert finding.principle == "P8" and finding.excerpt == text[finding.start:finding.end]
    assert finding.message and finding.suggestion
    if rule == "answer.template_blank":  # every blank is shown
        assert [f.excerpt for f in report.errors if f.rule == rule] == ["[Company]", "<role>", "XYZ"]


def test_each_rule_has_its_own_reask_line() -> None:
    suggestions = {}
    for text, rule in NON_ANSWERS.values():
        finding = next(f for f in check(text).errors if f.rule == rule)
        suggestions[rule] = finding.suggestion
    assert len(set(suggestions.values())) == len(suggestions) == 5


@pytest.mark.parametrize("text", REAL_ANSWERS)
def test_real_answers_have_no_shape_finding(text: str) -> None:
    assert not [f for f in check(text).findings if f.rule.startswith("answer.")]


def test_length_bound_is_a_spoken_answer() -> None:
    base = "I want to lead projects myself and take on more ownership in a team like yours, soon and for years"
    words = base.split()
    assert check(" ".join(words[:MIN_WORDS]) + ".").ok
    assert not check(" ".join(words[:MIN_WORDS - 1]) + ".").ok


def test_shape_findings_do_not_hide_tone_findings() -> None:
    report = check("Why would I stay with a boss who never listens?")
    rules = {f.rule for f in report.errors}
    assert "blame.manager" in rules and "answer.question" in rules


def test_non_english_text_gets_the_language_warning_only() -> None:
    report = check("Nie mogę już pracować w tej firmie, mój szef jest okropny i płacą za mało.")
    assert [f.rule for f in report.findings] == ["language.unsupported"]


def test_offline_answers_for_the_drafts_corpus_have_no_shape_finding() -> None:
    rows = [json.loads(line) for line in (DATA / "drafts.jsonl").read_text(encoding="utf-8").splitlines()]
    shaped = []
    for row in rows:
        try:
            result = rewrite(row["draft"], engine="offline")
            findings = result.findings
        except StillNegativeError as exc:
            findings = exc.findings
        shaped += [(row["draft"][:40], f.rule) for f in findings if f.rule.startswith("answer.")]
    assert len(rows) >= 50 and shaped == []


# ---------------------------------------------------------------- through the re-ask loop


@pytest.fixture
def server(live_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> ScriptedServer:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    return live_server


@pytest.mark.parametrize("case", sorted(NON_ANSWERS))
def test_a_non_answer_is_reasked_with_its_line(case: str, server: ScriptedServer) -> None:
    text, rule = NON_ANSWERS[case]
    server.script = [Scripted.completion(answer_json(text)), Scripted.completion(answer_json(CLEAN))]
    result = rewrite(DRAFT, base_url=server.base_url)
    assert result.answer == CLEAN and len(result.attempts) == 2
    assert rule in {f.rule for f in result.attempts[0].findings if f.severity == "error"}
    reask = server.received[1].body["messages"][-1]["content"]
    finding = next(f for f in result.attempts[0].findings if f.rule == rule)
    assert f"[{rule}]" in reask and finding.suggestion in reask


@pytest.mark.parametrize("case", sorted(NON_ANSWERS))
def test_a_persistent_non_answer_never_exits_0(case: str, server: ScriptedServer, tmp_path: Path) -> None:
    text, rule = NON_ANSWERS[case]
    server.script = [Scripted.completion(answer_json(text)) for _ in range(3)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update({"NO_COLOR": "1", "TMPDIR": str(tmp_path), "OPENAI_API_KEY": SENTINEL_KEY})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", DRAFT, "--base-url", server.base_url,
                           "--json"], capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is False and rule in {f["rule"] for f in data["findings"]}
    assert len(server.received) == 3  # re-asked to the end of the budget


def test_a_real_answer_passes_the_first_time(server: ScriptedServer) -> None:
    server.script = [Scripted.completion(answer_json(CLEAN))]
    result = rewrite(DRAFT, base_url=server.base_url)
    assert result.answer == CLEAN and len(result.attempts) == 1 and len(server.received) == 1


def test_check_cli_exits_1_on_the_question_echoed(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "rewriter", "check", "Why are you leaving your current job?"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 1 and "answer.restates_question" in proc.stdout
