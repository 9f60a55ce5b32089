"""The local validator: pure, deterministic functions of text, no network.

`check(text)` runs every rule over one parsed Doc and returns a Report of Findings,
sorted by position. Safe to call from many threads: rules share only read-only data.
"""

from __future__ import annotations

from ..models import Context, Finding, Report
from .doc import Doc
from .head import negative_overall
from .rules import RULES, contrasted_with_goal, told_as_learning


def check(text: str, *, draft: str | None = None, context: Context | None = None) -> Report:
    """Check `text`, an answer to "Why are you leaving?", and report what an interviewer hears badly.

    With `draft` (and optionally `context`), numbers, dates and names in `text` that
    the user never gave are reported as invented facts.
    """
    if not isinstance(text, str):
        raise TypeError(f"check() needs a str, not {type(text).__name__}")
    doc = Doc(text)
    findings = rule_findings(doc)
    # A sentence another rule explained needs no sentiment finding; answer.* (the shape of
    # the whole answer) explains nothing about its tone.
    flagged = {doc.sentence_index(f.start) for f in findings
               if f.severity == "error" and not f.rule.startswith("answer.")}
    findings.extend(negative_overall(doc, flagged))
    findings = contrasted_with_goal(doc, told_as_learning(doc, findings))
    if draft is not None:
        from .fidelity import invented_facts  # compiled only when a draft is given

        source = draft if context is None else f"{draft}\n{context.facts_text()}"
        findings.extend(invented_facts(doc, source))
    if len(findings) > 1:
        findings.sort(key=_position)
        findings = _dedupe(findings)
    return Report(text=text, findings=tuple(findings))


def rule_findings(doc: Doc) -> list[Finding]:
    """The specific rules' findings, before the sentiment head and the learning pivot."""
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(doc))
    return findings


def _position(f: Finding) -> tuple[int, int, str]:
    return f.start, f.end, f.rule


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop a phrase finding inside an earlier one of the same severity ("pissed off"
    is a complaint and a curse: one finding). Length and answer-shape findings span the
    whole answer (or a sentence) and never hide the others."""
    kept: list[Finding] = []
    for f in findings:
        if any(
            k.severity == f.severity and k.start <= f.start and f.end <= k.end
            for k in kept[-3:]
            if not k.rule.startswith(("length.", "answer."))
        ):
            continue
        kept.append(f)
    return kept


__all__ = ["check"]
