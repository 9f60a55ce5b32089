"""RewriteRequest: everything a rewrite is asked to do, in one frozen value.

`rewrite()`, `arewrite()`, `prepare()`, a batch (its shared options plus each row's
context) and the web API all build one of these; the defaults live here and nowhere else.
Checking the values (lengths, ranges) is `prepare()`'s job, before any request.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal, TypedDict

EngineChoice = Literal["auto", "llm", "offline"]


@dataclass(frozen=True, slots=True)
class RewriteRequest:
    draft: str
    # what the user told us about the job (Context)
    role: str | None = None
    company: str | None = None
    job_posting: str | None = None
    tone: str = "professional"
    seconds: int = 60  # target spoken length
    # how to write it
    engine: EngineChoice = "auto"  # auto: the LLM when one is configured, else offline
    model: str | None = None  # None: REWRITER_MODEL, else the default model
    base_url: str | None = None  # None: OPENAI_BASE_URL, else the OpenAI API
    mode: str | None = None  # auto, schema or json; None: REWRITER_MODE, else auto
    max_attempts: int = 3  # attempts in all, re-asks included
    prompts_dir: str | os.PathLike[str] | None = None  # None: REWRITER_PROMPTS, else the shipped templates
    timeout: float | None = None  # seconds per request; None: 60
    redact: bool = False  # private details replaced by placeholders before sending
    redact_names: Sequence[str] = ()  # names kept from the LLM too (implies redact); stored as a tuple
    level: str = "full"  # full: write anew; light: keep the user's sentences that pass (models.LEVELS)

    def __post_init__(self) -> None:
        if not isinstance(self.redact_names, tuple):  # a caller's list is copied: frozen means frozen
            object.__setattr__(self, "redact_names", tuple(self.redact_names))


class RewriteOptions(TypedDict, total=False):
    """RewriteRequest's fields but the draft, as keyword arguments of rewrite() and arewrite()."""

    role: str | None
    company: str | None
    job_posting: str | None
    tone: str
    seconds: int
    engine: EngineChoice
    model: str | None
    base_url: str | None
    mode: str | None
    max_attempts: int
    prompts_dir: str | os.PathLike[str] | None
    timeout: float | None
    redact: bool
    redact_names: Sequence[str]
    level: str


FIELDS = frozenset(f.name for f in fields(RewriteRequest))
