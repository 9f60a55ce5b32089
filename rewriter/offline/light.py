"""`--level light`: keep the user's own sentences where they pass, rewrite only the rest.

For someone whose answer is nearly there. Each sentence of the draft is checked by the
validator and by the reader: a clean sentence is kept in the user's words (slang
spelled out, "i" capitalised). A flagged sentence keeps its clean clauses, drops the
complaining ones, and its reason is said once with the reason's template.
"""

from __future__ import annotations

from ..models import Context
from ..results import Reframe
from .lexicon import load
from .reader import Reading
from .text import capital, fold, normalise, sentences, tidy
from .writer import CLOSE, FIT, REASON, Writer


def _say(text: str, implied: bool) -> str:
    text = tidy(text)
    if implied and fold(text.split()[0]) in load().verbs:
        text = "I " + text
    return text


def light(draft: str, reading: Reading, context: Context, seed: int, variant: int = 0) -> tuple[str, list[Reframe]]:
    from ..validate import check

    writer = Writer(reading, context, seed, variant)
    out: list[str] = []
    reframes: list[Reframe] = []
    said: set[str] = set()
    for si, sentence in enumerate(sentences(normalise(draft))):
        here = [c for c in reading.clauses if c.sentence == si]
        # answer.* judges a whole answer's shape (length, voice), not one sentence's tone.
        flagged = any(c.kind in {"complaint", "cause"} for c in here) or any(
            f.severity == "error" and not f.rule.startswith("answer.") for f in check(sentence).findings)
        if not flagged:
            mine = tidy(sentence).rstrip(" .!?,")
            if fold(mine).startswith("been "):
                mine = "I've " + mine  # the user's sentence, with the subject it dropped
            out.append(capital(mine) + ".")
            continue
        kept = [_say(c.text, c.actor == "implied") for c in here if c.kind in {"fact", "desire", "situation"}
                and not any(r in {"caregiving", "health"} for r in c.reasons)]
        if kept:
            out.append(capital(", ".join(k.rstrip(" .,") for k in kept)) + ".")
        for rid in dict.fromkeys(r for c in here for r in c.reasons if c.kind in {"complaint", "cause", "situation"}):
            if rid in said or rid not in writer.t["reason"]:
                continue
            said.add(rid)
            sentence_said = writer.pick(writer.t["reason"][rid]["say"], rid)
            if sentence_said:
                writer.d.add(REASON, sentence_said)
                out.append(sentence_said)
                reframes.append(Reframe(rid, sentence_said))
    if not reframes and not out:
        general = writer.pick(writer.t["reason"]["general"]["say"], "general")
        if general:
            out.append(general)
            reframes.append(Reframe("general", general))
    for part in out:
        writer.d.add(REASON, part)
    if context.role or context.company:
        fit = writer.pick(writer.frame["fit"], "fit")
        if fit:
            out.append(fit)
            writer.d.add(FIT, fit)
    close = writer.pick(writer.frame["close"], "close")
    if close:
        out.append(close)
        writer.d.add(CLOSE, close)
    return Writer._polish(" ".join(out)), reframes
