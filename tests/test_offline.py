"""The offline engine (issue 4) against the corpus of blunt drafts, plus reading edge cases.

Every draft of tests/data/drafts.jsonl must come out as an answer that the validator
passes with no error, that keeps every listed fact verbatim, drops every listed
negative, and is thirty to ninety seconds long when spoken.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from rewriter.models import Context
from rewriter.results import Composition
from rewriter.offline import compose, read
from rewriter.validate import check

CORPUS = Path(__file__).resolve().parent / "data" / "drafts.jsonl"
WPM = 150  # the validator's speaking rate
MIN_WORDS, MAX_WORDS = 30 * WPM // 60, 90 * WPM // 60  # 75..225
RECALL_BAR = 0.9
CATEGORIES = {
    "pay", "management", "culture", "workload", "promotion", "boredom", "instability", "restructuring",
    "relocation", "remote", "learning", "contract", "career_change", "mission",
}


def _load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


DRAFTS = _load()


def _context(d: dict[str, Any]) -> Context:
    return Context(role=d.get("role"), company=d.get("company"))


@cache
def _composed(draft_id: str) -> Composition:
    d = next(x for x in DRAFTS if x["id"] == draft_id)
    return compose(d["draft"], _context(d))


def _ids() -> list[str]:
    return [d["id"] for d in DRAFTS]


def test_corpus_is_big_enough() -> None:
    assert len(DRAFTS) >= 60
    assert len(set(_ids())) == len(DRAFTS)


@pytest.mark.parametrize("d", DRAFTS, ids=_ids())
def test_answer_passes_the_validator(d: dict[str, Any]) -> None:
    answer = _composed(d["id"]).answer
    report = check(answer, draft=d["draft"], context=_context(d))
    assert report.ok, [(f.rule, f.excerpt) for f in report.errors]


@pytest.mark.parametrize("d", DRAFTS, ids=_ids())
def test_no_negative_survives(d: dict[str, Any]) -> None:
    answer = _composed(d["id"]).answer.lower()
    survivors = [n for n in d["negatives"] if re.search(rf"\b{re.escape(n.lower())}\b", answer)]
    assert not survivors, answer


@pytest.mark.parametrize("d", DRAFTS, ids=_ids())
def test_every_fact_is_kept_verbatim(d: dict[str, Any]) -> None:
    answer = _composed(d["id"]).answer
    missing = [f for f in d["facts"] if f not in answer]
    assert not missing, answer


@pytest.mark.parametrize("d", DRAFTS, ids=_ids())
def test_spoken_length_is_in_the_window(d: dict[str, Any]) -> None:
    words = len(_composed(d["id"]).answer.split())
    assert MIN_WORDS <= words <= MAX_WORDS, words


@pytest.mark.parametrize("d", DRAFTS, ids=_ids())
def test_reasons_use_known_categories_and_are_said(d: dict[str, Any]) -> None:
    c = _composed(d["id"])
    for r in c.reasons:
        assert r.reason in CATEGORIES
        assert r.reframed_as in c.answer


def test_reason_recall_per_category(capsys: pytest.CaptureFixture[str]) -> None:
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for d in DRAFTS:
        got = {r.reason for r in _composed(d["id"]).reasons}
        for reason in d["reasons"]:
            expected[reason] += 1
            found[reason] += reason in got
    with capsys.disabled():
        print("\nreason recall:", ", ".join(f"{k} {found[k]}/{expected[k]}" for k in sorted(expected)))
    overall = sum(found.values()) / sum(expected.values())
    assert overall >= RECALL_BAR, overall
    for category, n in expected.items():
        assert found[category] / n >= 0.75, category  # no category may be mostly missed


def test_drafts_with_different_reasons_get_different_answers() -> None:
    by_answer: dict[str, set[str]] = {}
    for d in DRAFTS:
        by_answer.setdefault(_composed(d["id"]).answer, set()).add(",".join(sorted(d["reasons"])))
    clashes = {a: r for a, r in by_answer.items() if len(r) > 1}
    assert not clashes


def test_same_complaint_gets_different_wording() -> None:
    # Two managers-only drafts should not share every reframe sentence.
    sentences = [
        _composed(d["id"]).reasons[0].reframed_as
        for d in DRAFTS
        if d["reasons"] == ["management"] and _composed(d["id"]).reasons
    ]
    assert len(sentences) >= 3
    assert len(set(sentences)) > 1


@pytest.mark.parametrize("d", DRAFTS[:10], ids=_ids()[:10])
def test_deterministic(d: dict[str, Any]) -> None:
    assert compose(d["draft"], _context(d)) == compose(d["draft"], _context(d))


def test_composition_fields() -> None:
    c = compose("my boss micromanages me and im underpaid. data analyst 3 yrs, built our churn model in SQL")
    assert c.reasons and {r.reason for r in c.reasons} == {"management", "pay"}
    assert "3 yrs" in c.answer and "SQL" in c.answer and "churn model" in c.answer
    assert any("micromanages" in x for x in c.left_out)
    assert "micromanag" not in c.answer.lower() and "underpaid" not in c.answer.lower()
    assert c.facts_kept


# -- reading edge cases ------------------------------------------------------------------

def _reasons(draft: str) -> list[str]:
    return read(draft).reasons


def test_negated_pay_is_not_a_pay_reason() -> None:
    reasons = _reasons("the pay is fine, it's the commute. 90 minutes each way")
    assert "pay" not in reasons
    assert "relocation" in reasons


def test_paying_for_training_is_learning_not_pay() -> None:
    reasons = _reasons("they wont pay for any training and i want to grow")
    assert "learning" in reasons and "pay" not in reasons


def test_titles_that_contain_manager_are_not_management() -> None:
    assert "management" not in _reasons("ive been assistant store manager 3 yrs and i love my team")


def test_pay_reason_never_leads() -> None:
    c = compose("im underpaid and my commute is awful. nurse 5 years")
    assert [r.reason for r in c.reasons][-1] == "pay"


def test_pay_figure_said_as_complaint_is_left_out() -> None:
    c = compose("$15 an hour is a joke. call center rep 2 yrs, 87% first call resolution")
    assert "$15" not in c.answer and "15" not in c.answer
    assert "87% first call resolution" in c.answer
    assert any("$15 an hour" in x for x in c.left_out)


def test_complaint_numbers_are_not_kept() -> None:
    c = compose("sous chef 6 years, 70 hour weeks and no days off. cut food cost to 28%")
    assert "70" not in c.answer and "28%" in c.answer and "6 years" in c.answer


def test_numbers_with_units_are_kept_verbatim() -> None:
    draft = ("store manager 6 yrs, $4.5M annual sales, team of 30. we handle 150 tickets a day "
             "and i cut onboarding time 40%. my boss is a micromanager")
    answer = compose(draft).answer
    for fact in ("6 yrs", "$4.5M annual sales", "team of 30", "150 tickets a day", "40%"):
        assert fact in answer


def test_tools_and_certifications_are_kept() -> None:
    answer = compose("bored of the same reports. analyst, Python and Salesforce, PMP certified").answer
    for fact in ("Python", "Salesforce", "PMP certified"):
        assert fact in answer


def test_capitalised_tech_word_is_kept_from_a_fragment() -> None:
    answer = compose("my manager is clueless. devops engineer 5 yrs, Kubernetes, Terraform").answer
    assert "Kubernetes" in answer and "Terraform" in answer


def test_destination_is_named_in_the_relocation_reason() -> None:
    c = compose("moving to denver in june for my wife's job. paralegal 5 years")
    assert "relocation" in [r.reason for r in c.reasons]
    assert "denver" in next(r.reframed_as for r in c.reasons if r.reason == "relocation")


def test_escape_language_becomes_direction() -> None:
    answer = compose("i want to get out of retail and into HR, hired 80 people in 4 years").answer
    assert "get out" not in answer and "into HR" in answer


def test_implied_criticism_in_a_wish_is_cut() -> None:
    answer = compose("pharmacist 7 years. i want to do clinical work at a place that actually cares").answer
    assert "clinical work" in answer and "actually" not in answer


def test_role_and_company_are_connected_verbatim() -> None:
    answer = compose("my boss yells. data analyst 3 yrs", Context(role="Senior Data Analyst", company="Acme Co")).answer
    assert "Senior Data Analyst" in answer and "Acme Co" in answer


def test_no_invented_numbers_or_names() -> None:
    for d in DRAFTS:
        answer = _composed(d["id"]).answer
        source = d["draft"] + " " + (d.get("role") or "") + " " + (d.get("company") or "")
        for number in re.findall(r"\d+", answer):
            assert number in source, (d["id"], number)
        for word in re.findall(r"(?<![.!?;:] )(?<!^)\b[A-Z][\w&+/.-]*", answer):
            word = word.rstrip(".")
            if word not in {"I", "I'm", "I've", "I'd"} and not word.startswith("I'"):
                assert word in source, (d["id"], word)


def test_empty_and_factless_drafts_still_compose() -> None:
    for draft in ("", "ugh.", "my boss is a jerk"):
        c = compose(draft)
        assert MIN_WORDS <= len(c.answer.split()) <= MAX_WORDS
        assert "jerk" not in c.answer
