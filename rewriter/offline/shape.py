"""Is a sentence built from the draft still a sentence, or a clause pasted into a frame?

The answer may carry the user's words only as typed values (a title, a tenure, a tool,
a number with its unit). A frame such as "I've worked in ..." or "I'm a ..." followed by
a pronoun, a finite verb or someone else's clause is a splice ("I've worked in he's 45",
"I'm a manager reads my slack dms"): the writer drops such a sentence, and the engine's
structural check reports one if it ever reaches an answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

# After a preposition or an article a noun phrase must follow, never one of these.
_FRAME_WORDS = frozenset("in with after of a an at the".split())  # "as they grow" is a conjunction
_NOT_A_NOUN = frozenset(
    "he she they i i'm im i've ive i'd we we're you he's she's they're it's its someone somebody nobody everyone "
    "everybody get gets got is are was were do does did has have had can't won't don't didn't doesn't isn't wasn't "
    "can will would should could".split()
)
_JOINERS = frozenset("in with after of at for as".split())
_CLAUSE_STARTS = frozenset("before since when because while behind".split())
_PAIRS = frozenset({("as", "of"), ("in", "for"), ("for", "in"), ("for", "at"), ("for", "with"), ("as", "at"), ("as", "with"), ("of", "at"), ("at", "for")})
# Someone else's clause kept whole: the speaker never talks about third parties in a fact.
# (An organisation's "they" is allowed: "they're consolidating into Atlanta" is a fact the speaker can say.)
_THIRD_PERSON = frozenset("he she him his her he's she's someone someone's somebody nobody everyone everybody".split())
# What "I've worked in ..." may be followed by: a field, a unit, a specialty; never a count of people or a
# stretch of time ("3 ICU nurses for 12 patients", "1 hour 40 minutes on the 405", "6 days on").
_NOT_A_FIELD = re.compile(
    r"\b(?:nurses?|patients?|people|kids|staff|techs?|hours?|minutes?|mins?|days?|weeks?|months?|years?|yrs?|"
    r"shifts?|times?|ratio)\b|\b\w{3,}ed\b", re.I)
_TITLE_THEN_VERB = re.compile(
    r"\bI(?:'m| am|'ve been) (?:a|an) [\w/-]+(?: [\w/-]+)? (?:\w+s|\w+ed) (?:the|my|me|us|our|his|her|their|them|him)\b", re.I)
# "I'm an owner shut the shop": someone else's act pasted after "I'm a"; a boss word then a verb, never a title.
_BOSS_THEN_VERB = re.compile(
    r"\bI(?:'m| am) (?:a|an|the) (?:new )?(?:owner|manager|mgr|boss|supervisor|director|vp|ceo|cto|head|gm|dm)"
    r" (?!(?:at|of|for|in|on|with|and|who|that|to|from|since|over)\b)[a-z]+\b")
# "behind the bar = I know people": a note typed in symbols is no spoken sentence.
_SYMBOL_SPEECH = re.compile(r"\s(?:=|->|=>|<-|>>)\s")
# Raw feelings and complaints that no reframe makes sayable when kept word for word.
# Private matters never named in an interview (P6): a diagnosis, a pregnancy, a divorce, an age.
PRIVATE = re.compile(
    r"\b(?:diagnos\w*|cancer|chemo\w*|tumou?r|stage \d|(?-i:MS)(?! (?:Office|Excel|Word|Project|Teams|Access|SQL|[Dd]egree|in\b))|adhd|autis\w*|diabet\w*|depress\w*|anxiety|ptsd|bipolar|"
    r"pregnan\w*|miscarr\w*|ivf|divorc\w*|custody|dementia|alzheimer'?s|parkinson'?s|surgery|rehab|therapy|"
    r"medical leave|disabilit\w*|i'm \d{2}|at \d{2}(?= ?(?:years old|yo|$|[.,]))|since i was \d+)\b"
    r"(?! (?:study|studies|research|trial|trials|program|clinic|unit|ward|patients|education|care|center|centre|team))", re.I)
_RAW = re.compile(r"\b(?:treated like|scared|afraid|terrified|hate|sick of|fed up|a joke|suspect|toxic|"
                  r"die on my|burn(?:ed|t) out|miserable|can't stand|screw|crap|bs|more than me|would've|should've|unfair|"
                  r"ridiculous|insane|stupid|idiot\w*|lazy|useless|in (?:an )?interviews?|on me|anyway|open[- ]plan|missed my)\b", re.I)
_TOKEN = re.compile(r"[a-z0-9']+")


_CASED_TOKEN = re.compile(r"[A-Za-z0-9']+")


def _tokens(sentence: str) -> list[str]:
    """Lower-cased tokens; "IT" (the field) stays itself, never the pronoun."""
    return [t if t == "IT" else t.lower() for t in _CASED_TOKEN.findall(sentence.replace("\u2019", "'"))]


@lru_cache(maxsize=8192)  # template wordings repeat across drafts
def splice_at(sentence: str) -> int:
    """Index of the token where a frame meets a clause, or -1 when the sentence reads as one."""
    if _TITLE_THEN_VERB.search(sentence) or _BOSS_THEN_VERB.search(sentence) or _SYMBOL_SPEECH.search(sentence):
        return 0
    toks = _tokens(sentence)
    for i in range(1, len(toks)):
        if toks[i - 1] in _FRAME_WORDS and toks[i] in _NOT_A_NOUN:
            return i
        after = toks[i + 1] if i + 1 < len(toks) else ""
        if toks[i - 1] in _JOINERS and (toks[i] in _CLAUSE_STARTS or (toks[i] in _JOINERS and after[:1].isdigit())) \
                and (toks[i - 1], toks[i]) not in _PAIRS:
            return i  # "with for 9 months": two pieces glued where one phrase was cut
    return -1


def spliced(sentence: str) -> bool:
    return splice_at(sentence) >= 0


@lru_cache(maxsize=8192)
def clean_kept(sentence: str) -> bool:
    """A sentence made from the user's own words that may be said: no splice, no third party."""
    if len(_tokens(sentence)) < 3:
        return False  # "I closed.": a one-word clause given a subject is no fact
    if spliced(sentence) or _RAW.search(sentence) or PRIVATE.search(sentence):
        return False
    return not any(t in _THIRD_PERSON for t in _tokens(sentence))


def field_like(value: str) -> bool:
    """A value that can follow "I've worked in": a noun phrase that names a field or unit."""
    toks = _tokens(value)
    if not toks or any(t in _NOT_A_NOUN or t in _THIRD_PERSON or t in {"my", "me", "our"} for t in toks):
        return False
    if not any(len(t) > 3 or t.isupper() or "/" in value for t in toks if not t[0].isdigit()):
        return False  # "1 off": no word that names a field
    return not _NOT_A_FIELD.search(value)


def noun_phrase(value: str) -> bool:
    """A value with no pronoun and no finite verb: it can be appended to a fact as a detail."""
    toks = _tokens(value)
    return bool(toks) and not any(t in _NOT_A_NOUN or t in _THIRD_PERSON for t in toks) and not spliced(value) \
        and not _RAW.search(value) and not PRIVATE.search(value)


def not_the_speakers(text: str) -> bool:
    """A clause about someone else, a raw feeling or a private matter: its numbers are not facts to keep."""
    return bool(_RAW.search(text) or PRIVATE.search(text) or any(t in _THIRD_PERSON for t in _tokens(text)))
