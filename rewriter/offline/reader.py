"""Reading a draft into structure: clauses, who acts in each, reasons, and fact slots.

Per clause: the actor (the speaker, their team, someone else), the reasons it gives,
whether it complains, and what kind of clause it is:
  - fact:      the speaker's own work, kept in their words (tidied: "im" -> "I'm");
  - desire:    what the speaker wants next, kept when it is concrete and clean;
  - situation: a fact about the job (a move, a contract ending, a layoff): told by its
               reason's template, with the slots read from it (place, date, ...);
  - complaint / other: left out; only slots are salvaged.
A clause whose actor is someone else is never said as "I ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Lexicon, load
from .text import PRONOUNS, article, capital, clauses, fold, join, normalise, sentences, tidy

_DIGIT = re.compile(r"\d")
_INITIAL = re.compile(r"\b([a-z])")
_TENURE = re.compile(r"^(?:about |almost |nearly |over |around )?\d+(?:\.\d+)?\+? (?:years?|months?|weeks?|seasons?)\b", re.I)
_TENURE_ANY = re.compile(r"\b\d+(?:\.\d+)?\+? (?:years?|months?)\b", re.I)
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
           r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATE = re.compile(
    r"\b(?:(?:in|by|on|at|from|starting|since|until|till|end of|the end of|early|late|mid|next|this|last)\s+)*"
    r"(?:(?:" + _MONTHS + r")(?:\s+\d{1,2}(?:st|nd|rd|th)?)?\b|\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|(?:last|next|this) (?:week|month|year|fall|spring|summer|winter|season)\b|(?:the )?(?:fall|spring|summer|winter)\b"
    r"|\d{4}\b|(?:a )?(?:few|couple) (?:weeks|months) (?:ago|from now))",
    re.IGNORECASE)
_COMMUTE = re.compile(
    r"\b(?:about )?\d+(?:\.\d+)?\+? (?:hours?|minutes?|miles?)(?: (?:each way|round trip|a day|every day|both ways|one way))?"
    r"(?: (?:each way|round trip|every day))?", re.I)
_OFFICE_DAYS = re.compile(r"\b(?:\d|five|four|three) days a week\b(?: in (?:the )?office)?", re.I)
_CONTRACT = re.compile(
    r"\b(?:my |our |the )?((?:[\w-]+ ){0,4}?(?:contract|assignment|position|placement)(?: (?:as|at|with|in) (?:a |an |the )?[\w -]{2,40}?)?)"
    r"(?= (?:ends|is ending|wraps|expires|finishes|is up|runs out)\b)", re.I)
_PLACE_WORD = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})\b")
_SELF = {"i", "im", "ive", "id", "ill", "me", "myself", "iam"}
_TEAM = {"we", "were", "weve", "wed", "us"}
_DETERMINERS = {"my", "our", "the", "his", "her", "their", "this", "that", "a", "an", "whole", "new", "every", "all", "some"}
_IMPLIED_OK = {"been", "also", "still", "always", "mostly", "mainly", "currently", "now"}
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|cant|wont|dont|doesnt|didnt|isnt|wasnt|hasnt|havent|without)\b")
_DESIRE = re.compile(
    r"^(?:i\s+)?(?:really\s+|also\s+|still\s+)?(?:want(?:ed)?|wanna|need|would like|would love|id like|id love|d like"
    r"|hope|hoping|am hoping|im hoping|looking|im looking|am looking|trying|im trying|plan|planning|im planning)"
    r"(?:\s+to)?\s+", re.IGNORECASE)
_DESIRE_VERB_OBJECT = re.compile(
    r"^(?:move|switch|transition|pivot|go|get|work|do|settle|stay|grow|build|lead|use|learn|focus|find|keep|join|bring|teach|try)\b", re.I)
_SPEAKERS_OWN = {"relocation", "career_change"}  # "they didn't offer relocation" is not a move
_HOUSEHOLD = re.compile(r"^(?:my|our) (?:wife|husband|partner|spouse|fiance|fiancee|family|girlfriend|boyfriend)\b")
_STRONG_GRIEVANCE = re.compile(r"\b(micro ?manag|yell|scream|takes? credit|blames?|toxic|favou?rit|harass|clique|gossip)")
_GRIEVANCES = {"pay", "management", "culture", "workload", "boredom"}
_GENERIC_ENDS = {"somewhere", "something", "elsewhere", "place", "company", "job", "team", "employer", "outfit",
                 "environment", "change", "else", "more", "better"}
_FIRED_SUBJECT = re.compile(r"\b(?:got |was |been |i was |i got )?(?:let go|fired|terminated(?: for cause)?|dismissed)\b", re.I)


@dataclass
class Clause:
    text: str  # normalised, the user's words
    joiner: str  # "which", "when", "but", ... or ""
    sentence: int
    actor: str = "implied"  # self | team | implied | other
    reasons: tuple[str, ...] = ()
    complaint: bool = False
    kind: str = "other"  # fact | desire | situation | complaint | other


@dataclass
class Reading:
    clauses: list[Clause] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # in draft order
    ended: bool = False  # the job is already over (fired, laid off)
    identity: list[str] = field(default_factory=list)  # "I've been a CNA at Maple Grove for 3 years"
    facts: list[str] = field(default_factory=list)  # the speaker's own work, as sentences
    desires: list[str] = field(default_factory=list)  # "I'd like to move into service advisor or parts"
    situations: dict[str, list[str]] = field(default_factory=dict)  # reason -> neutral sentences kept
    slots: dict[str, str] = field(default_factory=dict)  # place, date, contract, commute, policy, need, field, cause
    cause: str = "other"  # firing cause kind
    goals: list[str] = field(default_factory=list)  # skills to grow into, from a complaint about learning
    tools: list[str] = field(default_factory=list)  # tools named inside a complaint
    certs: list[str] = field(default_factory=list)  # credentials named inside a complaint
    left_out: list[str] = field(default_factory=list)
    facts_kept: list[str] = field(default_factory=list)


class Reader:
    """One pass over a draft; `vetoed` are clauses the validator flagged (read as complaints)."""

    def __init__(self, draft: str, vetoed: frozenset[str] = frozenset()) -> None:
        self.lex: Lexicon = load()
        self.draft = normalise(draft)
        self.vetoed = vetoed
        self.r = Reading()
        self._project = False  # the last clause gave a project the speaker led
        self._last_situation = -1  # the draft sentence of the last situation told plainly
        self._last_rid = ""

    # ---------------------------------------------------------------- clauses

    def read(self) -> Reading:
        lex = self.lex
        for si, sentence in enumerate(sentences(self.draft)):
            previous = ""
            for joiner, text in clauses(sentence):
                c = Clause(text=text, joiner=joiner, sentence=si)
                f = fold(text)
                c.actor = self._actor(text)
                if c.actor == "implied" and previous == "other" and joiner in {"", "and"} and self._verb_first(f):
                    c.actor = "other"  # "new CEO came in, changed everything": still the CEO acting
                previous = c.actor
                initials = frozenset(_INITIAL.findall(f))
                c.reasons = tuple(
                    r.id for r in lex.reasons if (r.initials is None or not r.initials.isdisjoint(initials))
                    and r.pattern.search(f) and not r.unless.search(f)
                    and not (r.id in _SPEAKERS_OWN and (c.actor == "other" and not _HOUSEHOLD.match(f) or _NEGATION.search(f)))
                ) if lex.any_reason.search(f) else ()
                rewritten = self._rewrite(text)
                if rewritten != text and rewritten.strip():
                    c.text, text, f = rewritten, rewritten, fold(rewritten)
                    c.reasons = tuple(x for x in c.reasons if self._reason(x).pattern.search(f) or x not in _GRIEVANCES)
                c.complaint = self._complains(c, f)
                c.kind = self._kind(c, f)
                self.r.clauses.append(c)
                for rid in c.reasons:
                    if rid not in self.r.reasons:
                        self.r.reasons.append(rid)
        self._settle_reasons()
        self._render()
        return self.r

    def _actor(self, text: str) -> str:
        words = [fold(w).strip(",.") for w in text.split()]
        if not words:
            return "implied"
        w0 = words[0]
        if w0 in {"now", "still", "also", "then", "and", "plus"} and len(words) > 2 and (
                words[1] in _SELF | _TEAM or self.lex.other_actor.match(" ".join(words[1:]))
                or words[1] in {"everything", "everyone", "nobody", "nothing", "the", "my", "our"}):
            return self._actor(text.split(None, 1)[1])  # "now everything takes 6 approvals": everything acts
        if w0 == "me":
            return "other"  # "me included": an aside, not something the speaker did
        if w0 in _SELF:
            return "self"
        if w0 in _TEAM:
            return "team"
        low = " ".join(words)
        if self.lex.other_actor.match(low):
            # "HR generalist", "admin assistant": a title, not the department acting
            if self._title_at(text.split(), 0) and not any(w in self.lex.finite for w in words[1:4]):
                return "implied"
            return "other"
        if w0 in {"was", "am"} and len(words) > 1 and words[1] not in self.lex.finite:
            return "implied"
        if w0 in _IMPLIED_OK or w0 in self.lex.verbs or (w0.endswith("ed") and len(w0) > 4 and w0 not in self.lex.title_heads):
            if w0 == "got" and len(words) > 1 and words[1] in {"bought", "acquired", "sold", "merged"}:
                return "other"
            return "implied"
        if w0 in {"my", "the", "our"} and len(words) > 2 and words[2].endswith("s") and not words[2].endswith("ss") \
                and words[1] not in self.lex.title_heads | {"whole", "new", "old"} and not words[2][:1].isdigit():
            return "other"  # "my boss micromanages", "my job sucks"
        # A noun phrase followed by a finite verb acts: "my mgr checks", "the kitchen is toxic".
        for i, w in enumerate(words[1:7], start=1):
            if w in self.lex.finite or (w.endswith(("s", "ed")) and w in self.lex.verbs and i > 1):
                if w0 in _DETERMINERS or i <= 3:
                    return "other"
            if w in {"i", "im", "ive"}:
                break
        return "implied"

    def _rewrite(self, text: str) -> str:
        """A coach's edits before a clause is repeated: repetition words out, escape words to direction."""
        if not self.lex.any_rewrite.search(text):
            return text
        for pattern, repl in self.lex.rewrites:
            text = pattern.sub(repl, text)
        return re.sub(r"\s{2,}", " ", text).strip()

    def _verb_first(self, f: str) -> bool:
        w0 = f.split()[0] if f.split() else ""
        return w0 in self.lex.verbs or w0 in self.lex.finite or (w0.endswith("ed") and len(w0) > 4)

    def _complains(self, c: Clause, f: str) -> bool:
        lex = self.lex
        if f in self.vetoed:
            return True
        if lex.complaint.search(f) and not self._neutral_fact(f):
            return True
        if any(f == op or f.startswith(op + " ") for op in lex.blame_openers) and c.actor == "other" and not any(
                self._reason(x).situation for x in c.reasons):
            return not self._neutral_fact(f)
        # "I trained the guy they promoted": someone else's act inside the speaker's clause
        if c.actor in {"self", "implied"} and re.search(r"\b(?:they|he|she)\s+(?:\w+ed|gave|took|made|pay|paid|promoted|hired)\b", f):
            return True
        return False

    @staticmethod
    def _neutral_fact(f: str) -> bool:
        """Facts that read as complaints to a word list: "no accidents", "zero write ups"."""
        return bool(re.fullmatch(r"(?:with )?(?:no|zero) (?:accidents|incidents|write ?ups|complaints|errors|injuries|sick days"
                                 r"|missed days|absences|lost time)(?: .*)?", f))

    def _kind(self, c: Clause, f: str) -> str:
        lex = self.lex
        if c.actor != "other" and _DESIRE.match(f if c.actor != "self" else re.sub(r"^(?:i|im|id)\s+", "i ", f)):
            return "desire" if not c.complaint or self._desire_body(c.text) else "complaint"
        if self._neutral_fact(f) or re.match(r"^(?:mostly|mainly|primarily) \w+", f) and not c.complaint:
            return "fact"
        if self._is_cause(c, f):
            return "cause"
        if c.complaint:
            return "complaint"
        if any(r in _GRIEVANCES for r in c.reasons):
            return "complaint"  # "caseload of 48 families": a workload told as a grievance
        situation = [r for r in c.reasons if self._reason(r).situation]
        if situation:
            return "situation"
        if c.actor == "other":
            return "other"
        if c.reasons and c.actor in {"self", "team"} and not _DIGIT.search(f):
            return "other"  # "I want more responsibility" said as a reason: the template says it
        if self._fact_signal(c.text):
            return "fact"
        return "other"

    def _is_cause(self, c: Clause, f: str) -> bool:
        """In a firing, what the speaker did that led to it ("missed 2 shifts"): owned, once."""
        if c.actor not in {"self", "implied"} or not any(
            "fired" in x.reasons for x in self.r.clauses + [c]
        ) and not re.search(r"\b(fired|let go|terminated)\b", fold(self.draft)):
            return False
        return any(p.search(f) for _, p in self.lex.fired_causes) and not re.search(r"\b(fired|let go|terminated)\b", f)

    def _reason(self, rid: str):  # noqa: ANN202
        return next(r for r in self.lex.reasons if r.id == rid)

    def _fact_signal(self, text: str) -> bool:
        lex = self.lex
        words = text.split()
        if not words:
            return False
        if len(words) == 1 and not (_DIGIT.search(text) or lex.tools.search(text) or lex.certs.search(text)
                                    or re.search(r"[A-Z]{2,}", text) or self._title_at(words, 0)):
            return False  # "relieved": a feeling, not a fact
        if _DIGIT.search(text) or lex.tools.search(text) or lex.certs.search(text):
            return True
        if any(w[:1].isupper() and i > 0 and w not in {"I", "I'm", "I've", "I'd"} for i, w in enumerate(words)):
            return True
        if any(len(w) > 1 and w.strip(",.").isupper() and w.strip(",.").isalpha() for w in words):
            return True  # "ER", "ICU", "RRT": the user's own acronyms
        if any(self._title_at(words, i) for i in range(len(words))):
            return True
        if fold(words[-1]).strip(",.") in lex.cert_suffixes:
            return True
        if fold(words[0]) in {"where", "what", "why", "how", "who", "when", "idk", "ok", "so"}:
            return False
        if re.search(r"\b(?:good|great|strong|skilled|experienced) (?:at|with|in) (?!what\b|it\b|this\b)\w", text, re.I):
            return True
        if any(re.search(r"[A-Z]{2,}", w) for w in words):
            return True
        w0 = fold(words[0])
        return w0 in lex.verbs or (w0.endswith("ed") and len(w0) > 4) or (
            w0 in _SELF | _TEAM and any(fold(w) in lex.verbs or (fold(w).endswith("ed") and len(w) > 4) for w in words[1:5]))

    def _title_at(self, words: list[str], i: int) -> str | None:
        """The longest job title ending at a head noun, starting at words[i]."""
        lex = self.lex
        best = None
        for j in range(i, min(i + 4, len(words))):
            w = fold(words[j]).strip(",.")
            if w in lex.title_stop or (w.isdigit() and (j == i or fold(words[j - 1]) not in {"tier", "level"})):
                break
            if w in lex.title_heads:
                if w in lex.title_ambiguous and j == i and i > 0 and fold(words[i - 1]) not in {"a", "an", "the"}:
                    continue
                best = " ".join(words[i: j + 1]).strip(",.")
        return best

    def _settle_reasons(self) -> None:
        r = self.r
        ids = r.reasons
        # A firing told by the speaker wins over the generic "let go" of a layoff.
        if "fired" in ids and "instability" in ids and not any(
            "instability" in c.reasons and "fired" not in c.reasons for c in r.clauses
        ):
            ids.remove("instability")
        if "career_change" in ids and "relocation" in ids and not any(
            "relocation" in c.reasons and re.search(r"\b[A-Z]", c.text[1:]) for c in r.clauses
        ):
            ids.remove("relocation")  # "moving into HR" is a direction, not a move
        if "fired" in ids:
            for grievance in ("management", "culture"):
                if grievance in ids:
                    ids.remove(grievance)  # a firing is owned, never blamed on the manager
        if ("instability" in ids or "fired" in ids) and not any(_STRONG_GRIEVANCE.search(fold(c.text)) for c in r.clauses):
            for grievance in ("management", "culture"):
                if grievance in ids:
                    ids.remove(grievance)  # "they called me into a zoom with HR": part of the layoff story
        if "instability" in ids and "restructuring" in ids and not re.search(
            r"\b(acquired|bought|acquisition|private equity|new owners|merged|merger)\b", fold(self.draft)
        ):
            ids.remove("restructuring")  # "they said it was restructuring": the layoff says it
        if re.search(r"\b(acquired|got bought|bought by|acquisition|private equity|new owners)\b", fold(self.draft)):
            r.slots["acquired"] = "yes"
        elif re.search(r"\b(merged|merger)\b", fold(self.draft)):
            r.slots["merged"] = "yes"
        r.ended = any(self._reason(i).ended for i in ids) or any(
            re.search(r"\b(?:got|was|been|were) (?:laid off|cut|let go|eliminated)\b|\b(?:position|role|job) (?:was |got )?eliminated\b"
                      r"|\blaid off (?:last|this|in)\b", fold(c.text))
            for c in r.clauses
        )
        if "fired" in ids:
            for c in r.clauses:
                if c.kind == "cause" and "cause" not in r.slots:
                    words = tidy(c.text).split()
                    lead = "I " if c.actor == "implied" else ""
                    r.slots["cause"] = " after " + lead + " ".join(words)
                    r.facts_kept.append(c.text)
                m = re.search(r"\b(?:fired|let go|terminated)(?: me)?(?: (?:last|this) \w+)? (for (?:being |not )?[^,.;]{2,40})$", c.text, re.I)
                if m and "cause" not in r.slots and not self.lex.complaint.search(fold(m.group(1))):
                    r.slots["cause"] = " " + m.group(1)
            for c in r.clauses:
                for kind, pattern in self.lex.fired_causes:
                    if pattern.search(c.text):
                        r.cause = kind
                        break
                if r.cause != "other":
                    break

    # ---------------------------------------------------------------- rendering

    def _render(self) -> None:
        r = self.r
        by_sentence: dict[int, list[Clause]] = {}
        for c in r.clauses:
            by_sentence.setdefault(c.sentence, []).append(c)
        for _, group in sorted(by_sentence.items()):
            self._render_sentence(group)
        for c in r.clauses:
            if c.kind == "desire":
                self._salvage(c)
        if "relocation" in r.reasons and "place" not in r.slots:
            for c in r.clauses:  # "my wife got into grad school in austin, so we're moving"
                if m := self.lex.places.search(c.text):
                    r.slots["place"] = m.group(0)
                    break
        r.left_out.extend(c.text for c in r.clauses if c.kind == "complaint" and len(c.text.split()) > 1)

    def _render_sentence(self, group: list[Clause]) -> None:
        """The speaker's facts of one draft sentence, as spoken sentences."""
        r = self.r
        current: list[str] = []  # pieces of the sentence being built
        title: str | None = None
        for c in group:
            if c.joiner == "which" and self._project and not c.complaint and c.kind != "desire":
                tail = re.sub(r"^had (\w+)", r"\1", tidy(c.text))
                r.facts[-1] = r.facts[-1].rstrip(".") + ", which " + tail + "."
                r.facts_kept.append(c.text)
                self._project = False
                c.kind = "fact"
                continue
            self._project = False
            if c.kind == "other" and c.actor == "other" and current and not c.complaint and (
                    _DIGIT.search(c.text) or re.search(r"\b(?:went up|grew|improved|rose|doubled|tripled|increased)\b", c.text)) \
                    and not _NEGATION.search(fold(c.text)) and not c.reasons:
                current[-1] = current[-1].rstrip(" .,") + ", and " + tidy(c.text)  # "one did $3M first year"
                r.facts_kept.append(c.text)
                c.kind = "fact"
                continue
            if c.kind in {"complaint", "other"}:
                self._salvage(c)
                continue
            if c.kind == "desire":
                body = self._desire_body(c.text)
                if body:
                    r.desires.append(body)
                    r.facts_kept.append(c.text)
                else:
                    c.kind = "other"
                    self._salvage(c)
                continue
            if c.kind == "situation":
                self._situation(c)
                continue
            if c.kind != "fact":
                continue
            piece, is_title = self._fact_piece(c, title, current)
            if is_title:
                title = is_title
            if piece is None:
                continue
            if c.joiner == "which" and current:
                current[-1] = current[-1] + ", which " + piece
            elif piece.startswith((",", " ")):
                if current:
                    current[-1] = current[-1] + piece
                elif fold(piece).startswith((", mostly", ", mainly", ", primarily")) and (r.identity or r.facts):
                    target = r.identity if r.identity else r.facts
                    target[0] = target[0].rstrip(".") + piece + "."
                elif r.facts or r.identity:
                    target = r.facts if r.facts else r.identity
                    target[-1] = target[-1].rstrip(".") + piece + "."
                else:
                    c.kind = "other"  # nothing to attach it to: not said rather than said as a fragment
                    continue
            elif current and piece.startswith("I work with ") and current[-1].startswith("I work with "):
                current[-1] = current[-1] + " and " + piece[len("I work with "):]
            elif current and piece.startswith("I have my ") and re.match(r"^I have my [^,]+$", current[-1]):
                current[-1] = current[-1] + " and " + piece[len("I have my "):]
            else:
                current.append(piece)
            r.facts_kept.append(c.text)
        if current:
            self._flush(current)

    def _flush(self, pieces: list[str]) -> None:
        r = self.r
        paired: list[str] = []
        for piece in pieces:  # two short facts of one draft sentence said as one sentence
            prev = paired[-1] if paired else ""
            if prev and " and " not in prev and len(prev.split()) + len(piece.split()) <= 22 \
                    and piece.startswith(("I ", "I'")) and not prev.startswith(("I'm a", "I'm an", "I've been a")):
                paired[-1] = prev.rstrip(" .,") + ", and " + piece
            else:
                paired.append(piece)
        for piece in paired:
            sentence = capital(piece.rstrip(" ,.")) + "."
            if re.match(r"^I(?:'ve been|'m| am| was| have been|'ve worked as|'ve spent)\b", sentence) and (
                self._title_at(sentence.split(), 3) or self._title_at(sentence.split(), 2) or _TENURE_ANY.search(sentence)
            ) and len(r.identity) < 2:
                r.identity.append(sentence)
            else:
                r.facts.append(sentence)

    def _fact_piece(self, c: Clause, title: str | None, current: list[str]) -> tuple[str | None, str | None]:
        """One fact clause as a piece of speech, in its own actor's voice."""
        lex = self.lex
        text = tidy(c.text)
        words = text.split()
        if not words:
            return None, None
        w0 = fold(words[0])
        if c.actor in {"self", "team"}:
            said = self._fix_title_article(self._insert_for(text))
            if re.match(r"^I'm (?:a|an) [^,]+ for (?:about )?\d", said) and not re.search(r"\b(?:contract|assignment)\b", said):
                said = "I've been" + said[3:]  # "I'm an ICU nurse for 5 years" -> "I've been an ICU nurse for 5 years"
            return said, None
        # Implied speaker: verb first, "been ...", or a fragment.
        if w0 == "been":
            return "I've " + self._fix_title_article(self._insert_for(text)), None
        if w0 in {"was", "am"} and len(words) > 1:
            return "I " + self._fix_title_article(text), None
        if w0 in {"currently", "now"} and len(words) > 1 and fold(words[1]) in {"a", "an", "the"}:
            return "I'm " + text, self._title_at(words, 2)
        if w0 in {"also", "still", "always", "currently", "now"} and len(words) > 1:
            return "I " + text, None
        if w0 in lex.verbs or (w0.endswith("ed") and len(w0) > 4):
            if w0 in {"certified", "licensed"}:
                return self._credential(text), None
            return "I " + text, None
        t = self._title_at(words, 0)
        if t:
            rest = " ".join(words[len(t.split()):]).strip(" ,")
            if fold(rest) in lex.cert_suffixes or fold(rest).endswith(tuple(lex.cert_suffixes)):
                return self._credential(text), None
            if not rest:
                return f"I'm {article(t)} {t}", t
            rest = self._insert_for(rest, force=True)
            if re.match(r"^for \d", rest) and not re.search(r"\bcontract\b", rest):
                return f"I've been {article(t)} {t} {rest}", t
            return f"I'm {article(t)} {t} {rest}", t
        if re.match(r"^after (?:about )?\d+ (?:years?|months?)$", text, re.I):
            self.r.slots["after"] = " " + text
            return None, None
        if _TENURE.match(text):
            m = _TENURE.match(text)
            assert m is not None
            rest = text[m.end():].strip()
            tenure = text[: m.end()]
            if current and not rest:
                last = current[-1]
                if re.match(r"^I'm (?:currently )?(?:a|an) ", last) and not re.search(r"\bfor \d", last):
                    current[-1] = re.sub(r"^I'm (?:currently )?", "I've been ", last) + f" for {tenure}"
                    return None, None
                if " and " in last or "," in last:
                    return f", for {tenure}", None
                current[-1] = last + f" for {tenure}"
                return None, None
            if current and rest and re.match(r"^I'm (?:a|an) [^,]+$", current[-1]) and not re.search(r"\d", current[-1]):
                current[-1] = current[-1] + f" with {tenure} {rest}"
                return None, None
            if not rest:
                return f"I've been doing this work for {tenure}", None
            r0 = fold(rest.split()[0])
            if r0 in {"as", "at", "in", "on", "with", "for"}:
                return f"I've spent {tenure} {rest}", None
            if fold(rest) in {"experience", "of experience"}:
                return f"I have {tenure} {rest}", None
            if r0 == "of":
                return f"I have {tenure} {rest} behind me", None
            if r0.endswith("ing"):
                return f"I've spent {tenure} {rest}", None
            return f"I've spent {tenure} in {rest}", None
        if lex.certs.search(text) or fold(words[-1]) in lex.cert_suffixes:
            return self._credential(text), None
        if (re.search(r"\d", text) or fold(text).startswith(("no ", "zero ", "top "))) and (current or r_has_facts(self.r)):
            return ", with " + text, None
        if re.search(r"\d", text):
            return (f"I'm proud of {text}" if re.search(r"[%$]", text) else f"I've worked in {self._insert_for(text)}"), None
        if fold(words[0]) in {"mostly", "mainly", "primarily"}:
            return ", " + text, None
        if lex.tools.search(text) or (len(words) <= 3 and any(w[:1].isupper() and not w.isupper() for w in words)):
            return f"I work with {text}", None
        if len(words) <= 2:
            return f"I've worked in {text}", None
        return ", " + text, None

    def _credential(self, text: str) -> str:
        f = fold(text)
        if f.endswith(("certified", "licensed")):
            return f"I'm {text}"
        if f.startswith(("certified", "licensed")):
            return f"I'm {article(text)} {text}"  # "I'm a certified CPhT"
        items = [i.strip() for i in re.split(r",\s*|\s+and\s+", text) if i.strip()]
        done = [i for i in items if not fold(i).endswith("in progress")]
        pending = [i for i in items if fold(i).endswith("in progress")]
        out = f"I have my {join(done)}" if done else ""
        if pending:
            out += (", with " if out else "I have ") + "my " + join(pending)
        return out

    def _insert_for(self, text: str, force: bool = False) -> str:
        """'warehouse lead 4 years' -> 'warehouse lead for 4 years' (the fact stays verbatim)."""
        words = text.split()
        for i in range(0 if force else 1, len(words)):
            if _TENURE.match(" ".join(words[i: i + 2])):
                prev = fold(words[i - 1]).strip(",") if i > 0 else ""
                if i == 0 or (prev.isalpha() and prev not in {"for", "in", "of", "after", "with", "than", "the", "a",
                              "an", "over", "about", "around", "last", "past", "next", "first", "every", "by", "to",
                              "from", "and", "or", "my", "our", "almost", "nearly", "spent", "had", "have", "has"}
                              and not (prev in self.lex.verbs and prev not in self.lex.title_heads)):
                    words.insert(i, "for")
                break
        return " ".join(words)

    def _fix_title_article(self, text: str) -> str:
        """"I'm assistant store manager" -> "I'm an assistant store manager"."""
        m = re.match(r"^((?:I'm|I am|I've been|I was|been|I've worked as)\s+)(?!a\b|an\b|the\b|my\b|our\b)(.*)$", text)
        if m:
            words = m.group(2).split()
            t = self._title_at(words, 0)
            if t and not re.match(r"^(?:tier|level) \d", fold(t)) or (t and True):
                return m.group(1) + article(t) + " " + m.group(2)
        return text

    def _desire_body(self, text: str) -> str | None:
        """What the speaker wants, said cleanly, or None when it hides a complaint or says nothing."""
        lex = self.lex
        f = fold(text)
        low = " " + f + " "
        cut = len(text)
        for marker in lex.desire_cut_at:
            pos = low.find(marker)
            if pos >= 0:
                cut = min(cut, pos)  # low has one leading space, so pos == index in f
        for marker in lex.desire_soft_cut_at:
            pos = low.find(marker)
            rest = f[pos:] if pos >= 0 else ""
            if pos >= 0 and (lex.desire_implied.search(rest) or _NEGATION.search(rest) or lex.complaint.search(rest)):
                cut = min(cut, pos)
        body_src = text[:cut].strip(" ,")
        fb = fold(body_src)
        if lex.desire_implied.search(fb) or lex.complaint.search(fb) or _NEGATION.search(fb):
            return None
        m = _DESIRE.match(re.sub(r"^(?:im|i'm|id|i'd)\s+", "i ", fb))
        if not m:
            return None
        # Map the cut on the folded text back onto the user's words (same word count).
        head_words = len(fb[: m.end()].split())
        obj_words = body_src.split()[head_words:] if body_src.split()[0].lower() not in {"im", "i'm", "id", "i'd"} \
            else body_src.split()[head_words:]
        obj = tidy(" ".join(obj_words)).strip(" ,.")
        if not obj or len(obj.split()) < 2 and not _DIGIT.search(obj):
            return None
        fo = fold(obj)
        if re.match(r"^(?:out|away|off|done|something new|a change|more money|a raise)\b", fo):
            return None
        if fold(obj.split()[-1]) in {"it", "that", "this", "them", "there"} and len(obj.split()) < 5:
            return None  # "learn it": the thing is named elsewhere
        if fold(obj.split()[-1]) in _GENERIC_ENDS and not _DIGIT.search(obj) and not re.search(r"[A-Z]", obj[1:]):
            return None  # "go somewhere": the reason's template says it better
        verb_object = bool(_DESIRE_VERB_OBJECT.match(obj))
        if verb_object:
            return f"I'd like to {obj}."
        if re.match(r"^(?:something|a |an |more )", fo) and (len(obj.split()) > 2 or _DIGIT.search(obj)):
            return f"I'm looking for {obj}."
        return None

    def _situation(self, c: Clause) -> None:
        """A fact about the job, told plainly when it is the speaker's own and neutral."""
        r = self.r
        f = fold(c.text)
        self._salvage(c)
        for rid in c.reasons:
            if rid in {"caregiving", "health", "fired"}:
                continue  # discretion: told by the template, never in the draft's words
            if rid == "commute" and _COMMUTE.search(c.text):
                continue  # told as "my commute is 2 hours each way", without the mood around it
            neutral = c.actor in {"self", "team", "implied"} or re.match(r"^(?:my|our) ", f) or (
                c.actor == "other" and self._last_situation == c.sentence and rid in {"instability", "restructuring"}
                and not _NEGATION.search(f)) or (
                rid in {"instability", "restructuring"} and c.actor == "other" and not _NEGATION.search(f)
                and re.match(r"^(?:the |our |my )?(?:company|business|firm|agency|store|chain|office|site|plant|practice|clinic|startup|hospital)\b", f))
            if not neutral or c.complaint:
                continue
            if c.actor == "other" and c.joiner in {"", "and"} and self._last_situation == c.sentence:
                last = r.situations[self._last_rid]
                last[-1] = last[-1].rstrip(".") + f", and {tidy(c.text)}."
                r.facts_kept.append(c.text)
                break
            if c.joiner in {"when", "after", "as"} and r.situations.get(rid):
                r.situations[rid][-1] = r.situations[rid][-1].rstrip(".") + f" {c.joiner} {tidy(c.text)}."
                r.facts_kept.append(c.text)
                break
            text = tidy(c.text)
            if c.actor == "implied" and fold(text.split()[0]) in {"moving", "relocating", "leaving"}:
                text = "I'm " + text
            elif c.actor == "implied" and fold(text.split()[0]) in self.lex.verbs:
                text = "I " + text
            elif c.actor == "implied" and not re.match(r"^(?:my|our|the)\b", f):
                continue
            if rid == "relocation":
                text = re.split(r"\s+(?:to be closer to|because|for my|for our|to help|to care|to take care|to look after"
                                r"|to be near|to support)\b", text)[0]
            if re.match(r"^(?:company|business|firm|agency|store|office|hospital|practice|clinic|startup|school|plant)\b", text):
                text = "the " + text  # "company merged with ...": "The company merged with ..."
            r.situations.setdefault(rid, []).append(capital(text.rstrip(" ,.")) + ".")
            self._last_situation = c.sentence
            self._last_rid = rid
            r.facts_kept.append(c.text)
            break

    # ---------------------------------------------------------------- slots

    def _salvage(self, c: Clause) -> None:
        """Slots worth keeping from a clause that is not said as it is."""
        r, lex, text = self.r, self.lex, c.text
        f = fold(text)
        slots = r.slots
        if "next" not in slots and (m := re.search(
                r"\b(?:no path|no way|no chance) (?:up )?(?:to|into) (?:become |be |an? )?(?!go\b|grow\b|move\b)([\w ]{3,30}?)(?: either| here| anymore)?$"
                r"|\bgave (?:the|my|that) ([\w ]{3,30}?) (?:role|job|position|spot|promotion) to\b", text, re.I)):
            slots["next"] = (m.group(1) or m.group(2)).strip()
        if "workload" in c.reasons and "stretch" not in slots and (m := re.search(r"\bfor (\d+ (?:years?|months?))\b", text)):
            slots["stretch"] = m.group(1)
        if (c.kind == "situation" or c.reasons) and (m := _DATE.search(text)):
            if not re.match(r"^\d{4}$", m.group(0)) or "since" in f:
                for rid in c.reasons:
                    slots.setdefault("date_" + rid, m.group(0))
        if "contract" in c.reasons and "contract" not in slots and (m := _CONTRACT.search(text)):
            phrase = m.group(1).strip()
            if fold(phrase) not in {"contract", "position", "assignment"}:
                slots["contract"] = phrase
        if "contract" in c.reasons and "contract" not in slots and (m := re.search(r"\b((?:[\w-]+ ){0,3}(?:contract|assignment))\b", text, re.I)):
            if fold(m.group(1)).strip() not in {"contract", "assignment", "my contract"}:
                slots["contract"] = re.sub(r"^(?:my|our|the)\s+", "", m.group(1), flags=re.I)
        if "commute" in c.reasons and "commute_np" not in slots and (m := re.search(
                r"\b(?:about )?\d+(?:\.\d+)? (?:hour|minute|mile) (?:commute|drive|ride|train ride|bus ride)"
                r"(?: each way| round trip| a day| every day)?", text, re.I)):
            slots["commute_np"] = m.group(0)  # "2 hour commute each way": said as the user put it
        elif "remote" in c.reasons and "flex" not in slots and (m := re.search(
                r"\bwork from home (\d|one|two|three|four) days? a week\b", text, re.I)):
            slots["flex"] = m.group(0)[len("work from home "):]
        if ("commute" in c.reasons or "remote" in c.reasons) and "commute" not in slots and "commute_np" not in slots \
                and (m := _COMMUTE.search(text)):
            slots["commute"] = m.group(0) + ("" if re.search(r"each way|round trip|a day|every day", m.group(0)) else " each way"
                                             if "drive" not in f else " each way")
            if "drive" in f and "each way" not in m.group(0):
                slots["commute"] = f"a {m.group(0)} drive"
        if "remote" in c.reasons and "policy" not in slots and not re.search(r"\bfrom home\b|\bremote\b", f) \
                and re.search(r"\b(?:office|in person|on ?site|back in|rto)\b", f) and (m := _OFFICE_DAYS.search(text)):
            policy = m.group(0)
            if "office" not in policy:
                policy += " in the office"
            if (d := _DATE.search(text[m.end():])):
                policy += " " + d.group(0)
            slots["policy"] = policy
        if "relocation" in c.reasons and "place" not in slots:
            m = re.search(r"\b(?:to|in|back to)\s+((?:[A-Z][\w.]+)(?:\s[A-Z][\w.]+){0,2})", text)
            if not m:
                m2 = lex.places.search(text)
                if m2:
                    slots["place"] = m2.group(0)
            else:
                slots["place"] = m.group(1)
        if "career_change" in c.reasons and "field" not in slots:
            m = re.search(r"\binto ((?:[\w/-]+ ){0,4}?[\w/-]+?)(?=$|,| or | and |\.| for | at | because)", text) or re.search(
                r"\bfrom [\w /-]{2,40}? to ((?:[\w/-]+ ){0,3}?[\w/-]+?)(?=$|,| or | and |\.| for | at | because)", text)
            if m and not _NEGATION.search(fold(m.group(1))):
                slots["field"] = m.group(1)
        if "caregiving" in c.reasons or c.kind == "desire" or "need" in f:
            m = re.search(r"\b(something|a role|a job|a position|a schedule|work)\b ((?:with|that|more|on|in)\b[^,.;]{3,40}?)(?=$| so\b| because\b| once\b| for\b|[,.;])", text, re.I)
            if m and "need" not in slots and not _NEGATION.search(fold(m.group(2))) and not lex.complaint.search(fold(m.group(0))):
                slots["need"] = m.group(0)
        if m := re.match(r"^(teaching|working|running|managing|driving|leading|building|selling|coaching|nursing|coding)"
                         r" (.+?) (?:is|has been|was)\b", text, re.I):
            r.facts.insert(0, f"I've been {m.group(1).lower()} {m.group(2)}.")
            r.facts_kept.append(m.group(0))
        if m := re.search(r"\b(?:nobody|no one) (?:here )?(?:does|knows|uses|teaches|works on) (?!(?:what|how|if|whether|when|why|where|who|which)\b)([a-z][\w /&-]{2,30}?)$", text, re.I):
            if fold(m.group(1)).split()[0] not in {"anything", "it", "that", "this", "nothing", "everything", "something", "much"}:
                r.goals.append(m.group(1))
        if c.kind == "complaint" and c.actor in {"self", "implied", "other"}:
            learning = any(x in {"learning", "career_change"} for x in c.reasons) or bool(re.search(
                r"\b(?:doing|studying|working on|taking|getting|pursuing|want|wanna|plan|hope|hoping|need)\b", f))
            for m in list(lex.certs.finditer(text)) + list(lex.tools.finditer(text)):
                tok = m.group(0)
                if tok.lower() in {"go", "r", "node", "epic", "swift", "spark", "a+", "pe", "ea", "plc", "square", "toast", "sage"} and not tok.isupper() and not tok[0].isupper():
                    continue
                if learning:
                    r.goals.append(tok)
                elif m.re is lex.certs:
                    r.certs.append(tok)
                else:
                    r.tools.append(tok)
        # The speaker's own titles and credentials, said even inside a complaint.
        if c.kind in {"complaint", "other"} and c.actor in {"self", "implied"}:
            words = text.split()
            for i in range(len(words)):
                t = self._title_at(words, i)
                if t and (i == 0 or fold(words[i - 1]) in {"a", "an", "as", "im", "i'm", "been"}):
                    if fold(t).split()[-1] in {"manager", "supervisor", "boss", "owner", "director"} and i == 0:
                        continue
                    tenure = _TENURE_ANY.search(text)
                    said = (f"I've been {article(t)} {t} for {tenure.group(0)}." if tenure
                            else f"I'm {article(t)} {t}.")
                    r.identity.insert(0, said)
                    r.facts_kept.append(t)
                    break
        if m := re.search(r"\b(?:at|in|for) ((?:a|an) \d+[\w-]* [\w-]+ (?:firm|company|practice|office|shop|clinic|school"
                          r"|hospital|startup|agency|restaurant|store))\b", text, re.I):
            r.identity.append(f"I work at {m.group(1)}.")
            r.facts_kept.append(m.group(1))
        # A project the speaker led, inside someone else's act: "scrapped the project i led".
        m = re.search(r"\b(?:the|our|my) ((?:[\w-]+ ){0,3}?(?:project|program|programme|initiative|system|migration|rollout"
                      r"|redesign|rebuild|dashboard|platform|app|tool|pipeline|curriculum|campaign|process|launch)) (?:that )?"
                      r"i(?:'d| had|d)? (?:been )?(led|leading|built|building|ran|running|designed|created|launched|started"
                      r"|managed)\b", text, re.I)
        if m and c.actor == "other":
            verb = {"leading": "led", "building": "built", "running": "ran"}.get(m.group(2).lower(), m.group(2).lower())
            sentence = f"I {verb} the {m.group(1)}."
            if verb and sentence not in r.facts:
                r.facts.append(sentence)
                r.facts_kept.append(m.group(0))
                self._project = True


def r_has_facts(r: Reading) -> bool:
    return bool(r.facts or r.identity)


def read(draft: str, vetoed: frozenset[str] = frozenset()) -> Reading:
    return Reader(draft, vetoed).read()


__all__ = ["Clause", "Reading", "read", "PRONOUNS"]
