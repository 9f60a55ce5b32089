"""Targeted tests for the five classes of failure a blind judge found in round 1 (issue 11).

Each test writes its own drafts (never the retired blind set's), so each one probes the
class, not one example: garbled splices, invented situations, private details and raw
complaints kept, stock sentences stacked, reasons misread.
"""

from __future__ import annotations

import re

import pytest

from rewriter.models import Context
from rewriter.offline import compose
from rewriter.offline.checks import private_details, splices
from rewriter.offline.shape import clean_kept, field_like, spliced


def _answer(draft: str, **kw: object) -> str:
    return compose(draft, Context(**kw)).answer  # type: ignore[arg-type]


def _errors(draft: str, **kw: object) -> list[str]:
    c = compose(draft, Context(**kw))  # type: ignore[arg-type]
    return [f.rule for f in c.findings or () if f.severity == "error"]


# ---------------------------------------------------------------- 1. garbled splices

@pytest.mark.parametrize("sentence", [
    "I've worked in he's 45.",
    "I'm a supervisor checks my emails every hour.",
    "I work with get cut anyway.",
    "I was let go after I'm good with customers.",
    "I've worked in 2 days off, with for 6 months now.",
    "I'm an owner closed the shop and called us.",
])
def test_a_frame_followed_by_a_clause_is_a_splice(sentence: str) -> None:
    assert spliced(sentence)
    assert [f.rule for f in splices(sentence)] == ["offline.splice"]


@pytest.mark.parametrize("sentence", [
    "I've been a CNA at Maple Grove for 3 years.",
    "I'm a senior mechanical designer at an HVAC engineering firm.",
    "The IT support technician role fits that experience well.",
    "I've spent 6 years cooking, and I have my ServSafe.",
    "I cut food cost from 34% to 28%.",
])
def test_a_whole_sentence_is_not_a_splice(sentence: str) -> None:
    assert not spliced(sentence)
    assert clean_kept(sentence)


@pytest.mark.parametrize("value, ok", [
    ("6th grade ELA", True), ("tele/PCU", True), ("pediatric oncology", True),
    ("4 techs for 30 beds", False), ("2 hours 10 minutes on the freeway", False), ("she's 52", False),
    ("my 3 month temp at the clinic ended", False), ("1 off", False),
])
def test_only_a_noun_phrase_can_follow_worked_in(value: str, ok: bool) -> None:
    assert field_like(value) is ok


@pytest.mark.parametrize("draft", [
    "supervisor checks my emails every hour. she said so herself. 4 yrs as a claims adjuster, guidewire, i'm fine at my job",
    "2 pharmacists for 400 scripts a day. again. 6 yrs retail pharmacy, PharmD",
    "owner just shut the shop one friday and called us. i was shop foreman 6 years, cut rework from 12% to 4%",
    "2 days off, 5 on, for 6 months now. packaging line at a bottling plant. im done",
])
def test_no_answer_pastes_a_clause_into_a_frame(draft: str) -> None:
    answer = _answer(draft)
    assert not list(splices(answer)), answer
    for bad in ("checks my emails", "she said", "2 pharmacists for", "shut the shop one friday", "with for"):
        assert bad not in answer, answer


# ---------------------------------------------------------------- 2. invented situations

@pytest.mark.parametrize("draft", [
    "my husband got a job in Denver so we're moving in august. my boss even offered to let me go remote but the work is on site. 6 yrs as a site engineer",
    "my mom is sick and i'm driving to see her every weekend. my job won't let me go part time. payroll specialist 4 yrs",
])
def test_let_me_go_remote_or_part_time_is_no_firing(draft: str) -> None:
    c = compose(draft, Context())
    assert "fired" not in {r.reason for r in c.reasons}
    assert not re.search(r"\blet go\b|\bthat one is on me\b", c.answer, re.I), c.answer


@pytest.mark.parametrize("draft", [
    "i work doubles 6 days a week as a prep cook and my back is wrecked. 5 yrs cooking",
    "they pay me 16 an hour and i open 5 days a week. shift lead at a bakery",
])
def test_days_a_week_worked_is_no_remote_wish(draft: str) -> None:
    c = compose(draft, Context())
    assert "remote" not in {r.reason for r in c.reasons}
    assert not re.search(r"\bremote", c.answer, re.I), c.answer


def test_an_internal_move_is_no_relocation_and_own_money_is_no_pay_reason() -> None:
    c = compose("every time i ask about moving to the security team they say not yet. got my Security+ on my own time and money."
                " 2 yrs help desk", Context())
    got = {r.reason for r in c.reasons}
    assert not got & {"relocation", "pay"}, (got, c.answer)
    assert "relocat" not in c.answer.lower()


def test_the_remote_family_never_claims_a_remote_past_the_draft_did_not_give() -> None:
    answer = _answer("need to work from home more. 3 yrs as a bookkeeper, quickbooks")
    assert not re.search(r"I've (done|delivered) my best work remotely|where I've delivered", answer), answer


@pytest.mark.parametrize("draft, reason", [
    ("grant funding ran out so my lab coordinator job ends in august. 3 yrs, ran the sample intake", "contract"),
    ("my 4 month temp at the bank ended and they didnt extend. teller, fast and accurate", "contract"),
    ("they closed our distribution center in Reno and moved everything to Ohio. 9 yrs there, forklift certified", "instability"),
])
def test_a_forced_exit_is_told_as_a_neutral_fact(draft: str, reason: str) -> None:
    c = compose(draft, Context())
    assert reason in {r.reason for r in c.reasons}, c.answer


# ---------------------------------------------------------------- 3. private details and raw complaints

@pytest.mark.parametrize("draft, private", [
    ("i was diagnosed with crohns last year and i need to be near a bathroom, so remote would help. 5 yrs data entry", "diagnos"),
    ("i have MS and standing all day makes it flare. retail supervisor 6 yrs", "MS"),
    ("going through a divorce and need a fresh start in a new city. 3 yrs paralegal", "divorc"),
    ("im pregnant and the warehouse floor isnt safe for me now. 2 yrs picker, best rate on my shift", "pregnan"),
])
def test_a_private_detail_is_never_named(draft: str, private: str) -> None:
    answer = _answer(draft)
    assert private.lower() not in answer.lower(), answer
    assert not list(private_details(answer)), answer


@pytest.mark.parametrize("draft, raw", [
    ("4 nurses for 20 patients on nights. i'm scared someone's going to die on my shift. CCRN, 6 yrs", "scared"),
    ("manager tracks my keystrokes and i'm treated like a suspect. 2 yrs backend dev, go and python", "suspect"),
    ("the new guy makes $8k more than me and i trained him. 3 yrs analyst", "more than me"),
])
def test_a_raw_feeling_or_complaint_never_survives(draft: str, raw: str) -> None:
    answer = _answer(draft)
    assert raw not in answer.lower(), answer


def test_private_details_check_does_not_flag_a_company_name() -> None:
    c = compose("commute is 90 minutes each way. lab tech, 3 yrs", Context(company="Quest Diagnostics"))
    assert "offline.private" not in [f.rule for f in c.findings or ()], c.answer


# ---------------------------------------------------------------- 4. stock sentences stacked

_STOCK = (
    "Looking ahead, I want to keep growing and take on more ownership.",
    "My goal is to keep building on that experience and grow in scope.",
    "Over the next few years, I want to take on more responsibility and keep sharpening my skills.",
    "I want to be someone the team relies on, and to grow toward leading others.",
)


@pytest.mark.parametrize("draft", [
    "commute is 2 hours each way. 5 yrs as a dispatcher",
    "too much overtime, not enough life. 4 yrs line cook",
    "my boss yells at everyone. 3 yrs receptionist, dentrix",
    "the team is cliquey and nobody helps anyone. 2 yrs account exec",
])
def test_at_most_one_generic_look_ahead_line(draft: str) -> None:
    answer = _answer(draft)
    assert sum(s in answer for s in _STOCK) <= 1, answer


def test_the_reason_fills_the_answer_before_the_frame_does() -> None:
    answer = _answer("commute is 2 hours each way. 5 yrs as a dispatcher")
    first_stock = min((answer.find(s) for s in _STOCK if s in answer), default=len(answer))
    assert 0 <= answer.find("commute") < first_stock, answer


# ---------------------------------------------------------------- 5. reasons misread

@pytest.mark.parametrize("draft, reason", [
    ("supervisor reads my emails and checks my screen all day. 3 yrs support agent", "management"),
    ("I report to 4 different people who all want different things. office admin 6 yrs", "management"),
    ("3 nurses for 14 patients on nights, again. 7 yrs ICU", "workload"),
    ("mandatory overtime every week for a year now. machinist 8 yrs", "workload"),
    ("it's an hour and 20 each way on a good day. 4 yrs as a pharmacy tech", "commute"),
    ("everyone there hates each other. 3 yrs designer", "culture"),
    ("PE firm bought us last spring. 5 yrs controller", "restructuring"),
    ("my wife got transferred to Boise so we're going in the fall. 4 yrs electrician", "relocation"),
    ("my husband is military and we got orders to Norfolk. dental assistant 3 yrs", "relocation"),
    ("my dad needs someone around after school for my brother so i need a hard stop at 3. 2 yrs teller", "caregiving"),
])
def test_each_reason_comes_through(draft: str, reason: str) -> None:
    c = compose(draft, Context())
    assert reason in {r.reason for r in c.reasons}, ({r.reason for r in c.reasons}, c.answer)


def test_team_conflict_is_not_read_as_understaffing() -> None:
    c = compose("everyone there hates each other and it's draining. 3 yrs designer", Context())
    assert "culture" in {r.reason for r in c.reasons}
    assert "well staffed" not in c.answer, c.answer


# ---------------------------------------------------------------- the safe fallback

def test_a_broken_answer_falls_back_to_a_plain_one_or_says_not_ok() -> None:
    for draft in (
        "manager reads my texts. he admitted it. 3 yrs dev, react",
        "owner locked the doors one monday and texted us. kitchen manager 4 yrs",
    ):
        c = compose(draft, Context())
        rules = _errors(draft)
        assert "offline.splice" not in rules and "offline.private" not in rules, c.answer
        assert not list(splices(c.answer)), c.answer
