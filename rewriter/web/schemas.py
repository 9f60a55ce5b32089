"""The JSON API's request bodies, and the response shapes as the OpenAPI docs show them.

The responses themselves are built by `to_record()` and `Report.to_dict()`, the very dicts
the CLI's `--json` prints; the models below only document them (a test keeps the two in
step), so a field added to the record reaches the API without passing through here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..request import RewriteRequest

SHORT_TEXT = 200  # a role, a company name, a tone: anything longer is not one


class RewriteBody(BaseModel):
    """What to rewrite: the CLI's `rewriter rewrite` options, as JSON."""

    model_config = ConfigDict(extra="forbid")

    draft: str = Field(description="The blunt draft: what you would really say (at most 5,000 characters).")
    role: str | None = Field(None, max_length=SHORT_TEXT, description="The role you are applying for.")
    company: str | None = Field(None, max_length=SHORT_TEXT, description="The company you are applying to.")
    job_posting: str | None = Field(None, description="The job posting (long ones are trimmed, with a notice).")
    tone: str = Field("professional", max_length=SHORT_TEXT, description="How the answer sounds: professional, warm, confident, direct.")
    seconds: int = Field(60, description="Target spoken length in seconds (5 to 600).")
    engine: Literal["auto", "llm", "offline"] = Field(
        "auto", description="auto: the LLM when one is configured, else offline; llm; offline."
    )
    max_attempts: int = Field(3, ge=1, le=10, description="Attempts in all, re-asks included.")
    level: Literal["full", "light"] = Field(
        "full", description="full: write a new answer; light: keep your sentences that pass, rewrite only the flagged ones."
    )

    def to_request(self) -> RewriteRequest:
        return RewriteRequest(
            self.draft, role=self.role, company=self.company, job_posting=self.job_posting, tone=self.tone,
            seconds=self.seconds, engine=self.engine, max_attempts=self.max_attempts, level=self.level,
        )


class CheckBody(BaseModel):
    """What to check: the CLI's `rewriter check` input, as JSON."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The answer to check (at most 5,000 characters).")
    draft: str | None = Field(
        None, description="The original draft: numbers and names in the answer that are not in it are flagged."
    )
    role: str | None = Field(None, max_length=SHORT_TEXT, description="The role: its words are not invented.")
    company: str | None = Field(None, max_length=SHORT_TEXT, description="The company: not invented either.")
    job_posting: str | None = Field(None, description="The job posting: its words are not invented either.")


# ---------------------------------------------------------------- documentation only


class FindingDoc(BaseModel):
    rule: str = Field(description='A stable rule id, e.g. "blame.manager".')
    principle: str = Field(description="The principle it enforces, P1..P9 (GET /api/principles).")
    severity: Literal["error", "warning"]
    start: int = Field(description="Character offset of the excerpt in the checked text (code points).")
    end: int
    excerpt: str
    message: str = Field(description="Why an interviewer hears it badly.")
    suggestion: str = Field(description="What to say instead.")


class CheckDoc(BaseModel):
    """`rewriter check --json`."""

    ok: bool = Field(description="True when no finding is an error (warnings are advice).")
    findings: list[FindingDoc]


class ReframeDoc(BaseModel):
    reason: str
    reframed_as: str


class UsageDoc(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AttemptDoc(BaseModel):
    number: int
    answer: str | None
    findings: list[FindingDoc]
    usage: UsageDoc
    problem: str | None
    retries: int


class RecordDoc(BaseModel):
    """`rewriter rewrite --json`: also the body of a failed rewrite (status "error")."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "findings", "error"] = Field(
        description="ok: a clean answer; findings: the best answer, NOT clean; error: no answer, see message."
    )
    ok: bool
    answer: str | None
    engine: str | None = Field(description="llm or offline.")
    model: str | None
    findings: list[FindingDoc]
    reasons: list[ReframeDoc] = Field(description="Each reason found in the draft and how the answer says it.")
    facts_kept: list[str]
    left_out: list[str] = Field(description="Complaints and private details the answer leaves out.")
    attempts: list[AttemptDoc]
    usage: UsageDoc
    notices: list[str]
    message: str | None


class ErrorDoc(BaseModel):
    """A request refused before any work: too large, malformed, cross-site, unknown host."""

    status: Literal["error"]
    ok: Literal[False]
    message: str


class PrincipleDoc(BaseModel):
    id: str
    title: str
    guidance: str = Field(description="What the LLM is told.")
    advice: str = Field(description="What a person reads.")
