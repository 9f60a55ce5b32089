"""Text helpers of the offline engine: normalising a draft, cutting it, joining words.

Stdlib only. Nothing here knows about reasons or templates; it only knows how people
type drafts ("ive been a CNA 3 yrs lol 🙃") and how spoken English joins words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from .lexicon import load


def fold(text: str) -> str:
    """Lower-case and drop apostrophes, the way people type drafts ("im", "wont")."""
    return text.lower().replace("'", "").replace("\u2019", "")


def _is_symbol(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co", "Cf") or 0x1F000 <= ord(ch) <= 0x1FAFF or ch in "\ufe0f\u200d"


_PLAIN_WORD = re.compile(r"^\\b([a-z/]+)\\b$")


_OPEN_GROUP = re.compile(r"(?<!\\)\((?!\?)")
_BACKREF = re.compile(r"\\(\d)")


@cache
def _slang() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str], tuple[str, ...]]:
    """The slang rules in two passes: plain words ("tbh", "mgr") through a dict, the rest
    as one alternation whose named groups say which rule matched (and carry its \\1)."""
    words: dict[str, str] = {}
    alternatives: list[str] = []
    replacements: list[str] = []
    for p, r, flags in load().slang:
        m = _PLAIN_WORD.match(p)
        if m and flags:
            words[m.group(1)] = r
            continue
        i = len(alternatives)
        count = iter(range(1, 10))
        named = _OPEN_GROUP.sub(lambda _m: f"(?P<r{i}g{next(count)}>", p)
        alternatives.append(f"(?P<r{i}>{'(?i:' + named + ')' if flags else named})")
        replacements.append(_BACKREF.sub(lambda b: f"\\g<r{i}g{b.group(1)}>", r))
    alternation = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return (re.compile(r"\b(?:" + alternation + r")\b", re.IGNORECASE), words,
            re.compile(_grouped(alternatives)), tuple(replacements))


_STARTS = re.compile(r"^\(\?P<r\d+>(?:\(\?i:)?(\\b)?(?:\(\?P<r\d+g1>)?(\\d|[a-z0-9])")


def _grouped(alternatives: list[str]) -> str:
    """The alternation with its branches grouped by how they start (a digit, a word's first
    letter): at each position only the branches that can start there are tried (8x faster)."""
    by_start: dict[str, list[str]] = {}
    others: list[str] = []
    for alt in alternatives:
        m = _STARTS.match(alt)
        if m and (m.group(2) == "\\d" or m.group(2).isdigit()):
            by_start.setdefault("digit", []).append(alt)
        elif m and m.group(1):
            by_start.setdefault(m.group(2), []).append(alt)
        else:
            others.append(alt)
    parts = []
    if "digit" in by_start:
        parts.append("(?=\\d)(?:" + "|".join(by_start.pop("digit")) + ")")
    if by_start:
        parts.append("(?=\\b[a-zA-Z])(?:" + "|".join(
            f"(?=[{letter}{letter.upper()}])(?:{'|'.join(alts)})" for letter, alts in sorted(by_start.items())) + ")")
    return "|".join(parts + others)


@lru_cache(maxsize=16)  # one compose() asks for the same draft a few times; drafts are not cached across
def normalise(text: str) -> str:
    """The draft as a person would say it: no emoji, slang spelled out, filler dropped.

    Applied to the whole draft before reading, and by the tests to a listed fact, so
    "3 yrs" in a draft and "3 years" in the answer are the same fact.
    """
    if not text.isascii():
        text = "".join(" " if _is_symbol(c) else c for c in text)
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
        text = text.replace("\u2014", " - ").replace("\u2013", "-")
    plain, words, rules, replacements = _slang()
    text = plain.sub(lambda m: words[m.group(0).lower()], text)
    text = rules.sub(lambda m: m.expand(replacements[int(m.lastgroup[1:])]), text)  # type: ignore[index]
    return re.sub(r"[ \t]+", " ", text).strip()


_SENTENCE = re.compile(r"(?<=[.!?])[.!?\"')]*\s+|\n+|(?<=[a-z])\.(?=[A-Za-z]{2,} )")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip(" .!?")]


@cache
def _clause_re() -> re.Pattern[str]:
    lex = load()
    starters = "|".join(sorted(lex.and_starters, key=len, reverse=True))
    return re.compile(
        r"\s*;\s*|,\s+(?!(?:and|or)\b)|,\s+(?=(?:and|or) (?:" + starters + r")\b)|\s+[-\u2013]\s+|\s*:\s+"
        r"|\s+(?=(?:but|so|because|cause|cuz|when|while|though|even though|plus|which|since then|until|unless|or else)\s)"
        r"|\s+(?=and (?:" + starters + r")\b)"
        r"|\s+(?=or (?:i|im|ill)\b)",
        re.IGNORECASE,
    )


_LEADING = re.compile(
    r"^(?:(?:and|but|so|also|plus|then|because|cause|cuz|or|ok|okay|well|yeah|anyway|oh|though|even though"
    r"|ugh|like|until|unless|since then|or else|when|which|while)\b[\s,]*)+", re.IGNORECASE)


def clauses(sentence: str) -> list[tuple[str, str]]:
    """(joining word, clause) pairs; the joining word is "which", "when", "but", ... or ""."""
    out: list[tuple[str, str]] = []
    for raw in _clause_re().split(sentence):
        raw = raw.strip().strip(".!?\"'()[]").strip()
        if not raw:
            continue
        m = _LEADING.match(raw)
        joiner = fold(m.group(0).strip(" ,").split()[0]) if m else ""
        text = raw[m.end():].strip() if m else raw
        if text.count("(") > text.count(")"):
            text += ")"
        elif text.count(")") > text.count("("):
            text = text.replace(")", "").strip()
        if text.strip(" .,;:!?()[]\"'-"):
            out.append((joiner, text))
    return out


PRONOUNS = {
    "i": "I", "im": "I'm", "ive": "I've", "id": "I'd", "ill": "I'll", "iam": "I am",
}
CONTRACTIONS = {
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "cant": "can't", "wont": "won't", "isnt": "isn't",
    "wasnt": "wasn't", "havent": "haven't", "hasnt": "hasn't", "couldnt": "couldn't", "wouldnt": "wouldn't",
    "shouldnt": "shouldn't", "arent": "aren't", "werent": "weren't", "thats": "that's", "theyre": "they're",
    "theyve": "they've", "weve": "we've", "youre": "you're", "whats": "what's", "its": "its", "theres": "there's",
}


def tidy(text: str) -> str:
    """Pronouns and contractions spelled properly; the user's other words untouched."""
    out = []
    for word in text.split():
        core = word.rstrip(",.;:!?")
        tail = word[len(core):]
        f = fold(core)
        if core == core.lower() and f in PRONOUNS and not (f == "ill" and "'" not in core) \
                and not (f == "id" and "'" not in core and False):
            out.append(PRONOUNS[f] + tail)
        elif core == core.lower() and f in CONTRACTIONS and "'" not in core:
            out.append(CONTRACTIONS[f] + tail)
        else:
            out.append(word)
    return " ".join(out)


def capital(text: str) -> str:
    return text[0].upper() + text[1:] if text[:1].islower() else text


def article(phrase: str) -> str:
    w = phrase.split(" ")[0] if phrase.strip() else ""
    if not w:
        return "a"
    if w[0].isdigit():
        return "an" if w.startswith("8") or re.match(r"^1[18](?:\D|$)", w) else "a"
    if (len(w) > 1 and w.isupper()) or fold(w) in {"er", "icu", "hr", "sre", "rn", "lpn", "cna", "emt", "mri"}:
        return "an" if w[0].upper() in "AEFHILMNORSX" else "a"
    if fold(w) in {"hour", "honest", "honor"}:
        return "an"
    if fold(w).startswith(("uni", "use", "usu", "eu", "one")):
        return "a"
    return "an" if w[0].lower() in "aeiou" else "a"


def join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def words(text: str) -> int:
    return len(text.split())


_UNIT_PLURAL = re.compile(r"\b(minute|hour|year|month|week|day|mile)s\b")


def canonical(text: str) -> str:
    """A fact as compared with an answer: normalised, lower-case, units singular.

    "3 yrs" and "3 years", "90 min" and "a 90 minute drive" are the same fact.
    """
    return _UNIT_PLURAL.sub(r"\1", normalise(text).lower())


def fact_kept(fact: str, answer: str) -> bool:
    return canonical(fact) in canonical(answer)


# Function words of English that other languages rarely spell the same way. A draft of
# several words with hardly any of them is not one the offline engine can read.
_ENGLISH = frozenset(
    "the and of to i my me is are was were be been have has had do does did not it that this with for from at by "
    "an or but so because about into after before than then there their they them we our you your he she his her "
    "who what which when where why how all any some more just also only out up im ive dont cant wont its been "
    "would could should will can want need get got make keep job work boss manager team company pay years".split()
)


# ... and function words of the languages drafts most often come in besides English.
_FOREIGN = frozenset(
    "het een en van ik niet zijn met voor naar ook maar wel geen heb bij als nog dit dat wordt sinds "
    "la el los las que y por para con una del al lo mi muy pero porque estoy tengo trabajo "
    "le les et je pas est une des du au ce qui ne sur mon ma avec pour dans suis "
    "der die das und ich nicht mit ist zu auf ein eine bei auch aber bin seit mein meine "
    "il che di per non sono ho gli della nel alla mia sul lavoro "
    "não em pra eu uma com os meu minha está sou por "
    "och att jag det som på är med för inte".split()
)


def reads_as_english(text: str) -> bool:
    """Whether the offline engine can read this draft (it reads and writes English only)."""
    tokens = re.findall(r"[^\W\d_]+", fold(text))
    english = sum(t in _ENGLISH for t in tokens)
    foreign = sum(t in _FOREIGN for t in tokens)
    return not (foreign >= 3 and foreign > english)
