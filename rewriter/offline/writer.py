"""Writing an answer from a Reading: template families per reason, a frame per tone,
and a word budget from the spoken length asked for.

Parts are chosen in priority order (the reasons and the user's facts first, then the
frame around them) until the answer reaches its budget: 150 words a minute.
Wordings are picked from a crc32 of the draft, so the same draft always gives the
same answer; a wording that would repeat five words already said is skipped.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

from ..models import Context
from ..results import Reframe
from .lexicon import load
from .reader import Reading
from .text import capital, fold, join, words

WORDS_PER_MINUTE = 150
PAY_LAST = "pay"  # money never leads (P4)
MAX_REASONS = 3
_OPTIONAL_SLOTS = {"date", "cause", "current", "target", "Target", "also", "after"}
_PAST = re.compile(r"^(?:I|We) (?:\w+ed|built|led|ran|grew|cut|hit|took|made|won|wrote|taught|drove|sold|shipped|got|did|"
                   r"brought|kept|set|went|oversaw|gave|ran|stood|began|held|spent|saw)\b")
_SLOT = re.compile(r"\{(\w+)\}")
_FRAME_SLOTS = frozenset({"current", "target", "Target", "also"})


def budget(seconds: int) -> int:
    return max(1, round(seconds * WORDS_PER_MINUTE / 60))


_TOKENS = re.compile(r"[a-z0-9']+")


@lru_cache(maxsize=4096)  # wordings repeat across drafts: their runs are computed once
def ngrams(text: str, n: int = 5) -> frozenset[tuple[str, ...]]:
    toks = _TOKENS.findall(text.lower().replace("\u2019", "'"))
    return frozenset(zip(*(toks[i:] for i in range(n))))


@lru_cache(maxsize=4096)
def _filled(template: str, values: tuple[tuple[str, str], ...]) -> str:
    slots = dict(values)
    text = _SLOT.sub(lambda m: slots.get(m.group(1), ""), template)
    return capital(_SPACE_BEFORE.sub(r"\1", _SPACES.sub(" ", text)).strip())


_SPACE_BEFORE = re.compile(r"\s+([.,;:])")
_SPACES = re.compile(r"\s{2,}")


@lru_cache(maxsize=1024)
def _slots_of(template: str) -> frozenset[str]:
    return frozenset(_SLOT.findall(template))


@dataclass
class Part:
    order: float  # where it goes in the answer
    text: str
    words: int = 0


@dataclass
class Draft:
    """The answer being assembled: its parts, and the five-word runs already said."""

    parts: list[Part] = field(default_factory=list)
    said: set[tuple[str, ...]] = field(default_factory=set)
    folded: str = ""  # everything said so far, folded, in the order it was added

    def words(self) -> int:
        return sum(p.words for p in self.parts)

    def add(self, order: float, text: str) -> None:
        self.parts.append(Part(order, text, words(text)))
        self.said |= ngrams(text)
        self.folded += " " + fold(text)

    def text(self) -> str:
        return " ".join(p.text for p in sorted(self.parts, key=lambda p: p.order) if p.text)


# Where each part goes.
OPENING, IDENTITY, REASON, OWN, LESSON, BRIDGE, FACTS, DESIRE, MORE, FORWARD, FIT, EXTRA, CLOSE = range(13)


class Writer:
    def __init__(self, reading: Reading, context: Context, seed: int, variant: int = 0) -> None:
        self.variant = variant  # shifts every choice: variant 1, 2, ... read differently, still deterministic
        self.r = reading
        self.ctx = context
        self.seed = seed
        self.t: dict[str, Any] = load().templates
        tone = context.tone if context.tone in self.t["tone"] else "professional"
        self.frame: dict[str, list[str]] = self.t["tone"][tone]
        self.slots = dict(reading.slots)
        self.slots["current"] = "my last role" if reading.ended else "my current role"
        role, company = context.role, context.company
        if role and company:
            target = f"the {role} role at {company}"
        elif role:
            target = f"the {role} role"
        elif company:
            target = f"this role at {company}"
        else:
            target = "this role"
        self.slots["target"] = target
        self.slots["Target"] = capital(target)
        self.d = Draft()

    # ---------------------------------------------------------------- picking

    def _fill(self, template: str) -> str | None:
        needed = _slots_of(template)
        if any(n not in _OPTIONAL_SLOTS and not self.slots.get(n) for n in needed):
            return None
        if not needed:
            return template
        return _filled(template, tuple((n, self.slots.get(n, "") or "") for n in sorted(needed)))

    def pick(self, options: list[str], part: str, *, fresh: bool = True) -> str | None:
        """A wording for `part`: stable for a draft, with its slots filled, not repeating."""
        if not options:
            return None
        # Wordings that say more of the user's own details (a date, a place) come first.
        def given(o: str) -> int:
            return sum(1 for n in _slots_of(o) if n not in _FRAME_SLOTS and self.slots.get(n))
        most = max(given(o) for o in options)
        options = [o for o in options if given(o) == most] + [o for o in options if given(o) != most]
        first = sum(given(o) == most for o in options)
        start = (zlib.crc32(f"{part}\x00{self.seed}".encode()) + self.variant) % first
        for k in range(len(options)):
            text = self._fill(options[(start + k) % len(options)])
            if text is None:
                continue
            if fresh and ngrams(text) & self.d.said:
                continue
            if fold(text) in self.d.folded:
                continue
            return text
        return None

    # ---------------------------------------------------------------- the answer

    def reasons(self) -> list[str]:
        ids = [i for i in self.r.reasons if i in self.t["reason"]]
        ids.sort(key=lambda i: i == PAY_LAST)
        return ids[:MAX_REASONS] if ids else []

    def write(self) -> tuple[str, list[Reframe]]:
        d, r = self.d, self.r
        reframes: list[Reframe] = []
        # Mandatory: the user's facts, the reasons, the role, a close.
        for sentence in r.identity[:2]:
            d.add(IDENTITY, sentence)
        reason_ids = self.reasons()
        for n, rid in enumerate(reason_ids):
            said = self._reason(rid, n)
            if said:
                reframes.append(Reframe(rid, said))
        if not reason_ids:
            said = self.pick(self.t["reason"]["general"]["say"], "general")
            if said:
                d.add(REASON, said)
                reframes.append(Reframe("general", said))
        facts = [f for f in r.facts if fold(f) not in d.folded]
        for i, fact in enumerate(facts):
            d.add(FACTS + i / 100, fact)
        said_now = d.folded
        tools = list(dict.fromkeys(t for t in r.tools if fold(t) not in said_now))
        if tools:
            self.slots["list"] = join(tools)
            d.add(FACTS + 0.5, self.pick(self.t["facts"]["tools"], "tools", fresh=False) or "")
        certs = list(dict.fromkeys(t for t in r.certs if fold(t) not in said_now))
        if certs:
            self.slots["list"] = join(certs)
            d.add(FACTS + 0.6, self.pick(self.t["facts"]["certs"], "certs", fresh=False) or "")
        goals = list(dict.fromkeys(g for g in r.goals if fold(g) not in said_now))
        if goals:
            self.slots["list"] = join(goals)
            d.add(DESIRE + 0.5, self.pick(self.t["facts"]["goals"], "goals", fresh=False) or "")
        for i, desire in enumerate(r.desires):
            if fold(desire.rstrip(".")) not in d.folded:
                d.add(DESIRE + i / 100, self._fresh_desire(desire))
        if self.ctx.role or self.ctx.company:
            fit = self.pick(self.frame["fit"], "fit")
            if fit:
                d.add(FIT, fit)
        close = self.pick(self.frame["close"], "close")
        if close:
            d.add(CLOSE, close)
        self._fill_budget(reason_ids, facts)
        answer = self._polish(d.text())
        return answer, [r for r in reframes if r.reframed_as.split(".")[0] in answer]

    _DESIRE_LEADS = (("I'm looking for ", ("What I want next is ", "Next, I'd like ")),
                     ("I'd like to ", ("My aim is to ", "What I want next is to ")))

    def _fresh_desire(self, desire: str) -> str:
        """The user's wish, with another lead-in when its own would repeat five words already said."""
        if not ngrams(desire) & self.d.said:
            return desire
        for lead, others in self._DESIRE_LEADS:
            if desire.startswith(lead):
                for other in others:
                    candidate = other + desire[len(lead):]
                    if not ngrams(candidate) & self.d.said:
                        return candidate
        return desire

    def _reason(self, rid: str, n: int) -> str | None:
        d, r, fam = self.d, self.r, self.t["reason"][rid]
        order = REASON + n / 10
        self.slots["date"] = r.slots.get("date_" + rid, "")
        if rid == "fired":
            said = self.pick(fam["say"], rid)
            if said:
                d.add(order, said)
            own = self.pick(fam["own"], "own")
            if own:
                d.add(OWN, own)
            lesson = self.pick(fam["lesson"].get(r.cause) or fam["lesson"]["other"], "lesson")
            if lesson:
                d.add(LESSON, lesson)
            return said
        kept = [s for s in r.situations.get(rid, []) if fold(s) not in d.folded]
        slotted = [o for o in fam["say"] if _SLOT.search(o) and not set(_SLOT.findall(o)) <= _OPTIONAL_SLOTS]
        if kept and rid == "remote" and not any(
            fold(v) in fold(" ".join(kept)) for k, v in self.slots.items() if k in {"policy", "commute"}
        ) and (said := self.pick(slotted, rid + "slot")):
            d.add(order, said)  # "my company is moving to 5 days a week in the office", then the user's words
            for i, s in enumerate(kept[:2]):
                d.add(order + (i + 1) / 100, s)
            return said
        if kept and rid == "relocation" and self.slots.get("place") and not any(
                fold(self.slots["place"]) in fold(k) for k in kept):
            kept = []  # "we're moving this summer" says less than "I'm moving to austin this summer"
            self.slots["date"] = self.slots["date"] or r.slots.get("date_relocation", "")
        if kept:
            for i, s in enumerate(kept[:2]):
                d.add(order + i / 100, s)
            then = self.pick(fam.get("then", []), rid + "then")
            if then:
                d.add(order + 0.05, then)
            return " ".join(kept[:2] + ([then] if then else []))
        options = list(fam["say"])
        self.slots["also"] = " also" if n else ""
        if rid == "career_change" and self.slots.get("field") and not any(
                fold(self.slots["field"]) in fold(x) for x in r.desires):
            options = list(fam["say_field"])
        if rid == "restructuring" and self.slots.get("acquired"):
            options = list(fam["say_acquired"])
        elif rid == "restructuring" and self.slots.get("merged"):
            options = list(fam["say_merged"])
        if rid == "promotion" and self.slots.get("next") and fold(self.slots["next"]) not in d.folded:
            options = list(fam["say_next"])
        if rid == "caregiving" and "relocation" in r.reasons:
            options = list(fam["say_near"])
        if rid == "workload" and self.slots.get("stretch"):
            options = list(fam["say_stretch"])
        if rid == "health":
            physical = re.search(r"\b(my back|back is|back pain|knees?|wrists?|my body|lifting|on my feet|shoulders?|hips?|physical(ly)?)\b",
                                 " ".join(c.text for c in r.clauses), re.I)
            options = list(fam["say_physical"] if physical else fam["say_pace"])
        said = self.pick(options, rid)
        if said:
            d.add(order, said)
        return said

    def _fill_budget(self, reason_ids: list[str], facts: list[str]) -> None:
        d = self.d
        goal = budget(self.ctx.seconds)
        low, high = goal * 0.82, goal * 1.1
        optional: list[tuple[int, list[str], str]] = [
            (OPENING, self.frame["opening"], "opening"),
            (FORWARD, self.frame["forward"], "forward"),
        ]
        for n, rid in enumerate(reason_ids):
            optional.append((MORE + n / 10, self.t["reason"][rid].get("more", []), rid + "more"))
        if facts and self.r.identity:
            optional.insert(0, (BRIDGE, [], "bridge"))
        optional.append((FORWARD + 0.5, self.frame["goals"], "goals"))
        for k in range(len(self.frame["extra"])):
            optional.append((EXTRA + k / 100, self.frame["extra"], f"extra{k}"))
        if not reason_ids:
            optional.append((MORE, self.t["reason"]["general"].get("more", []), "generalmore"))
        for order, options, name in optional:
            if d.words() >= low:
                break
            if name == "bridge":
                self._bridge()
                continue
            text = self.pick(options, name)
            if text and d.words() + words(text) <= high:
                d.add(order, text)
        if d.words() > goal * 1.15:
            self._compress(goal * 1.15)

    def _compress(self, high: float) -> None:
        """Over budget with the mandatory parts alone: shorter frame, fewer reason sentences."""
        d = self.d
        for order in (REASON + 0.05, OWN, REASON + 0.2, REASON + 0.1):
            if d.words() <= high:
                return
            d.parts = [p for p in d.parts if abs(p.order - order) > 1e-9]
        if d.words() > high and any(p.order == FIT for p in d.parts):
            d.parts = [p for p in d.parts if p.order != CLOSE]  # the role said last is a close
        for name, order in (("close", CLOSE), ("fit", FIT)):
            if d.words() <= high:
                return
            part = next((p for p in d.parts if p.order == order), None)
            if part is not None:
                options = [self._fill(o) for o in self.frame[name]]
                shortest = min((o for o in options if o), key=words, default=None)
                if shortest and words(shortest) < words(part.text):
                    part.text, part.words = shortest, words(shortest)

    def _bridge(self) -> None:
        """"In that time, I ..." joins the first accomplishment to who the speaker is."""
        d = self.d
        bridge = self.pick([b for b in self.frame["bridge"] if b], "bridge", fresh=False)
        if not bridge:
            return
        for p in sorted(d.parts, key=lambda p: p.order):
            if FACTS <= p.order < FACTS + 1 and _PAST.match(p.text):
                first = p.text.split()[0]
                rest = p.text[len(first):]
                p.text = bridge.rstrip() + " " + (first if first.startswith("I") else first.lower()) + rest
                p.words = words(p.text)
                return

    @staticmethod
    def _polish(text: str) -> str:
        text = re.sub(r"\s+([.,;:])", r"\1", text)
        text = re.sub(r"([.!?])\1+", r"\1", text)
        text = re.sub(r",\s*\.", ".", text)
        text = re.sub(r"\s{2,}", " ", text)
        return text.strip()


def write(reading: Reading, context: Context, seed: int, variant: int = 0) -> tuple[str, list[Reframe]]:
    return Writer(reading, context, seed, variant).write()
