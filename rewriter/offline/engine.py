"""The offline engine: a coach's rewrite of a blunt draft, with rules only.

Reading: the draft is cut into sentences and clauses. Each clause is either
  - a complaint (a complaint word, or someone else's behaviour): left out, but the
    job titles, credentials, tools and places inside it are salvaged;
  - an aspiration ("I want to move into data analytics"): kept as a goal, unless it
    hides a criticism ("a place that actually cares");
  - a fact (a number, a title, a tool, something the speaker did): kept in the
    user's own words, with only the pronouns and filler words tidied;
  - anything else: left out.
Reasons for leaving are found clause by clause (reasons.toml) and said as growth.

Writing: appreciation, reasons reframed, accomplishments, goals, fit with the
target role, close (templates.toml). Wordings are picked from a crc32 of the draft:
the same draft always gives the same answer, different drafts usually differ.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

from ..models import Context
from ..results import Composition, Reframe
from .lexicon import Lexicon, fold, load

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|:\s+")
# Clause boundaries: punctuation, and conjunctions that start a new thought. "and" only
# splits before a new subject or a verb, so "node and postgres" stays whole.
_CLAUSE = re.compile(
    r"\s*[,;](?!\d)\s*|\s+-\s+|\s+(?:but|so|because|cause|cuz|which|when|after|before|even tho(?:ugh)?"
    r"|instead of|while|plus)\s+"
    r"|\s+and\s+(?=(?:i|im|i'm|ive|i've|id|i'd|we|we're|he|she|they|theyre|they're|it|its|it's|my|our"
    r"|then|now|still|got|get|the|thats|that's|honestly|nobody|no|never|also|even|admin|want|need"
    r"|cant|can't|dont|don't|wont|won't|throws|watches|gossip|blames|yells|expects)\b)",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:(?:and|but|so|also|plus|then|after|when|which|because|or)\s+)+", re.IGNORECASE)
_TENURE = re.compile(
    r"^(?:about |around )?\d+(?:\.\d+)?\+? ?(?:years?|yrs?|months?|seasons?)\b", re.IGNORECASE
)
_CONTRACT_TENURE = re.compile(r"^\d+(?:\.\d+)? ?(?:month|week|year|yr)s? (?:contract|assignment)$", re.I)
_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?"
    r"|thousands?|millions?|half)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w&+/.-]*")
_PRONOUNS = {
    "i": "I", "im": "I'm", "i'm": "I'm", "ive": "I've", "i've": "I've", "id": "I'd", "i'd": "I'd",
    "ill": "I'll", "i'll": "I'll",
}
_CONTRACTIONS = {
    "dont": "don't", "doesnt": "doesn't", "cant": "can't", "wont": "won't", "isnt": "isn't",
    "theres": "there's", "thats": "that's", "theyre": "they're", "weve": "we've", "tho": "though",
    "yall": "you all", "u": "you",
}
_APPROX = re.compile(r"(?:\b(?:like|probably)\s+|~\s*)(?=[$\d])", re.IGNORECASE)
_NO_FOR_BEFORE = {
    "for", "in", "of", "after", "with", "than", "the", "a", "an", "over", "about", "around", "last",
    "past", "next", "first", "every", "by", "to", "from", "and", "or", "my", "our", "almost", "nearly",
}
# Facts a coach salvages from inside a complaint, in the user's words:
# "teaching middle school math is killing me" -> "I've been teaching middle school math"
_GERUND_SUBJECT = re.compile(
    r"^(teaching|working|running|managing|driving|leading|building|selling|coaching|nursing) (.+?) (?:is|has been|was)\b",
    re.IGNORECASE)
# "nowhere to go at a 6 attorney firm" -> "I work at a 6 attorney firm"
_WORKPLACE = re.compile(
    r"\b(?:at|in|for) ((?:a|an) \d+[\w-]* [\w-]+ (?:firm|company|practice|office|shop|clinic|school|hospital|startup|agency|restaurant|store))\b",
    re.IGNORECASE)
# "nobody here does motion design" -> a skill to grow into
_NOBODY_DOES = re.compile(r"\b(?:nobody|no one) (?:here )?(?:does|knows|uses|teaches) ([a-z][\w ]{2,30}?)$", re.IGNORECASE)
# An aspiration ending on one of these says nothing specific.
_GENERIC_ENDS = {"outfit", "place", "company", "team", "job", "employer", "organization", "organisation",
                 "shop", "firm", "environment", "skills", "experience", "somewhere"}
# Titles that, opening a complaint, name the person complained about.
_AUTHORITY = {"manager", "supervisor", "dispatcher", "director", "chef", "owner", "lead", "nurse", "admin", "boss"}
_SUBJECT_VERBS = {"is", "was", "gives", "has", "keeps", "wants", "needs", "never", "always", "screams", "yells"}
_CONTRACT_PHRASE = re.compile(
    r"\bmy ((?:[\w-]+ ){0,4}?(?:contract|position|assignment))\b", re.IGNORECASE
)
_DESIRE_TO = re.compile(
    r"^(?:i\s+)?(?:really\s+|just\s+|would\s+)?(?:want|wanna|like|love|i'?d like|i'?d love|id like|id love"
    r"|hope|hoping|i'?m hoping|looking|i'?m looking)\s+to\s+",
    re.IGNORECASE,
)
_DESIRE_NEED = re.compile(r"^(?:i\s+)?(?:really\s+|just\s+)?(?:want|need)\s+(?!to\b)", re.IGNORECASE)
_DESIRE_TRY = re.compile(r"^(?:i'?m\s+|im\s+)?trying\s+to\s+", re.IGNORECASE)
_DESIRE_LOVE = re.compile(r"^(?:i'?d|id|i would)\s+(love|like)\s+to\s+", re.IGNORECASE)


@dataclass
class _Reading:
    """What the engine understood of one draft."""

    reasons: list[str] = field(default_factory=list)  # category ids, in draft order
    fact_sentences: list[str] = field(default_factory=list)
    aspirations: list[str] = field(default_factory=list)
    certified: list[str] = field(default_factory=list)  # "NATE certified"
    credentials: list[str] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)  # "EA credential"
    tools: list[str] = field(default_factory=list)
    highlights: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)  # skills to grow into, from learning clauses
    places: list[str] = field(default_factory=list)  # places worth naming, not yet said
    destination: str | None = None
    contract: str | None = None
    facts_kept: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    kept_clauses: list[str] = field(default_factory=list)  # the draft's clauses repeated in the answer


def _pick(options: list[str], seed: int, part: str) -> str:
    # crc32 rather than hash(): Python salts str hashes per process.
    return options[zlib.crc32(f"{part}\x00{seed}".encode()) % len(options)]


def _article(word: str) -> str:
    w = word.lstrip("~").split(" ")[0] if word.strip() else ""
    if not w:
        return "a"
    if w[0].isdigit():
        return "an" if w.startswith("8") or re.match(r"^1[18](?:\D|$)", w) else "a"
    if len(w) > 1 and w[:2].isupper() or w.lower() in {"hvac", "er", "icu", "l&d", "sre", "sdr", "rn"}:
        # Acronyms are spelled out: "an SRE", "an ER nurse", "a GM".
        return "an" if w[0].upper() in "AEFHILMNORSX" else "a"
    return "an" if w[0].lower() in "aeio" else "a"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for it in items:
        k = fold(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out


class _Reader:
    def __init__(self, lex: Lexicon, draft: str, vetoed: frozenset[str] = frozenset()) -> None:
        self.lex = lex
        self.draft = draft
        self.vetoed = vetoed  # clauses the validator flagged: treated as complaints
        self.r = _Reading()

    # -- reading ---------------------------------------------------------------------

    def read(self) -> _Reading:
        for sentence in _SENTENCE.split(self.draft):
            pieces: list[str] = []
            pending_title: tuple[str, int] | None = None  # (title, index in pieces)
            last_plain: str | None = None
            for raw in _CLAUSE.split(sentence):
                clause = _LEADING.sub("", raw.strip().strip(".!?\"'()").strip())
                if not clause:
                    continue
                self._detect_reasons(clause)
                clause = self._rewrite(clause)
                kind, text = self._classify(clause)
                if kind in {"aspiration", "fact"}:
                    self.r.kept_clauses.append(clause)
                if kind == "aspiration":
                    self.r.aspirations.append(text)
                    self.r.facts_kept.append(clause)
                elif kind == "fact":
                    rendered = self._render_fact(text, pieces, pending_title, last_plain)
                    if rendered is not None:
                        piece, pending_title, last_plain = rendered
                        if piece:
                            pieces.append(piece)
                    self.r.facts_kept.append(text)
                else:
                    self._salvage(clause)
                    if len(clause.split()) > 1 and kind == "complaint":
                        self.r.left_out.append(clause)
            if pieces:
                self.r.fact_sentences.append(self._sentence(pieces))
        return self.r

    def _detect_reasons(self, clause: str) -> None:
        f = fold(clause)
        for reason in self.lex.reasons:
            if reason.id not in self.r.reasons and reason.pattern.search(f) and not reason.unless.search(f):
                self.r.reasons.append(reason.id)

    def _rewrite(self, clause: str) -> str:
        for pattern, repl in self.lex.rewrites:
            clause = pattern.sub(repl, clause)
        return clause

    def _classify(self, clause: str) -> tuple[str, str]:
        f = fold(clause)
        if f in self.vetoed:
            return "complaint", clause
        desire = _DESIRE_TO.match(clause) or _DESIRE_NEED.match(clause) or _DESIRE_TRY.match(clause)
        if desire:
            return self._aspiration(clause)
        if self.lex.complaint.search(f) or any(
            f == op or f.startswith(op + " ") for op in self.lex.blame_openers
        ):
            return "complaint", clause
        text = self._tidy(clause)
        if self._has_fact_signal(text):
            return "fact", text
        return "other", clause

    def _aspiration(self, clause: str) -> tuple[str, str]:
        lex = self.lex
        text = clause
        if lex.desire_implied.search(fold(text)):
            low = text.lower()
            cuts = [low.find(c) for c in lex.desire_cut_at if low.find(c) > 0]
            if not cuts:
                return "complaint", clause
            text = text[: min(cuts)]
            if lex.desire_implied.search(fold(text)):
                return "complaint", clause
        if lex.complaint.search(fold(text)):
            return "complaint", clause
        seed = zlib.crc32(fold(self.draft).encode())
        if m := _DESIRE_LOVE.match(text):
            body = f"I'd {m.group(1).lower()} to " + text[m.end():]
        elif m := _DESIRE_TRY.match(text):
            body = "I'm working to " + text[m.end():]
        elif m := _DESIRE_TO.match(text):
            body = _pick(list(lex.say_as), seed, "say_as") + " " + text[m.end():]
        elif m := _DESIRE_NEED.match(text):
            body = _pick(list(lex.need_as), seed, "need_as") + " " + text[m.end():]
        else:
            return "complaint", clause
        body = self._tidy(body)
        rest = body.split()
        if rest[-1].lower() in _GENERIC_ENDS and not self._has_named_fact(body):
            return "other", clause  # "I'd like to work for an outfit": the reframe says it better
        if rest[-1].lower() in {"it", "that", "this", "them"} and len(rest) < 7:
            return "other", clause  # "I'd like to learn it": the goal is named elsewhere
        if len(rest) < 5 and not self._has_named_fact(body):
            return "other", clause  # "I'm keen to teach": says nothing the reframe doesn't
        return "aspiration", body.rstrip(" .,") + "."

    def _tidy(self, text: str) -> str:
        """Pronoun case, contractions, filler and approximations; facts untouched."""
        text = _APPROX.sub("about ", text)
        out = []
        for word in text.split():
            f = fold(word)
            if f in self.lex.filler:
                continue
            if word.islower() and f in _PRONOUNS and not (f == "ill" and "'" not in word):
                out.append(_PRONOUNS[f])
            elif word.islower() and f in _CONTRACTIONS and "'" not in word:
                out.append(_CONTRACTIONS[f])
            else:
                out.append(word)
        return " ".join(out)

    def _has_named_fact(self, text: str) -> bool:
        lex = self.lex
        return bool(
            _DIGIT.search(text) or lex.tools.search(text) or lex.certs.search(text)
            or self._capitalised(text)
        )

    def _has_fact_signal(self, text: str) -> bool:
        words = text.split()
        if not words:
            return False
        first = fold(words[0])
        if first in {"i", "we", "ive", "im"} and len(words) > 1:
            nxt = fold(words[1])
            if nxt in self.lex.verbs or (nxt.endswith("ed") and len(nxt) > 3) or nxt in {"was", "am", "been"}:
                return True
            if any(fold(w) in self.lex.verbs for w in words[2:]):
                return True  # "I'm the one who fixes the scanners"
        if _NUMBER_WORD.search(text) or fold(words[-1]) in self.lex.cert_suffixes:
            return True
        if re.search(r"\bgood at (?!what\b)\w", text, re.IGNORECASE):
            return True
        if first in self.lex.verbs or first == "been" or (first.endswith("ed") and len(first) > 3):
            return len(words) > 1
        if any(self._title_at(words, i) for i in range(len(words)) if self._speaker_title_slot(words, i)):
            return True
        return self._has_named_fact(text)

    @staticmethod
    def _speaker_title_slot(words: list[str], i: int) -> bool:
        """Whether a title at words[i] would be the speaker's own ("im a nurse", "nurse, 5 yrs")."""
        if i == 0:
            return True
        prev = fold(words[i - 1])
        prev2 = fold(words[i - 2]) if i > 1 else ""
        return prev in {"as", "been"} or (
            prev in {"a", "an", "the"} and prev2 in {"im", "i", "ive", "been", "as", "was", "am", "is"}
        )

    def _capitalised(self, text: str) -> list[str]:
        """Tech words and acronyms the user capitalised (Python, SQL, Figma), not the first word."""
        found = []
        for i, w in enumerate(_WORD.findall(text)):
            if w in {"I", "I'm", "I've", "I'd"} or fold(w) in _PRONOUNS:
                continue
            # A first word may be capitalised only because it starts the sentence;
            # an inner capital ("PharmD", "tele/PCU") is the user's own spelling.
            if (i > 0 and w[0].isupper()) or any(c.isupper() for c in w[1:]):
                found.append(w.rstrip(".,"))
        return found

    def _title_at(self, words: list[str], i: int) -> str | None:
        """The longest job title ending at a head noun, starting at words[i]."""
        lex = self.lex
        best = None
        for j in range(i, min(i + 4, len(words))):
            w = fold(words[j]).strip(",.")
            if j > i and (w in lex.title_stop or (w.isdigit() and fold(words[j - 1]) not in {"tier", "level"})):
                break
            if j == i and (w in lex.title_stop or w.isdigit()):
                break
            if w in lex.title_heads:
                if w in lex.title_ambiguous and j == i and i > 0 and fold(words[i - 1]) not in {"a", "an", "the"}:
                    continue
                best = " ".join(words[i : j + 1]).strip(",.")
        return best

    def _render_fact(
        self, text: str, pieces: list[str], pending: tuple[str, int] | None, last_plain: str | None
    ) -> tuple[str | None, tuple[str, int] | None, str | None] | None:
        """One kept clause as a piece of a sentence; fragments become lists or merge."""
        lex = self.lex
        seed = zlib.crc32(fold(self.draft).encode())
        words = text.split()
        first = fold(words[0])
        text = self._insert_for(text)
        words = text.split()
        if first in _PRONOUNS or first in {"we", "my", "our"} or words[0] in _PRONOUNS.values():
            if fold(words[0]) == "im" and re.search(r"\bfor \d", text) and not re.search(r"\bfor \d[^ ]* (?:month|week|year)s? (?:contract|assignment)", text):
                text = "I've been " + " ".join(words[1:])  # "I'm a nurse for 5 years" -> "I've been"
            return text, None, None
        if first == "been":
            return "I've " + text, None, None
        if first in {"licensed", "certified"}:
            return "I'm " + text, None, None
        title = self._title_at(words, 0)
        if not title and first in {"also", "still"} and len(words) > 1 and fold(words[1]) in lex.verbs:
            return "I " + text, None, None  # "also know Laravel" -> "I also know Laravel"
        if not title and (first in lex.verbs or (first.endswith("ed") and len(first) > 3)):
            return "I " + text, None, None
        if title:
            rest = " ".join(words[len(title.split()) :]).strip()
            rest = re.sub(r"^for\s+", "", rest)
            a = _article(title)
            if fold(rest) in lex.cert_suffixes:
                self.r.certified.append(text)  # "ServSafe manager certified"
                return "", pending, None
            if not rest:
                piece = _pick(lex.templates["facts"]["title"], seed, "title").format(a=a, title=title)
                pieces.append(piece)
                return "", (title, len(pieces) - 1), None
            if _TENURE.match(rest):
                key = "title_tenure_with" if fold(rest).endswith("experience") else "title_tenure"
                return _pick(lex.templates["facts"][key], seed, key).format(a=a, title=title, tenure=rest), None, None
            return f"I'm {a} {title} {rest}", None, None
        if _CONTRACT_TENURE.match(text):
            phrase = _pick(lex.templates["facts"]["on_contract"], seed, "oc").format(a=_article(text), tenure=text)
            if pending:
                t, idx = pending
                pieces[idx] = pieces[idx] + " " + phrase
                return "", None, None
            return f"I'm {phrase}", None, None
        if m := _TENURE.match(text):
            rest = text[m.end():].strip()
            if fold(rest) in {"in", "there", "here", "now"}:
                rest, text = "", text[: m.end()]
            if not rest:
                if pending:
                    t, idx = pending
                    tmpl = _pick(lex.templates["facts"]["title_tenure"], seed, "title_tenure")
                    pieces[idx] = tmpl.format(a=_article(t), title=t, tenure=text)
                    return "", None, None
                if last_plain:
                    # "6th grade ELA, 7 years" -> "I've spent 7 years in 6th grade ELA"
                    self.r.highlights.remove(last_plain)
                    tmpl = lex.templates["facts"]["tenure_in"][0]
                    return tmpl.format(tenure=text, what=last_plain), None, None
                return lex.templates["facts"]["tenure_alone"][0].format(tenure=text), None, None
            if fold(rest).endswith("experience") or fold(rest) == "experience":
                return lex.templates["facts"]["tenure_with"][0].format(tenure=text), None, None
            r0 = fold(rest.split()[0])
            if r0.endswith("ing") or r0 in {"in", "at", "on", "with", "as"}:
                return lex.templates["facts"]["tenure_doing"][0].format(tenure=text), None, None
            return f"I've spent {text[: m.end()]} in {rest}", None, None
        # A fragment: a credential, a tool, or a result.
        text = re.sub(r"^(?:mostly|mainly|also)\s+", "", text, flags=re.IGNORECASE)
        words = text.split()
        f = fold(text)
        last = fold(words[-1])
        if len(words) > 2 and any(
            (fold(w) in lex.verbs or (fold(w).endswith("ed") and len(w) > 3)) and fold(w) not in lex.cert_suffixes
            for w in words[1:]
        ):
            return text, pending, None  # "falls dropped 35%": a clause with its own subject
        if m := re.match(r"^(\S+) since \d{4}$", text):
            if lex.certs.fullmatch(m.group(1)):
                return f"I've been {_article(m.group(1))} {text}", pending, None
        if last in {"certified", "licensed"}:
            self.r.certified.append(text)
        elif last in lex.cert_suffixes and len(words) > 1:
            self.r.holds.append(text)  # "EA credential" -> "I hold the EA credential"
        elif f in lex.cert_words or last in lex.cert_suffixes or (lex.certs.fullmatch(text) is not None):
            self.r.credentials.append(text)
        elif lex.tools.search(text) and not _DIGIT.search(text) or (
            len(words) <= 3 and self._capitalised(" " + text) and not _DIGIT.search(text)
        ):
            self.r.tools.append(text)
        else:
            self.r.highlights.append(text)
            return "", pending, text
        return "", pending, None

    def _insert_for(self, text: str) -> str:
        """'warehouse lead 4 years' -> 'warehouse lead for 4 years' (the fact stays verbatim)."""
        words = text.split()
        for i in range(1, len(words)):
            if _TENURE.match(" ".join(words[i : i + 2])):
                prev = fold(words[i - 1]).strip(",")
                verb = (prev in self.lex.verbs or prev.endswith("ed")) and prev not in self.lex.title_heads
                if prev.isalpha() and prev not in _NO_FOR_BEFORE and not verb:
                    words.insert(i, "for")
                break
        return " ".join(words)

    @staticmethod
    def _capital_first(text: str) -> str:
        return text[0].upper() + text[1:] if text[:1].islower() else text

    def _sentence(self, pieces: list[str]) -> str:
        parts = [p.rstrip(" .,") for p in pieces]
        parts[0] = self._capital_first(parts[0])
        # Pieces that start with "I" read best joined by "and" when only two.
        return _join(parts) + "."

    def _salvage(self, clause: str) -> None:
        """Facts worth keeping from a clause that is left out: titles, credentials, tools, places."""
        lex = self.lex
        words = clause.split()
        for i, w in enumerate(words):
            context = i > 0 and self._speaker_title_slot(words, i)
            if context or (i == 0 and fold(w) not in {"my", "our", "the"}):
                t = self._title_at(words, i)
                nxt = fold(words[i + len(t.split())]) if t and i + len(t.split()) < len(words) else ""
                if t and not context and (fold(t.split()[-1]) in _AUTHORITY or nxt in _SUBJECT_VERBS):
                    t = None  # "dispatcher is a jerk": someone else, not the speaker
                if t:
                    self.r.fact_sentences.append(
                        _pick(lex.templates["facts"]["title"], zlib.crc32(fold(self.draft).encode()), "title").format(
                            a=_article(t), title=t
                        )
                        + "."
                    )
                    self.r.facts_kept.append(t)
                    break
        if m := _GERUND_SUBJECT.match(clause):
            self.r.fact_sentences.append(f"I've been {m.group(1).lower()} {m.group(2)}.")
            self.r.facts_kept.append(m.group(2))
        if m := _WORKPLACE.search(clause):
            self.r.fact_sentences.append(f"I work at {m.group(1)}.")
            self.r.facts_kept.append(m.group(1))
        if m := _NOBODY_DOES.search(clause):
            self.r.goals.append(m.group(1))
        f = fold(clause)
        learning = any(r.pattern.search(f) for r in lex.reasons if r.id in {"learning", "career_change"})
        for m in lex.certs.finditer(clause):
            tok = m.group(0)
            if tok.lower() in {"a+", "pe", "ea", "gcp"} and not tok.isupper():
                continue
            (self.r.goals if learning else self.r.credentials).append(tok)
        for m in lex.tools.finditer(clause):
            tok = m.group(0)
            if tok.lower() in {"go", "r", "node", "epic", "swift", "spark"} and not tok[0].isupper():
                continue
            (self.r.goals if learning else self.r.tools).append(tok)
        for m in lex.places.finditer(clause):
            before = fold(clause[: m.start()]).split()[-1:] or [""]
            moving = any(r.pattern.search(f) for r in lex.reasons if r.id == "relocation")
            if moving and before[0] in {"to", "in", "into"} and self.r.destination is None:
                self.r.destination = m.group(0)
            elif m.group(0) not in self.r.places:
                self.r.places.append(m.group(0))
        if m := _CONTRACT_PHRASE.search(clause):
            phrase = m.group(1)
            after = clause[m.end():]
            if pm := re.match(r"\s+in\s+(" + lex.places.pattern + ")", after, re.IGNORECASE):
                phrase += pm.group(0)
                if pm.group(1) in self.r.places:
                    self.r.places.remove(pm.group(1))
            if self.r.contract is None:
                self.r.contract = phrase


def read(draft: str) -> _Reading:
    """The engine's reading of a draft (reasons, facts, left out), checked by the validator."""
    lex = load()
    reading = _Reader(lex, draft).read()
    vetoed = _flagged(reading.kept_clauses)
    return _Reader(lex, draft, vetoed).read() if vetoed else reading


def _flagged(clauses: list[str]) -> frozenset[str]:
    """The kept clauses the validator would flag: no lexicon here can know every insult.

    One check() over all of them at once (cheap: a few short sentences); a flagged clause
    is then read as a complaint, so it is left out and only its titles and tools salvaged.
    """
    if not clauses:
        return frozenset()
    from ..validate import check  # the validator is the one source of truth for "negative"

    text, spans, pos = "", [], 0
    for clause in clauses:
        piece = clause.rstrip(" .!?") + ". "
        spans.append((pos, pos + len(piece)))
        text += piece
        pos += len(piece)
    # answer.* judges a whole answer's shape (first person, length), not a clause's tone.
    errors = [f for f in check(text).findings if f.severity == "error" and not f.rule.startswith("answer.")]
    from ..guard import holds_payload  # a pasted tag, fence or instruction is never kept word for word

    return frozenset(
        fold(clause) for clause, (a, b) in zip(clauses, spans, strict=True)
        if any(f.start < b and f.end > a for f in errors) or holds_payload(clause)
    )


def _words_in(text: str) -> int:
    return len(text.split())


def compose(draft: str, context: Context | None = None) -> Composition:
    """Rewrite `draft` into an interview answer, deterministically, with local rules only."""
    context = context or Context()
    lex = load()
    t = lex.templates
    reading = read(draft)
    seed = zlib.crc32(" ".join(fold(draft).split()).encode())

    def pick(options: list[str], part: str) -> str:
        return _pick(options, seed, part)

    reasons: list[Reframe] = []
    said: set[str] = set()
    for rid in reading.reasons[:4]:
        if rid == "relocation" and reading.destination:
            s = pick(t["reframe_with"]["relocation"], rid).format(place=reading.destination)
            said.add(fold(reading.destination))
        elif rid == "contract" and reading.contract:
            s = pick(t["reframe_with"]["contract"], rid).format(contract=reading.contract)
            said.add(fold(reading.contract))
        elif rid == "instability" and reading.places and not reading.destination:
            s = pick(t["reframe_with"]["instability"], rid).format(place=reading.places[0])
            said.add(fold(reading.places[0]))
        else:
            s = pick(t["reframe"][rid], rid)
        reasons.append(Reframe(reason=rid, reframed_as=s))
    # Money never leads (P4): a pay reason goes last.
    reasons.sort(key=lambda r: r.reason == "pay")
    # No reason the engine can name: still say what the speaker is moving toward (P4).
    general = "" if reasons else pick(t["reframe_general"], "general")

    facts: list[str] = list(_dedupe(reading.fact_sentences))
    fl = t["facts"]
    if reading.certified:
        facts.append(pick(fl["certified"], "cert").format(list=_join(_dedupe(reading.certified))))
    if reading.holds:
        facts.append(pick(fl["holds"], "holds").format(list=_join(_dedupe(reading.holds))))
    if reading.credentials:
        facts.append(pick(fl["credentials"], "cred").format(list=_join(_dedupe(reading.credentials))))
    body_so_far = fold(" ".join(facts + reading.aspirations))
    tools = [x for x in _dedupe(reading.tools) if fold(x) not in body_so_far]
    if tools:
        facts.append(pick(fl["tools"], "tools").format(list=_join(tools)))
    if reading.highlights:
        facts.append(pick(fl["highlights"], "hl").format(list=_join(_dedupe(reading.highlights))))
    goals = [g for g in _dedupe(reading.goals) if fold(g) not in fold(" ".join(facts))]
    if goals:
        facts.append(pick(fl["goals"], "goals").format(list=_join(goals)))

    fit = ""
    if context.role and context.company:
        fit = pick(t["fit"]["role_company"], "fit").format(role=context.role, company=context.company)
    elif context.role:
        fit = pick(t["fit"]["role"], "fit").format(role=context.role)
    elif context.company:
        fit = pick(t["fit"]["company"], "fit").format(company=context.company)
    elif context.job_posting:
        fit = pick(t["fit"]["posting"], "fit")

    opening = pick(t["opening"], "opening")
    lead = pick(t["reasons_lead"], "lead") if reasons else ""
    facts_lead = pick(fl["lead"], "facts_lead") if facts else ""
    closing = pick(t["close"]["closing"], "closing")
    padding: list[str] = []

    def assemble() -> str:
        parts = [opening, lead, general, *(r.reframed_as for r in reasons), facts_lead, *facts,
                 *reading.aspirations, *padding, fit, closing]
        return " ".join(p for p in parts if p)

    answer = assemble()
    # Spoken length: about thirty to ninety seconds at a hundred and fifty words a minute.
    pads = list(t["close"]["padding"])
    start = zlib.crc32(f"pad\x00{seed}".encode()) % len(pads)
    while _words_in(answer) < 85 and len(padding) < len(pads):
        padding.append(pads[(start + len(padding)) % len(pads)])
        answer = assemble()
    if _words_in(answer) > 200:
        lead, facts_lead = "", ""
        answer = assemble()
    while _words_in(answer) > 200 and len(reasons) > 1:
        reasons.pop()
        answer = assemble()

    return Composition(
        answer=answer,
        reasons=tuple(reasons),
        facts_kept=tuple(_dedupe(reading.facts_kept)),
        left_out=tuple(_dedupe(reading.left_out)),
    )
