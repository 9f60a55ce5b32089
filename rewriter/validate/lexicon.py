"""Word lists as data: loading, inflecting and matching phrases over tokens.

A lexicon file (rewriter/lexicons/*.toml) lists phrases in plain words. Matching is
whole-word and case-insensitive, apostrophes are ignored ("can't" == "cant"), and
every word of three letters or more also matches its inflections, so "micromanage"
covers micromanages, micromanaged, micromanaging and micromanager. Two
placeholders are understood inside a phrase:

    NEG   any negator (not, never, don't, doesn't, can't, won't, no, ...)
    *     zero to three words of anything ("take * credit" matches "took all the credit")

Words in a file's `exact` list are matched as written, without inflections
("mean" must not match "meaning").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, cast

from ..resources import LEXICON_DIR
from .diskcache import cached

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
GAP = "*"
NEG = "NEG"
MAX_GAP = 3

# Words too short or too common to inflect: "a" must not grow into "as".
_NO_INFLECT = frozenset(
    "the a an my our your their his her its of to in on at for with and or me us i it "
    "this that these those no not all any every so too very up out off by from as".split()
)

# English irregular verbs that complaint phrases use. Each group matches as one word.
_IRREGULAR = [
    "be is are was were been being am",
    "have has had having",
    "do does did done doing",
    "go goes went gone going",
    "take takes took taken taking",
    "give gives gave given giving",
    "tell tells told telling",
    "make makes made making",
    "steal steals stole stolen stealing",
    "throw throws threw thrown throwing",
    "keep keeps kept keeping",
    "pay pays paid paying",
    "get gets got gotten getting",
    "break breaks broke broken breaking",
    "forget forgets forgot forgotten forgetting",
    "speak speaks spoke spoken speaking",
    "fight fights fought fighting",
    "hide hides hid hidden hiding",
    "lie lies lied lying liar liars",
    "burn burns burned burnt burning",
    "treat treats treated treating",
    "leave leaves left leaving",
    "feel feels felt feeling",
    "hold holds held holding",
    "run runs ran running",
    "shoot shoots shot shooting",
    "buy buys bought buying",
    "bring brings brought bringing",
    "drive drives drove driven driving",
    "eat eats ate eaten eating",
    "know knows knew known knowing",
    "see sees saw seen seeing",
    "stand stands stood standing",
    "swear swears swore sworn swearing",
    "sell sells sold selling",
]
_IRREGULAR_FORMS = {w: frozenset(group.split()) for group in _IRREGULAR for w in group.split()}

NEGATORS = frozenset(
    "no not never nobody none nothing neither nor without hardly barely cant cannot dont doesnt "
    "didnt isnt wasnt arent werent wont wouldnt havent hasnt hadnt couldnt shouldnt aint nope "
    "nowhere noone nah".split()
)


def normalise(word: str) -> str:
    """Lower-case and drop apostrophes, so "Can't", "can’t" and "cant" are one token."""
    return word.lower().replace("'", "").replace("’", "")


@cache
def inflections(word: str) -> frozenset[str]:
    """The word and its regular (or listed irregular) inflected forms."""
    if word in _IRREGULAR_FORMS:
        return _IRREGULAR_FORMS[word]
    if len(word) < 3 or word in _NO_INFLECT or not word.isalpha():
        return frozenset({word})
    forms = {word, word + "s", word + "ed", word + "ing", word + "er", word + "ers"}
    if word.endswith(("s", "x", "z", "ch", "sh", "o")):
        forms.add(word + "es")
    if word.endswith("e"):
        stem = word[:-1]
        forms |= {word + "d", word + "r", word + "rs", stem + "ing", stem + "ed", stem + "er", stem + "ers"}
    if word.endswith("y") and word[-2] not in "aeiou":
        stem = word[:-1]
        forms |= {stem + "ies", stem + "ied", stem + "ier", stem + "iest", stem + "ily"}
    if word.endswith(("ic", "al", "ful", "less", "ous", "ive")):
        forms |= {word + "ally" if word.endswith("ic") else word + "ly"}
    # Consonant-vowel-consonant endings double: "yell" already double, "snap" -> snapped.
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing", word + word[-1] + "er"}
        if len(word) <= 4:  # short words only double: "rat" -> "ratting", never "rating"
            forms -= {word + "ed", word + "ing", word + "er", word + "ers"}
    return frozenset(forms)


@cache
def _as_written(word: str) -> frozenset[str]:
    """One form, shared by every phrase that uses the word (stored once in the cache)."""
    return frozenset({word})


class Phrase(NamedTuple):
    """One lexicon entry, ready to match: each slot is a set of forms, NEG or a gap.

    A NamedTuple rather than a dataclass: the compiled index is read back from the
    disk cache at every start, and tuples unpickle faster."""

    text: str  # as written in the data file
    slots: tuple[frozenset[str] | str, ...]
    group: str  # the section of the file it came from
    lexicon: str = ""  # the file it came from

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt by tuple.__new__ (C) rather than the generated Python __new__: the
        # disk cache holds thousands of phrases and is read at every start.
        return tuple.__new__, (Phrase, tuple(self))


def compile_phrase(text: str, group: str, inflect: bool = True, lexicon: str = "") -> Phrase:
    slots: list[frozenset[str] | str] = []
    for raw in _split_gaps(text):
        if raw in (NEG, GAP):
            slots.append(raw)
            continue
        word = normalise(raw)
        slots.append(inflections(word) if inflect else _as_written(word))
    if not slots or isinstance(slots[0], str) and slots[0] == GAP:
        raise ValueError(f"lexicon phrase {text!r} must start with a word or NEG")
    return Phrase(text=text, slots=tuple(slots), group=group, lexicon=lexicon)


def _split_gaps(text: str) -> list[str]:
    out: list[str] = []
    for i, part in enumerate(text.split(GAP)):
        if i:
            out.append(GAP)
        out.extend(TOKEN.findall(part))
    return out


# A first word's phrases: those decided from the second slot on, those by second word,
# and (for negators) the by-second-word phrases that open with NEG.
# Keys with one-word phrases only (most) hold just those.
_Entry = tuple[tuple["Phrase", ...], tuple["Phrase", ...], dict[str, list["Phrase"]],
               "dict[str, list[Phrase]] | None"]


class PhraseIndex:
    """Phrases indexed by their first two words, for a fast scan of tokens."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases = tuple(phrases)
        index: dict[str, tuple[list[Phrase], dict[str, list[Phrase]]]] = {}
        for phrase in self.phrases:
            first = phrase.slots[0]
            second = phrase.slots[1] if len(phrase.slots) > 1 else None
            keys = (NEG,) if first == NEG else first
            for key in keys:
                loose, by_second = index.setdefault(key, ([], {}))
                # Index by the second word only under a single first word ("no", "the",
                # NEG), where candidate lists grow long; elsewhere the lists are short.
                if isinstance(second, frozenset) and len(keys) == 1:
                    for word in second:
                        by_second.setdefault(word, []).append(phrase)
                else:
                    loose.append(phrase)
        # Phrases that open with NEG are filed under every negator too, so the scan
        # needs one lookup per token. Their by-second-word table is shared, not copied:
        # the disk cache stores it once.
        neg_loose, neg_by_second = index.pop(NEG, ([], {}))
        # Equal parts are one object (the inflected forms of a word share their phrases):
        # the disk cache, read at every start, then holds each once.
        shared: dict[tuple[int, ...], tuple[Phrase, ...]] = {}

        def interned(phrases: list[Phrase]) -> tuple[Phrase, ...]:
            return shared.setdefault(tuple(map(id, phrases)), tuple(phrases))

        self._index: dict[str, _Entry | tuple[Phrase, ...]] = {}
        for key in set(index) | NEGATORS:
            loose, by_second = index.get(key, ([], {}))
            if key in NEGATORS:
                loose = loose + neg_loose
            # One-word phrases match on the spot: keep one per lexicon, out of the loop.
            singles: dict[str, Phrase] = {}
            for p in loose:
                if len(p.slots) == 1:
                    singles.setdefault(p.lexicon, p)  # the first listed wins, as in the scan
            longer = [p for p in loose if len(p.slots) > 1]
            negs = neg_by_second if key in NEGATORS else None
            if not longer and not by_second and negs is None:
                self._index[key] = interned(list(singles.values()))  # most keys: one-word phrases only
            else:
                self._index[key] = (interned(list(singles.values())), interned(longer), by_second, negs)

    def matches(self, tokens: list[str]) -> dict[str, list[tuple[int, int, Phrase]]]:
        """Per lexicon, (first token, last token + 1, phrase) for every match, the
        longest per start. One pass over the tokens serves every lexicon."""
        found: dict[str, list[tuple[int, int, Phrase]]] = {}
        index = self._index
        n = len(tokens)
        for i, tok in enumerate(tokens):
            entry = index.get(tok)
            if entry is None:
                continue
            if entry[0].__class__ is Phrase:  # one-word phrases only
                for phrase in entry:
                    found.setdefault(phrase.lexicon, []).append((i, i + 1, phrase))
                continue
            singles, loose, by_second, neg_by_second = cast(_Entry, entry)
            best: dict[str, tuple[int, int, Phrase]] | None = None
            if singles:
                best = {phrase.lexicon: (i, i + 1, phrase) for phrase in singles}
            nxt = tokens[i + 1] if i + 1 < n else ""
            groups: list[Sequence[Phrase]] = [loose] if loose else []
            if nxt in by_second:
                groups.append(by_second[nxt])
            if neg_by_second is not None and nxt in neg_by_second:
                groups.append(neg_by_second[nxt])
            for group in groups:
                for phrase in group:
                    slots = phrase.slots
                    if len(slots) == 1:
                        end = i + 1
                    else:
                        # Most candidates fail on their second word: test it inline.
                        if slots[1].__class__ is frozenset and nxt not in slots[1]:
                            continue
                        matched = _match_from(slots, 1, tokens, i + 1)
                        if matched is None:
                            continue
                        end = matched
                    if best is None:
                        best = {}
                    held = best.get(phrase.lexicon)
                    if held is None or end > held[1]:
                        best[phrase.lexicon] = (i, end, phrase)
            if best:
                for name, match in best.items():
                    found.setdefault(name, []).append(match)
        return found


def _match_from(slots: tuple[Any, ...], s: int, tokens: list[str], t: int) -> int | None:
    if s == len(slots):
        return t
    slot = slots[s]
    if slot == GAP:
        for skip in range(MAX_GAP + 1):
            end = _match_from(slots, s + 1, tokens, t + skip)
            if end is not None:
                return end
        return None
    if t >= len(tokens):
        return None
    if slot == NEG:
        ok = tokens[t] in NEGATORS
    else:
        ok = tokens[t] in slot
    return _match_from(slots, s + 1, tokens, t + 1) if ok else None


@cache
def _compiled() -> tuple[PhraseIndex, dict[str, dict[str, Any]]]:
    """The index of every phrase and the raw data of every lexicon file, compiled once
    and cached on disk (reading the cache back beats parsing and inflecting again)."""
    sources = sorted(LEXICON_DIR.glob("*.toml"))
    return cached("lexicons", [*sources, Path(__file__)], lambda: _build(sources))


def _build(sources: list[Path]) -> tuple[PhraseIndex, dict[str, dict[str, Any]]]:
    import tomllib  # only on a cache miss

    data: dict[str, dict[str, Any]] = {}
    phrases: list[Phrase] = []
    for source in sources:
        with open(source, "rb") as fh:
            data[source.stem] = tomllib.load(fh)
        for group, section in data[source.stem].items():
            if not isinstance(section, dict):
                continue
            phrases += [compile_phrase(p, group, lexicon=source.stem) for p in section.pop("phrases", [])]
            phrases += [compile_phrase(p, group, False, source.stem) for p in section.pop("exact", [])]
    # The word lists live on in the index, not twice: `data` keeps each file's settings.
    return PhraseIndex(phrases), data


def phrase_index() -> PhraseIndex:
    """Every phrase of every section of every lexicon file, in one index.

    A new file in rewriter/lexicons/ is picked up as it is: no code to change."""
    return _compiled()[0]


def load(name: str) -> dict[str, Any]:
    """A lexicon file's settings: its [rule] table and sections, without their word lists."""
    return _compiled()[1][name]
