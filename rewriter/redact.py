"""Redaction: private details out before anything is sent, back in the answer after.

Emails, phone numbers, URLs and the names the user lists become placeholders such
as [EMAIL_1] in the draft and the context; the LLM sees only those. The answer,
reasons and facts that come back get the originals restored. Pure text functions,
no network; the pipeline decides when to use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Context
    from .results import Attempt, Rewrite

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.I)
# A run of digits with the separators phone numbers use; kept only with 7 to 15 digits.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
_YEARS = re.compile(r"(?:19|20)\d\d\s*[-–.]\s*(?:19|20)\d\d")
_TRAILING = ".,;:!?)]}'\""
_PLACEHOLDER = re.compile(r"\[(EMAIL|PHONE|URL|NAME)_(\d+)\]", re.I)


@dataclass
class Redactor:
    """Replaces private details with numbered placeholders and restores them."""

    names: tuple[str, ...] = ()
    originals: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value.casefold())
        if key not in self._by_value:
            count = sum(1 for k, _ in self._by_value if k == kind) + 1
            token = f"[{kind}_{count}]"
            self._by_value[key] = token
            self.originals[token] = value
        return self._by_value[key]

    def redact(self, text: str | None) -> str | None:
        if not text:
            return text
        # Emails and URLs first: a listed name inside one must not split it and leak the rest.
        text = _EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group()), text)
        text = _URL.sub(self._url, text)
        for name in sorted({n.strip() for n in self.names if n.strip()}, key=len, reverse=True):
            pattern = re.compile(rf"(?<![\w\[]){re.escape(name)}(?![\w\]])", re.I)
            text = pattern.sub(lambda m: self._placeholder("NAME", m.group()), text)
        return _PHONE.sub(self._phone, text)

    def _url(self, m: re.Match[str]) -> str:
        value = m.group().rstrip(_TRAILING)
        return self._placeholder("URL", value) + m.group()[len(value):]

    def _phone(self, m: re.Match[str]) -> str:
        value = m.group().strip()
        digits = sum(c.isdigit() for c in value)
        if not 7 <= digits <= 15 or _YEARS.fullmatch(value) or value.count(".") > 3:
            return m.group()
        return self._placeholder("PHONE", value)

    @property
    def count(self) -> int:
        return len(self.originals)

    def kinds(self) -> str:
        kinds = sorted({token[1:].split("_")[0].lower() for token in self.originals})
        return ", ".join({"url": "URL"}.get(k, k) for k in kinds)

    def restore(self, text: str) -> str:
        def back(m: re.Match[str]) -> str:
            return self.originals.get(f"[{m.group(1).upper()}_{m.group(2)}]", m.group())

        return _PLACEHOLDER.sub(back, text)

    def context(self, context: Context) -> Context:
        return replace(context, role=self.redact(context.role), company=self.redact(context.company),
                       job_posting=self.redact(context.job_posting))

    # ------------------------------------------------------------ results

    def restore_attempt(self, attempt: Attempt, draft: str, context: Context) -> Attempt:
        if attempt.answer is None:
            return attempt
        from .validate import check

        answer = self.restore(attempt.answer)
        if answer == attempt.answer:
            return attempt
        # Spans point into the text the user sees: recompute them on the restored answer.
        kept = {f.rule for f in attempt.findings}
        findings = tuple(f for f in check(answer, draft=draft, context=context).findings
                         if f.rule in kept or f.severity == "warning")
        return replace(attempt, answer=answer, findings=findings)

    def restore_rewrite(self, result: Rewrite, draft: str, context: Context) -> Rewrite:
        from .results import Reframe

        attempts = tuple(self.restore_attempt(a, draft, context) for a in result.attempts)
        final = self.restore(result.answer)
        last = next((a for a in reversed(attempts) if a.answer == final), None)
        return replace(
            result,
            answer=final,
            findings=tuple(f for f in (last.findings if last else result.findings) if f.severity == "warning"),
            reasons=tuple(Reframe(self.restore(r.reason), self.restore(r.reframed_as)) for r in result.reasons),
            facts_kept=self._all(result.facts_kept),
            left_out=self._all(result.left_out),
            attempts=attempts,
        )

    def _all(self, items: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.restore(i) for i in items)
