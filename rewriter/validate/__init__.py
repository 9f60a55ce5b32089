"""The local validator: pure functions of text, no network."""

from __future__ import annotations

from ..models import Context, Report


def check(text: str, *, draft: str | None = None, context: Context | None = None) -> Report:
    """Check `text` (an interview answer) and report what an interviewer would hear badly."""
    return Report(text=text)  # placeholder until the rules land (this commit series)


__all__ = ["check"]
