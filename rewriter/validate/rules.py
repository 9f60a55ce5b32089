"""The validator's rules: small functions over a Doc, each yielding Findings.

Adding a rule is adding a function here (and usually a line in a lexicon file),
then listing it in RULES.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from ..models import Finding
from .answer_shape import answer_shape
from .aspects import aspect_evaluations
from .doc import Doc
from .lexicon import load
from .phrases import lexicon_findings, matches_in, meta, negated

Rule = Callable[[Doc], Iterable[Finding]]

WORDS_PER_MINUTE = 150
# The floor is low on purpose: the answers career coaches recommend run 40 to 70 words
# (16 to 28 seconds), and a coach would not call them too short. A one-liner is.
SHORTEST_SECONDS, LONGEST_SECONDS, RAMBLING_SECONDS = 15, 90, 120


def lexicon_rules(doc: Doc) -> Iterator[Finding]:
    """Every rule declared in rewriter/lexicons/*.toml: criticism (P2), complaints (P4),
    insults (P2), desperation (P9), sarcasm (P1), discretion (P7, warnings), clichés
    and hedges (P3/P1, warnings), money as the headline (P4, warning)."""
    yield from lexicon_findings(doc)


# A short phrase in quotes that nobody is quoted as saying: "unlimited PTO".
_SCARE_QUOTES = re.compile(r'(?<![\w])["“]([^"“”\n]{2,40})["”]')
_REPORTED_SPEECH = re.compile(
    r"\b(?:say|says|said|saying|told|tell|tells|asked|ask|called|call|wrote|titled|named)\W*$", re.I)


def scare_quotes(doc: Doc) -> Iterator[Finding]:
    """P1: scare quotes around the employer's own words ("unlimited PTO") read as sarcasm."""
    text = doc.text
    if '"' not in text and "“" not in text:
        return
    m_data = meta("sarcasm")
    for m in _SCARE_QUOTES.finditer(text):
        words = m.group(1).split()
        if not 1 <= len(words) <= 4 or _REPORTED_SPEECH.search(text[max(0, m.start() - 20):m.start()]):
            continue
        if len(words) >= 3 and all(w[:1].isupper() for w in words if w.isalpha()):
            continue  # "Do The Right Thing": a title or a motto, not a sneer
        yield Finding(
            "sarcasm.scare_quotes", m_data["principle"], m_data["severity"], m.start(), m.end(),
            m.group(), "Scare quotes around the employer's words read as sarcasm.",
            m_data["suggestion"],
        )


def spoken_length(doc: Doc) -> Iterator[Finding]:
    """Spoken at about 150 words a minute, an answer should last 15 to 90 seconds."""
    words = len(doc.tokens)
    if not words:
        return
    seconds = words * 60 / WORDS_PER_MINUTE
    if seconds < SHORTEST_SECONDS:
        # The whole answer, trimmed (without computing token offsets, which a short
        # clean answer otherwise never needs).
        text = doc.text
        start, end = len(text) - len(text.lstrip()), len(text.rstrip())
        yield Finding(
            "length.too_short", "P8", "warning", start, end, doc.text[start:end],
            f"About {seconds:.0f} seconds spoken: too short to show growth and fit.",
            "Add what you accomplished and what draws you to the new role (15 to 90 seconds).",
        )
        return
    if seconds <= LONGEST_SECONDS:
        return
    # The span starts at the word where the answer runs past 90 seconds.
    cut = LONGEST_SECONDS * WORDS_PER_MINUTE // 60
    start, end = doc.spans[cut][0], doc.spans[-1][1]
    rambling = seconds > RAMBLING_SECONDS
    yield Finding(
        "length.rambling" if rambling else "length.too_long",
        "P8",
        "error" if rambling else "warning",
        start,
        end,
        doc.text[start:end],
        f"About {seconds:.0f} seconds spoken: "
        + ("well past two minutes, the interviewer stops listening." if rambling
           else "longer than the 90 seconds an interviewer expects."),
        "Keep one reason, one accomplishment and your interest in the role; cut the rest.",
    )


# Complaints a later "...and I learned to..." turns into a growth story. Blame of a
# named person and insults stay reported whatever follows them. A pivots.toml section
# may name the rules it softens (`softens`); these are the default.
_SOFTENED_BY_LEARNING = ("complaint.", "blame.workplace", "desperation.", "sentiment.")


def told_as_learning(doc: Doc, findings: list[Finding]) -> list[Finding]:
    """P7/P4: drop complaints that the same sentence goes on to tell as learning, or
    (for routine) as the wish to grow ("my work has become repetitive and I want to stretch")."""
    if not findings or "pivots" not in doc.matches:
        return findings
    sections = load("pivots")
    last_pivot: dict[tuple[int, tuple[str, ...]], int] = {}
    for first, _, group in matches_in(doc, "pivots"):
        if negated(doc, first):
            continue  # "nobody helped me" is no lesson
        softens = tuple(sections[group].get("softens", _SOFTENED_BY_LEARNING))
        last_pivot[doc.token_sentence(first), softens] = first
    # Pivots grouped by sentence, so each finding looks only at its own sentence's pivots
    # (walking every pivot for every finding made long texts quadratic).
    by_sentence: dict[int, list[tuple[tuple[str, ...], int]]] = {}
    for (s, softens), first in last_pivot.items():
        by_sentence.setdefault(s, []).append((softens, first))
    kept = []
    for f in findings:
        if not any(
            f.rule.startswith(softens)
            # A sentence-wide finding is softened by a pivot anywhere in its sentence.
            and (f.rule.startswith("sentiment.") or doc.spans[first][0] >= f.end)
            for softens, first in by_sentence.get(doc.sentence_index(f.start), ())
        ):
            kept.append(f)
    return kept


_CONTRAST = ("rather than", "instead of")
# What the work was like, which a goal can be set against; pay, people and feelings
# told as the contrast ("rather than being underpaid") stay complaints.
_CONTRASTABLE = ("complaint.workload", "complaint.routine", "complaint.stagnation")


def contrasted_with_goal(doc: Doc, findings: list[Finding]) -> list[Finding]:
    """P8: a complaint named only as the contrast to a goal stated first in the same
    sentence ("I'm looking for a structured team where I can deliver, rather than
    constantly firefighting") is the goal's other side, not a grievance. Only what the
    work was like: blame, insults and pay stay reported wherever they stand."""
    if not any(f.rule.startswith(_CONTRASTABLE) for f in findings):
        return findings
    text = doc.text.lower()
    goals = {doc.token_sentence(first): doc.spans[first][0]
             for first, _, group in matches_in(doc, "context") if group == "forward"}
    if not goals:
        return findings
    kept = []
    for f in findings:
        if f.rule.startswith(_CONTRASTABLE) and f.severity == "error":
            sentence = doc.sentence_index(f.start)
            goal_at = goals.get(sentence)
            if goal_at is not None:
                s_start, _ = doc.sentences[sentence]
                before = text[max(goal_at, s_start):f.start]
                if any(c in before for c in _CONTRAST) and goal_at < f.start:
                    continue
        kept.append(f)
    return kept


# Common English words (normalised: no apostrophes). Words other languages spell the
# same way and use a lot ("a", "me", "no", "on", "in", "die", "was", "son") are left
# out. An English text of 8 words or more has several of them; a French, German or
# Chinese one almost none.
_ENGLISH = frozenset(
    "the and of to i my is are be been being have has had do does did not it its that this "
    "these those with for from at by an or but if so because about into over after before "
    "than then there their they them we our us you your he she his her him who what which "
    "when where why how all any some more most very just also only every each other out up "
    "im ive id dont doesnt didnt cant wont isnt thats theyre were would could should will "
    "can want need get got make makes made keep take takes give going feel think know like years "
    "always never still even much many way time day pay extra "
    "work working job team boss manager company".split()
)
# Endings of English words, for terse texts with few function words ("underpaid,
# overworked, burned out"; "leadership plays politics instead of fixing problems").
_ENGLISH_ENDINGS = ("ed", "ing", "ly", "tion", "ness", "ship", "ment", "ful", "less", "ity")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def language(doc: Doc, _none: tuple[Finding, ...] = (), _disjoint: Callable[..., bool] = _ENGLISH.isdisjoint
             ) -> Iterable[Finding]:
    """P1: the checks know English only; say so rather than pass a text silently."""
    # A plain function, not a generator: it runs on every check and almost always
    # decides in two comparisons that the text is English (or too short to tell).
    tokens = doc.tokens
    if len(tokens) < 8:
        if len(doc.text) < 20 or doc.text.isascii():
            return _none
    else:
        # An English word in each half (isdisjoint stops at the first hit): cheaper
        # than counting, and the rare text that fails it is counted properly below.
        half = len(tokens) // 2
        if not _disjoint(tokens[:half]) and not _disjoint(tokens[half:]):
            return _none
    return _not_english(doc)


def _not_english(doc: Doc) -> Iterator[Finding]:
    tokens, text = doc.tokens, doc.text
    if text.isascii():
        latin, other = 1, 0
    else:
        latin = len(_LATIN_LETTER.findall(text))
        other = sum(c.isalpha() for c in text) - latin  # letters of other scripts, accented ones
    if other > latin:  # Chinese, Russian, Arabic, Hindi...: mostly non-Latin letters
        if other < 20 and len(tokens) < 8:
            return
    else:
        # Numbers ("14", "52k") are no language: judge the words alone, and a text of few
        # words ("teacher. 14 yrs. $52k. 32 kids in a class.") is too short to tell.
        words = [t for t in tokens if t.isalpha()]
        if len(words) < 8:
            return
        known = sum(t in _ENGLISH for t in words)
        if known >= 2 or known + sum(t.endswith(_ENGLISH_ENDINGS) for t in words) >= 0.3 * len(words):
            return
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    yield Finding(
        "language.unsupported", "P1", "warning", start, end, text[start:end],
        "This does not read as English: the checks know English only, so problems here go unreported.",
        "Write the answer in English to have it checked, or have a fluent speaker review it.",
    )


RULES: tuple[Rule, ...] = (lexicon_rules, aspect_evaluations, scare_quotes, spoken_length, language, answer_shape)
