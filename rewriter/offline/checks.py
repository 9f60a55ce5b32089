"""The engine's own structural checks of an answer, next to the validator's.

An answer can pass every sentiment rule and still be broken: a fragment, a number with
nothing to count, the same five words twice, a complaint from the draft said again, a
situation the draft never gave, a fact from the draft dropped. Each is an error
Finding, so an offline answer is never reported clean when it is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..models import Context, Finding
from .lexicon import load
from .reader import Reading
from .text import fold
from .writer import ngrams

_TOKEN = re.compile(r"[A-Za-z0-9']+")
_SENT = re.compile(r"\S.*?(?:[.!?]+(?=\s|$)|$)", re.S)  # a stop inside "99.2%" or "$2.1M" does not end it
_DANGLING = re.compile(
    r"\b(?:and|or|but|the|an|my|our|I'm|I've|because|which)\s*[.!?]$|(?:^|\s)(?:a|I)\s*[.!?]$")
_NUMBER = re.compile(r"(?<![\w.$])\$?\d[\d,.]*(?:%|k|m|\+)?")
_EMOJI = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff]")
# Words that make a sentence a sentence: auxiliaries, common verbs, and (below) verb endings.
_VERBS = frozenset(
    "am is are was were be been have has had do does did can will would i'm i've i'd it's that's there's we're "
    "here's want need like love take make run ran grew built led cut hit took made won got get know keep kept "
    "bring brought give gave set sold wrote taught drove work fit stand hold held learn learnt lead own go went "
    "see feel think enjoy care help pick put start say let leave join move stay grow show meet handle manage "
    "teach train build deliver apply ship close plan spend spent thank appreciate contribute happy ready glad "
    "proud excited eager simply version look looking isn't aren't focus fell began became came left lost found "
    "told said felt met paid bought thought caught rose ran did sent spoke chose drew flew knew threw wore broke "
    "woke rode hid fed read".split()
)
_VERB_ENDINGS = ("ed", "s")


def _has_verb(sentence: str) -> bool:
    for word in _TOKEN.findall(sentence.lower()):
        if word in _VERBS or (len(word) > 3 and word.endswith(_VERB_ENDINGS)):
            return True
    return False


def _finding(rule: str, principle: str, start: int, end: int, text: str, message: str, suggestion: str) -> Finding:
    return Finding(rule, principle, "error", start, end, text[start:end], message, suggestion)


def structural(answer: str, reading: Reading, draft: str, context: Context | None = None) -> list[Finding]:
    return [
        *fragments(answer),
        *orphan_numbers(answer),
        *repeated_runs(answer),
        *complaints_kept(answer, reading),
        *unsupported_situations(_without(answer, context), reading),
        *missing_facts(answer, reading, draft),
    ]


def _without(answer: str, context: Context | None) -> str:
    """The answer with the user's own role and company blanked ("Medway Health" is a name)."""
    for name in (context.role, context.company) if context else ():
        if name:
            answer = answer.replace(name, " " * len(name))
    return answer


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    for m in _SENT.finditer(text):
        yield m.start(), m.end()


def fragments(answer: str) -> Iterator[Finding]:
    """Sentences a person would not say: no verb, cut off, unbalanced, with emoji."""
    for s, e in _sentences(answer):
        sentence = answer[s:e]
        n = len(sentence.split())
        broken = (
            not _has_verb(sentence)
            or _DANGLING.search(sentence)
            or sentence.count("(") != sentence.count(")")
            or sentence.count('"') % 2
            or _EMOJI.search(sentence)
        )
        if broken:
            yield _finding("offline.fragment", "P8", s, e, answer, "This sentence is a fragment, not something a person says.",
                           "Say it as a full sentence, or leave it out.")


def orphan_numbers(answer: str) -> Iterator[Finding]:
    """A number with nothing to count: "A few highlights: 12." """
    for m in _NUMBER.finditer(answer):
        before = answer[max(0, m.start() - 3): m.start()]
        after = answer[m.end(): m.end() + 2]
        alone = (":" in before or before.strip() == "" and m.start() == 0) and re.match(r"^\s*[.!?]?\s*$|^[.!?]", after or ".")
        if alone:
            yield _finding("offline.orphan_number", "P5", m.start(), m.end(), answer,
                           "A number on its own, with nothing to say what it counts.",
                           "Keep the number with what it measures.")


def repeated_runs(answer: str) -> Iterator[Finding]:
    """The same five words twice reads as stacked stock sentences."""
    matches = list(_TOKEN.finditer(answer))
    low = [m.group().lower() for m in matches]
    seen: dict[tuple[str, ...], int] = {}
    for i, gram in enumerate(zip(low, low[1:], low[2:], low[3:], low[4:])):
        first = seen.setdefault(gram, i)
        if first + 5 <= i:
            yield _finding("offline.repeated", "P8", matches[i].start(), matches[i + 4].end(), answer,
                           "These five words were already said earlier in the answer.", "Say it once.")
            return


def complaints_kept(answer: str, reading: Reading) -> Iterator[Finding]:
    """A complaint clause of the draft carried into the answer (five words or the whole)."""
    low = fold(answer)
    grams = ngrams(answer)
    for slot in reading.slots.values():  # a slot salvaged from a complaint is a fact, said neutrally
        grams -= ngrams(slot)
    for c in reading.clauses:
        if c.kind != "complaint":
            continue
        f = fold(c.text).strip(" .,")
        salvaged = [k for k in reading.facts_kept if k and k != c.text and k in c.text]
        pieces = re.split("|".join(map(re.escape, salvaged)), c.text) if salvaged else [c.text]
        hit = (len(f.split()) >= 3 and f in low) or any(ngrams(p) & grams for p in pieces)
        if hit:
            pos = low.find(f) if f in low else 0
            end = pos + len(f) if f in low else len(answer)
            yield _finding("offline.complaint_kept", "P4", pos, min(end, len(answer)), answer,
                           f"A complaint from the draft is still here: \"{c.text}\".",
                           "Leave the complaint out; say what you want next instead.")


def unsupported_situations(answer: str, reading: Reading) -> Iterator[Finding]:
    """The answer claims a situation (a layoff, a move, a contract) the draft never gave."""
    lex = load()
    claimed: dict[str, re.Match[str]] = {}
    for m in lex.any_assert.finditer(answer):  # one pass finds the claims; an anchored match says whose
        for reason in lex.reasons:
            if reason.asserts is not None and reason.id not in claimed and (hit := reason.asserts.match(answer, m.start())):
                claimed[reason.id] = hit
    for reason in lex.reasons:
        m = claimed.get(reason.id)
        if m is None or reason.id in reading.reasons:
            continue
        if not _in_user_words(m.start(), m.end(), answer, reading):
            yield _finding("offline.unsupported", "P5", m.start(), m.end(), answer,
                           f"The answer speaks of {reason.label}, which the draft never mentions.",
                           "Say only what the draft supports.")
    if reading.ended and (m := re.search(r"\bmy current (?:role|job|position)\b|\bcurrently\b", answer, re.I)):
        yield _finding("offline.unsupported", "P5", m.start(), m.end(), answer,
                       "The draft says this job has ended; the answer speaks of it as current.",
                       "Speak of your last role.")


def _in_user_words(start: int, end: int, answer: str, reading: Reading) -> bool:
    """The user's own kept sentence may use the word ("I ran the office 365 migration")."""
    for kept in [*reading.identity, *reading.facts, *reading.desires, *sum(reading.situations.values(), [])]:
        pos = answer.find(kept.rstrip("."))
        if pos >= 0 and pos <= start and end <= pos + len(kept):
            return True
    return False


_FACT_TOKEN = re.compile(r"\$?\d[\d,.]*(?:%|k|m|\+)?|\b[A-Z][A-Za-z0-9&+/-]*[A-Z0-9][A-Za-z0-9&+/-]*\b")


def missing_facts(answer: str, reading: Reading, draft: str) -> Iterator[Finding]:
    """Numbers and names from the speaker's kept clauses that the answer dropped."""
    said = answer  # written from the normalised draft already
    for c in reading.clauses:
        if c.kind not in {"fact", "desire"}:
            continue
        for m in _FACT_TOKEN.finditer(c.text):
            token = m.group().rstrip(".,")
            if token and token not in said:
                yield _finding("offline.fact_missing", "P5", 0, 0, answer,
                               f"\"{token}\" from the draft is missing from the answer.",
                               "Keep every number and name you gave.")
                break
