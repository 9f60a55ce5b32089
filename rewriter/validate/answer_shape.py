"""Is the text an answer at all? Five cheap checks of its shape, on every engine and in `check`.

A real but tiny model, constrained to rewriter's schema, put the interview question itself
in the "answer" field; scripted servers showed a question back ("What would you like me to
say?") and a third-person summary ("The candidate is leaving because..."). None of these
is negative, so the sentiment and phrase rules let them through. Each check here is an
error with its own suggestion, which is also the line the model gets on a re-ask:

- answer.question          it asks instead of answering (opens with a question, or asks back)
- answer.not_first_person  nobody says "I": a summary about the speaker, not their words
- answer.template_blank    blanks left to fill in: [Company], <role>, {title}, XYZ, ____
- answer.restates_question it repeats "Why are you leaving your current job?" back
- answer.too_short         fewer words than any spoken answer has

Standard library only, and nothing compiled that a clean answer does not need:
`rewriter check` start-up is benchmarked.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache

from ..models import Finding
from .doc import Doc

PRINCIPLE = "P8"  # a short, spoken answer to the question asked
MIN_WORDS = 15  # about six seconds spoken; "I want to grow." is not an answer yet

_FIRST_PERSON = frozenset("i im ive id ill me my mine myself".split())
# Tokens are normalised without apostrophes ("i'm" -> "im"): see validate.lexicon.normalise.

# The patterns are compiled on first need, and each is tried only when a cheap test on the
# tokens or characters says it could match: a clean answer pays for almost none of them.
_PATTERNS = {
    # someone else's story: "the candidate is leaving", "she wants to move on"
    "about_someone": (
        r"\b(?:the|this|our) (?:candidate|applicant|job seeker|jobseeker|employee|user|speaker|interviewee"
        r"|individual)\b"
        r"|\b(?:he|she|they) (?:is|are|was|were|has|have|wants?|feels?) (?:leaving|looking|ready|seeking|moving)\b"
    ),
    # asking the asker: a model that wants instructions instead of giving the answer
    "asks_back": (
        r"\b(?:would|do|did) you (?:like|want|prefer)\b|\b(?:can|could) you (?:tell|give|share|provide|clarify"
        r"|explain)\b|\bshould I\b|\bwhat (?:would|do) you\b|\b(?:tell|let) me (?:know|more)\b|\bhow can I help\b"
    ),
    # blanks of a template; redaction placeholders ([EMAIL_1], [NAME_2]) are not blanks:
    # the pipeline puts them in and restores them
    "blank": (
        r"\[(?!(?:EMAIL|PHONE|URL|NAME)_\d+\])[^\[\]\n]{1,40}\]"  # [Company], [Your Name], [insert role]
        r"|<(?!/?(?:b|i|em|strong)>)[A-Za-z][\w '-]{0,30}>"  # <role>, <company name>
        r"|\{\{?\s*[A-Za-z_][\w ]{0,30}\}\}?"  # {company}, {{ role }}
        r"|\b(?:XYZ|ABC (?:Company|Corp|Inc)|Company [XYZ])\b"
        r"|_{3,}|\.{5,}"  # ____, .....
    ),
    # talk about the question or the answer instead of one ("To answer your question, I..." is an answer)
    "meta": (
        r"\b(?:the|this|your|that) (?:interview )?question (?:is|was|asks|you asked)\b"
        r"|\b(?:the|this) interview question\b|\b(?:my|this|the) answer (?:is|would be|will be)\b"
        r"|\byou(?:'ve| have) been told\b|\bhere is (?:my|an|the|a) (?:answer|response)\b"
    ),
    "question_segment": r"[^.!?\n]+\?",
}
_CASE_SENSITIVE = frozenset({"blank", "question_segment"})
_ABOUT_WORDS = frozenset("candidate applicant seeker jobseeker employee user speaker interviewee individual "
                         "he she they".split())
_META_WORDS = frozenset("question answer told response".split())
_BLANK_MARKS = ("[", "<", "{", "___", ".....", "XYZ", "ABC ", "Company ")


@cache
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(_PATTERNS[name], 0 if name in _CASE_SENSITIVE else re.I)


# The interview question's words, and the words that only frame or echo it.
_QUESTION_WORDS = frozenset(
    "why are you am i leaving leave your my current present job role position company employer "
    "the a this is what reason reasons me asked ask asking question you've youre im so well "
    "do did would want to know about".split()
)
_LEAVING = ("leav", "quit", "mov")


def answer_shape(doc: Doc) -> Iterator[Finding]:
    """P8: an answer, in the speaker's own voice, of a length someone says out loud."""
    text = doc.text
    tokens = doc.tokens
    if not tokens:
        return
    from .rules import language  # (rules registers this module)

    if any(True for _ in language(doc)):
        return  # the checks know English only: the language warning says so instead
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    words = set(tokens)

    # One finding about what kind of text this is, the most telling first: they often
    # coincide (the question echoed is also a question, and has no "I").
    asked_back = _question(doc, back_only=True)
    if asked_back is None and (restated := _restated(doc, words)):
        yield _finding("answer.restates_question", *restated, text,
                       "This repeats (or talks about) the interview question instead of answering it.",
                       "Do not repeat the question: answer it, starting with what you have learned "
                       "and what you want next.")
    elif question := asked_back or _question(doc):
        yield _finding("answer.question", *question, text,
                       "This asks a question instead of answering one: the interviewer asked you.",
                       "Answer in statements, in your own voice; ask nothing back.")
    elif (someone := _about_someone(text, words)) or _FIRST_PERSON.isdisjoint(words):
        s, e = someone.span() if someone else (start, end)
        yield _finding("answer.not_first_person", s, e, text,
                       "This talks about the speaker instead of speaking as them: nobody says \"I\".",
                       "Write it as the speaker says it, in the first person: "
                       "\"I have learned...\", \"I'm ready for...\".")

    blanks = _pattern("blank").finditer(text) if any(mark in text for mark in _BLANK_MARKS) else ()
    for m in blanks:
        yield _finding("answer.template_blank", *m.span(), text,
                       f"A blank left to fill in ({m.group()}) is not something anyone says in an interview.",
                       "Use only names and facts from the draft and the context, or leave the detail out; "
                       "never a placeholder.")

    if len(tokens) < MIN_WORDS:
        yield _finding("answer.too_short", start, max(start, end), text,
                       f"At {len(tokens)} words, this is too short to be a spoken answer.",
                       "Give a full spoken answer of about the length asked: what you learned, what you want next, "
                       "and why this role.")


def _finding(rule: str, start: int, end: int, text: str, message: str, suggestion: str) -> Finding:
    return Finding(rule, PRINCIPLE, "error", start, end, text[start:end], message, suggestion)


def _about_someone(text: str, words: set[str]) -> re.Match[str] | None:
    return _pattern("about_someone").search(text) if not _ABOUT_WORDS.isdisjoint(words) else None


def _tokens_between(doc: Doc, start: int, end: int) -> list[str]:
    starts = [s for s, _ in doc.spans]
    return doc.tokens[bisect_left(starts, start):bisect_left(starts, end)]


def _restated(doc: Doc, words: set[str]) -> tuple[int, int] | None:
    """The first sentence or question that is the interview question again ("Why you're leaving
    your current job?", "you asked why I am leaving"), or that talks about the question itself."""
    text = doc.text
    meta = _pattern("meta").search(text) if not _META_WORDS.isdisjoint(words) else None
    if "why" not in words or not any(stem in text.lower() for stem in _LEAVING):  # substring tests: cheap
        return meta.span() if meta else None
    # Sentences, and questions glued to what follows ("...job?: You've been told"), which
    # the sentence splitter keeps whole.
    segments = list(doc.sentences)
    if "?" in text:
        segments += [m.span() for m in _pattern("question_segment").finditer(text)]
    for start, end in sorted(segments):
        said = _tokens_between(doc, start, end)
        if "why" not in said or not any(w.startswith(_LEAVING) for w in said):
            continue
        echo = sum(w in _QUESTION_WORDS or w.startswith(_LEAVING) for w in said)
        if echo >= 0.8 * len(said):
            return _trimmed(text, start, end)
    return meta.span() if meta else None


def _question(doc: Doc, back_only: bool = False) -> tuple[int, int] | None:
    """An answer that opens with a question, or asks the asker anything (back_only: only that)."""
    text = doc.text
    if "?" not in text:
        return None
    for index, (start, end) in enumerate(doc.sentences):
        sentence = text[start:end].rstrip()
        if not sentence.endswith("?"):
            continue
        if (index == 0 and not back_only) or _pattern("asks_back").search(sentence):
            return _trimmed(text, start, end)
    return None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    excerpt = text[start:end]
    return start + len(excerpt) - len(excerpt.lstrip()), end - (len(excerpt) - len(excerpt.rstrip()))
