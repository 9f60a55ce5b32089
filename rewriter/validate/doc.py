"""A checked text, analysed once: sentences, tokens and clause breaks with offsets."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cached_property

from .lexicon import TOKEN, normalise

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\s*\n\s*")
_CLAUSE_PUNCT = re.compile(r"[,;:()\"“”—–!?.]|\s-\s")
# Words that turn a sentence around: a negator before them does not reach past them.
_CLAUSE_WORDS = frozenset("but though although however yet whereas except while and so because since".split())


class Doc:
    """Text split into sentences and tokens; every rule reads this, none re-parses."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences: list[tuple[int, int]] = _sentences(text)
        self._sentence_starts = [s for s, _ in self.sentences]
        self.tokens: list[str] = []
        self.spans: list[tuple[int, int]] = []
        for m in TOKEN.finditer(text):
            self.tokens.append(normalise(m.group()))
            self.spans.append(m.span())

    def sentence_index(self, offset: int) -> int:
        return max(bisect_right(self._sentence_starts, offset) - 1, 0)

    @cached_property
    def token_sentence(self) -> list[int]:
        return [self.sentence_index(start) for start, _ in self.spans]

    @cached_property
    def clause_start(self) -> list[int]:
        """For each token, the index of the first token of its clause."""
        starts: list[int] = []
        current = 0
        sentence_of = self.token_sentence
        for i, (start, _) in enumerate(self.spans):
            if i:
                gap = self.text[self.spans[i - 1][1]:start]
                if (
                    sentence_of[i] != sentence_of[i - 1]
                    or _CLAUSE_PUNCT.search(gap)
                    or self.tokens[i] in _CLAUSE_WORDS
                ):
                    current = i
            starts.append(current)
        return starts

    def char_span(self, first: int, last: int) -> tuple[int, int]:
        """Character span covering tokens first..last-1."""
        return self.spans[first][0], self.spans[last - 1][1]


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence(s) holding text[start:end], for display."""
    s = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        s = m.end()
    m = _SENTENCE_END.search(text, end)
    e = m.start() if m else len(text)
    return min(s, start), max(e, end)
