"""A checked text, split once into sentences with their offsets."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*")


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence(s) holding text[start:end]."""
    s = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        s = m.end()
    m = _SENTENCE_END.search(text, end)
    e = m.start() if m else len(text)
    return s, max(e, end)
