"""Rule by rule: table-driven cases (most from the corpus) and the validator's contract."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewriter import Context, Report
from rewriter import check as check_answer
from rewriter.validate.lexicon import inflections


def check(text: str, **options: object) -> Report:
    """The tone, length and fidelity rules. The cases here are single sentences, which the
    answer-shape rules (answer.*: too short, not first person...) rightly reject as answers;
    tests/test_answer_shape.py covers those."""
    report = check_answer(text, **options)  # type: ignore[arg-type]
    return Report(report.text, tuple(f for f in report.findings if not f.rule.startswith("answer.")))

ERROR_CASES = [
    ("my boss never listens", "blame.manager"),
    ("My boss is a micromanager and I'm underpaid.", "blame.manager"),
    ("my manager micromanages every single thing i do", "blame.manager"),
    ("it's total micromanagement here, every day", "blame.workplace"),
    ("my director throws his own team under the bus to save face", "blame.manager"),
    ("HR keeps losing my paperwork and nobody takes responsibility", "blame.employer"),
    ("they never tell us anything until the day of", "blame.they"),
    ("my coworkers are lazy and i end up doing everything", "blame.colleagues"),
    ("the company treats its employees like disposable parts", "blame.employer"),
    ("im so sick of this dead-end job", "complaint.frustration"),
    ("i'm fed up with the insane hours", "complaint.frustration"),
    ("the pay is a joke", "complaint.pay"),
    ("I'm completely exhausted all the time", "complaint.workload"),
    ("i'm underpaid and everyone knows it", "complaint.pay"),
    ("my supervisor is a total idiot", "insult.name_calling"),
    ("this place is bullshit", "insult.profanity"),
    ("i need to get out of there asap", "desperation.pleading"),
    ("honestly i'd take anything at this point", "desperation.pleading"),
    ("I'm desperate for a new job", "desperation.pleading"),
    ('oh sure, "unlimited PTO" that you can never take', "sarcasm.marker"),
]

OK_CASES = [
    "I have no complaints about my manager.",
    "My manager has been a great mentor.",
    "i cant say anything bad about my boss, she's been great",
    "my manager is demanding in the best way, she's made me so much better",
    "the company announced layoffs in march and my role was eliminated",
    "my contract ends in june and i'm looking for a permanent role",
    "we're relocating to denver for my partner's job",
    "we had a brutal deadline and i learned to prioritize",
    "the long hours during tax season were tough but i learned to work efficiently",
    "nobody micromanages me there, which is why i grew so fast",
    "I want to take on more responsibility and lead a team.",
    "I built our Python tooling and cut onboarding time by 40%.",
    "Leadership has honestly given me nothing to complain about.",
    "im seeking a salary that's in line with market rates for senior engineers",
]


@pytest.mark.parametrize(("text", "rule"), ERROR_CASES)
def test_error_rules_fire(text: str, rule: str) -> None:
    report = check(text)
    assert not report.ok
    assert rule in {f.rule for f in report.errors}, [f.rule for f in report.findings]


@pytest.mark.parametrize("text", OK_CASES)
def test_fine_sentences_have_no_errors(text: str) -> None:
    report = check(text)
    assert report.ok, [(f.rule, f.excerpt) for f in report.errors]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I had surgery last year and I'm fully recovered now.", "discretion.health"),
        ("I'm pregnant and want a more stable schedule.", "discretion.pregnancy"),
        ("After my divorce I moved back home.", "discretion.family"),
        ("I'm in a lawsuit with my employer.", "discretion.legal"),
        ("Mainly I want more money.", "money.headline"),
        ("It's just time for a change.", "vague.cliche"),
        ("I guess I kind of want to grow.", "vague.hedge"),
    ],
)
def test_warning_rules(text: str, rule: str) -> None:
    report = check(text)
    assert rule in {f.rule for f in report.warnings}
    assert all(f.severity == "warning" for f in report.findings if f.rule == rule)


def test_finding_carries_principle_message_and_suggestion() -> None:
    text = "Honestly, my boss takes credit for everything I do."
    (finding,) = [f for f in check(text).findings if f.rule.startswith("blame")]
    assert finding.principle == "P2"
    assert finding.excerpt == text[finding.start:finding.end] == "takes credit"
    assert "manager" in finding.message
    assert finding.suggestion


def test_inflections_cover_the_forms_a_person_types() -> None:
    assert {"micromanage", "micromanages", "micromanaged", "micromanaging", "micromanager"} <= inflections(
        "micromanage"
    )
    assert "rates" not in inflections("rat")
    for text in ("he micromanages", "she micromanaged us", "stop micromanaging", "a micromanager"):
        assert not check(text).ok, text


def test_matching_is_whole_word() -> None:
    # "rat" must not fire inside "rates", "hell" inside "hello", "idiot" inside "idiotproof"-like words.
    assert check("Our conversion rates grew 20% and I said hello to every customer.").ok


SPEECH_OK = " ".join(["I led our onboarding redesign and grew the team."] * 12)  # ~108 words


def test_spoken_length() -> None:
    assert "length.too_short" in {f.rule for f in check("I want to grow.").findings}
    assert not {f.rule for f in check(SPEECH_OK).findings} & {"length.too_short", "length.too_long"}
    long_report = check(" ".join([SPEECH_OK] * 2))  # ~216 words, ~86 s: still fine
    assert "length.too_long" not in {f.rule for f in long_report.findings}
    rambling = check(" ".join([SPEECH_OK] * 3))  # ~324 words, ~130 s
    (finding,) = [f for f in rambling.findings if f.rule == "length.rambling"]
    assert finding.severity == "error"


class TestFidelity:
    draft = "i've been a nurse for 6 years, trained 40 nurses on Epic, want to move to Denver"

    def test_facts_from_the_draft_pass(self) -> None:
        answer = "In my 6 years as a nurse I trained 40 nurses on Epic, and I am moving to Denver."
        assert check(answer, draft=self.draft).ok

    @pytest.mark.parametrize(
        "answer, excerpt",
        [
            ("In my 8 years as a nurse I trained 40 nurses on Epic.", "8"),
            ("I trained 40 nurses and saved $2M on Epic.", "$2M"),
            ("I grew patient scores by 30% in 6 years.", "30%"),
            ("I trained 40 nurses on Epic and Cerner.", "Cerner"),
            ("I trained forty nurses in twelve weeks.", "twelve"),
            ("Since March I have trained 40 nurses.", "March"),
        ],
    )
    def test_invented_facts_are_errors(self, answer: str, excerpt: str) -> None:
        report = check(answer, draft=self.draft)
        invented = [f.excerpt for f in report.errors if f.rule == "fidelity.invented"]
        assert excerpt in invented

    def test_context_counts_as_a_source(self) -> None:
        answer = "I trained 40 nurses on Epic and would love to bring that to Acme Health."
        assert not check(answer, draft=self.draft).ok
        assert check(answer, draft=self.draft, context=Context(company="Acme Health")).ok

    def test_number_words_match_digits(self) -> None:
        assert check("I trained forty nurses over six years.", draft=self.draft).ok

    def test_no_draft_no_fidelity_rule(self) -> None:
        assert check("I saved $9M.").ok


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_unicode_text_gives_valid_spans(text: str) -> None:
    report = check(text)
    for f in report.findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert f.excerpt == text[f.start:f.end]
        assert f.severity in ("error", "warning")
        assert f.principle in {f"P{i}" for i in range(1, 10)}


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(), st.text())
def test_fidelity_never_raises(text: str, draft: str) -> None:
    for f in check(text, draft=draft).findings:
        assert f.excerpt == text[f.start:f.end]


def test_deterministic_and_thread_safe() -> None:
    texts = [
        "my boss never listens and im sick of it",
        "I want to lead a team and grow my Python skills.",
        "they lied to us about the layoffs, its a circus",
    ] * 20
    expected = [check(t).findings for t in texts]
    results: list[list] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        results[slot] = [check(t).findings for t in texts]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        check(b"bytes")  # type: ignore[arg-type]


def test_vader_gate_skips_a_typical_positive_answer() -> None:
    from rewriter.validate.sentiment import can_be_negative

    assert not can_be_negative("I led our onboarding work and I'm keen to grow into a team lead role.")
    assert can_be_negative("It was not a good fit.")  # a negator can turn a positive word


def _vader_words(positive: bool) -> list[str]:
    from rewriter.validate.sentiment import analyzer

    return sorted(w for w, v in analyzer().lexicon.items() if w.isalpha() and (v > 0) == positive)


_FILLERS = ["the", "team", "and", "but", "very", "extremely", "I", "work", "WORK", "!", "?", "so"]


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_vader_words(True) + _FILLERS), min_size=1, max_size=12),
    st.lists(st.sampled_from(_vader_words(False) + ["not", "no", "never", "kind of", "least"]), max_size=2),
)
def test_vader_gate_only_skips_sentences_vader_scores_non_negative(words: list[str], risky: list[str]) -> None:
    """The validator skips VADER where no word could make its score negative; prove it
    on sentences of positive words (which it skips) with and without risky words mixed in."""
    from rewriter.validate.doc import Doc
    from rewriter.validate.sentiment import can_be_negative, compound, doc_can_be_negative

    sentence = " ".join(words[: len(words) // 2] + risky + words[len(words) // 2:])
    if not can_be_negative(sentence):
        assert compound(sentence) >= 0, sentence
    if not doc_can_be_negative(Doc(sentence).tokens, sentence):
        assert compound(sentence) >= 0, sentence


def test_compiled_lexicons_are_cached_and_stale_copies_pruned(tmp_path, monkeypatch) -> None:
    from rewriter.validate import diskcache

    monkeypatch.setenv("REWRITER_CACHE_DIR", str(tmp_path))
    source = tmp_path / "words.toml"
    source.write_text("a = 1\n")
    builds: list[int] = []

    def build() -> list[int]:
        builds.append(1)
        return [len(builds)]

    assert diskcache.cached("demo", [source], build) == [1]
    assert diskcache.cached("demo", [source], build) == [1]  # read back, not rebuilt
    assert len(builds) == 1
    source.write_text("a = 22\n")  # an edited source misses the cache
    assert diskcache.cached("demo", [source], build) == [2]
    assert len(list(tmp_path.glob("demo-*.pickle"))) == 1
    monkeypatch.setenv("REWRITER_CACHE_DIR", "")  # empty: no cache at all
    assert diskcache.cached("demo", [source], build) == [3]


# --- validator v2 (issue 10): aspect x evaluation, figurative, sarcasm, context ---

ASPECT_CASES = [
    # (text, rule, the two parts the finding's span must cover)
    ("the management is not good", "blame.employer", ("management", "not good")),
    ("there was a real lack of structure", "blame.employer", ("lack of", "structure")),
    ("zero appreciation for the weekend work", "complaint.support", ("zero", "appreciation")),
    ("my salary came two weeks late", "complaint.pay", ("salary", "late")),
    ("they backed out of the raise", "complaint.pay", ("backed out of", "raise")),
    ("the promotion process was arbitrary", "complaint.stagnation", ("promotion process", "arbitrary")),
    ("long working hours every week", "complaint.workload", ("long", "working hours")),
    ("communication there is sporadic", "blame.employer", ("communication", "sporadic")),
    ("they didn't pay enough", "complaint.pay", ("pay", "enough")),
    # round 2: an evaluation ending in a preposition reaches across a determiner; more negated positives
    ("I kept having problems with the management", "blame.employer", ("problems with", "management")),
    ("the leadership there is less than ideal", "blame.employer", ("leadership", "less than ideal")),
    ("the training could be better", "complaint.support", ("training", "could be better")),
    ("not the greatest communication across teams", "blame.employer", ("not the greatest", "communication")),
]


@pytest.mark.parametrize(("text", "rule", "parts"), ASPECT_CASES)
def test_aspect_paired_with_a_negative_evaluation(text: str, rule: str, parts: tuple[str, str]) -> None:
    found = [f for f in check(text).errors if f.rule == rule]
    assert found, [(f.rule, f.excerpt) for f in check(text).findings]
    assert all(part in found[0].excerpt for part in parts), found[0].excerpt
    assert parts[0] in found[0].message or parts[1] in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "the pay is not bad at all",  # a negated negative
        "I have no complaints about the pay or the hours",  # a concession
        "the culture was not the right fit for me",  # diplomatic
        "the job was not a good fit for me",
        "great benefits and a flexible schedule",
        "no overtime to speak of, and good pay",  # the negator is about something else
        "I raised concerns about the schedule early and we fixed it",
        # round 2: the adjective judges the noun after it, and words in another sense
        "Management made the difficult decision to close our site in March.",
        "My manager supported me through a difficult time at home.",
        "I learned to pay close attention to every order before it ships.",
        "Years of night classes finally paid off when I passed the exam.",
    ],
)
def test_aspect_rule_leaves_fair_sentences_alone(text: str) -> None:
    assert check(text).ok, [(f.rule, f.excerpt) for f in check(text).errors]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("honestly it was a clown car", "figurative.chaos"),
        ("it is the blind leading the blind", "figurative.chaos"),
        ("the office felt like a pressure cooker", "figurative.pressure"),
        ("my supervisor is the devil", "figurative.people"),
        ("let's just say we had different ideas", "sarcasm.marker"),
        ("it was a very... interesting culture", "sarcasm.marker"),
        ("I learned a lot about how not to run a team", "sarcasm.marker"),
        ("I want somewhere that actually values its people", "sarcasm.marker"),
        ("honestly anywhere would be better", "sarcasm.marker"),
        ("they never saw my worth", "blame.they"),
        ("I didn't like the people I worked with", "complaint.dislike"),
        ("it used to be a great place and now it has gone downhill", "complaint.decline"),
        ("I wanted to slap her every morning", "overshare.violence"),
        # a goal does not excuse pay or blame told as its contrast
        ("I want to grow rather than stay underpaid", "complaint.pay"),
        ("The work was constantly firefighting and I want something calmer", "complaint.workload"),
    ],
)
def test_figurative_sarcastic_and_plain_grievances_are_errors(text: str, rule: str) -> None:
    assert rule in {f.rule for f in check(text).errors}, [(f.rule, f.excerpt) for f in check(text).findings]


@pytest.mark.parametrize(
    "text",
    [
        "Our office closed and my role was one of 40 cut.",
        "We lost our largest client and the team was reduced.",
        "My manager and I disagreed and I was let go; I learned to raise concerns early.",
        "The company had to cut costs and restructure after a difficult quarter.",
        "It was a reasonable decision for them, but not for me.",
        "My role no longer matches my goals.",
        "I ran the warehouse for three years with zero accidents.",
        "I grew catering from nothing to a steady line of revenue.",
        # From the offline engine's drafts: facts the engine must be able to keep.
        "I cut unplanned downtime 22% last year.",
        "Our little design agency got acquired by one of the big networks last fall.",
        "I'm doing the CompTIA A+ right now.",
        # round 2: the work named only as the contrast to a goal stated first
        "I'm looking for a team with steady processes where I can plan ahead, rather than constantly firefighting.",
        "The team is always open to new ideas.",
    ],
)
def test_plain_facts_and_diplomatic_reasons_pass(text: str) -> None:
    """The fixed VADER cut-off flagged layoffs told plainly; the head weighs the context."""
    assert check(text).ok, [(f.rule, f.excerpt) for f in check(text).errors]


@pytest.mark.parametrize(
    ("text", "rule", "fires"),
    [
        ("This kind of work is what I enjoy most.", "vague.hedge", False),
        ("I kind of want to lead.", "vague.hedge", True),
        ("I'm finishing the courses to earn my MBA.", "money.headline", False),
        ("I want to earn more.", "money.headline", True),
        ("I helped raise reading scores across the school.", "money.headline", False),
        ("I never got a raise.", "money.headline", True),
        ("Our canteen has cheap snacks and good coffee.", "blame.workplace", False),
        ("It just wasn't for me.", "vague.stock", True),
        ("After my divorce I moved closer to family.", "discretion.family", True),
        ("I had no childcare for the late shifts.", "discretion.family", True),
        ("I don't have a car and the site moved out of town.", "discretion.transport", True),
        ("I was arrested last spring.", "discretion.legal", True),
        ("My dad made me quit to help at his shop.", "discretion.family", True),
    ],
)
def test_warnings_a_coach_would_agree_with(text: str, rule: str, fires: bool) -> None:
    findings = check(text).findings
    assert (rule in {f.rule for f in findings}) is fires, [(f.rule, f.excerpt) for f in findings]


def test_a_recommended_answer_of_45_words_is_not_too_short() -> None:
    answer = ("I've learned a lot in my three years on the support team, and I've grown into training "
              "new hires. I'm ready for a role with more ownership of onboarding, which is exactly what "
              "this position offers, and I'd love to bring that experience here.")
    assert 40 <= len(answer.split()) <= 50
    assert "length.too_short" not in {f.rule for f in check(answer).findings}


def test_head_weights_match_the_features_and_only_shift_context() -> None:
    from rewriter.validate.head import FEATURES, head

    data = head()
    assert tuple(data["features"]) == FEATURES
    weights = data["weights"]
    # Sanity of the fit, not its exact numbers: more negative VADER, more likely flagged;
    # a plainly told hard fact and a look ahead, less.
    assert weights["compound"] < 0 < weights["neg"]
    assert weights["neutral_fact"] < 0
    assert weights["first_person"] < 0


def test_head_skips_vader_where_it_cannot_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    import rewriter.validate.head as head_module

    calls: list[str] = []
    original = head_module.vader_scores
    monkeypatch.setattr(head_module, "vader_scores", lambda s: calls.append(s) or original(s))
    check("I led our onboarding work and I'm keen to grow into a team lead role.")
    assert calls == []
    check("Too many meetings and nothing ever gets decided.")
    assert calls
