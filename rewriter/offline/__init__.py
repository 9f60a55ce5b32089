"""The offline engine: rewrite a draft with local rules only (no key, no network).

    >>> from rewriter.offline import compose
    >>> compose("my boss micromanages me. data analyst 3 yrs, SQL").answer  # doctest: +SKIP

Stdlib only, so that `--engine offline` starts fast; its data (reasons.toml,
facts.toml, templates.toml next to this file) is read once per process.
"""

from __future__ import annotations

from .engine import compose, reading_of
from .reader import read
from .text import reads_as_english

__all__ = ["compose", "read", "reading_of", "reads_as_english"]
