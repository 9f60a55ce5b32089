"""Plain data types of the validator: what `rewriter check` needs, and no more.

Dataclasses (and one NamedTuple) rather than pydantic models: `rewriter check`
imports these on its start-up path, and they need no validation (the validator
builds them itself). The results of a rewrite live in `results.py`, off that path.
The schema sent to the LLM, which does need validation, lives in `schema.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]

# The tones an answer can be written in, and how much of the draft a rewrite changes.
# Fixed sets: the CLI lists them in --help and refuses others (exit 2).
TONES = ("professional", "warm", "confident", "direct")
LEVELS = ("full", "light")  # light: keep the user's sentences that pass, rewrite only flagged spans


class Finding(NamedTuple):
    """One thing an interviewer would hear badly, located in the checked text.

    A NamedTuple rather than a dataclass: the validator makes one per problem on
    its hot path, and a tuple is built four times faster. Immutable all the same."""

    rule: str  # stable id such as "blame.manager"
    principle: str  # "P1".."P9", the article section the rule enforces
    severity: Severity
    start: int  # character offsets into the checked text
    end: int
    excerpt: str  # == text[start:end]
    message: str  # why an interviewer hears it badly
    suggestion: str  # what to say instead

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


@dataclass(frozen=True, slots=True)
class Report:
    """The validator's verdict on one text."""

    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings are advice, not failures)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class Context:
    """What the user told us about the job they are applying for."""

    role: str | None = None
    company: str | None = None
    job_posting: str | None = None
    tone: str = "professional"  # one of TONES
    seconds: int = 60  # target spoken length
    level: str = "full"  # one of LEVELS

    def facts_text(self) -> str:
        """The context's own words, which a rewrite may legitimately repeat."""
        return "\n".join(p for p in (self.role, self.company, self.job_posting) if p)
