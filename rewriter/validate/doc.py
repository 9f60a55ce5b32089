"""A checked text, analysed once: sentences, tokens and lexicon matches with offsets.

Most of what a rule needs is computed lazily: a clean sentence has no match, so it
never pays for token offsets or clause boundaries.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .lexicon import TOKEN, Phrase, normalise, phrase_index

# A sentence ends after . ! ? … (and any closing quote or bracket) plus space, or at a newline.
_SENTENCE_END = re.compile(r"([.!?…]+[\"'”’)\]]*)\s+|\n\s*")
_MAY_END = re.compile(r"[.!?…\n]")
_CLAUSE_PUNCT = re.compile(r"[,;:()\"“”—–!?.]|\s-\s")
# Words that turn a sentence around: a negator before them does not reach past them.
_CLAUSE_WORDS = frozenset("but though although however yet whereas except while and so because since".split())


class Doc:
    """Text split into sentences and tokens; every rule reads this, none re-parses."""

    # Plain lazy attributes rather than functools.cached_property, which takes a
    # lock on every first access in Python 3.11: this class is on the hot path.
    __slots__ = ("text", "sentences", "tokens", "_spans", "_matches", "_sentence_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences: list[tuple[int, int]] = _sentences(text)
        words = TOKEN.findall(text)
        # Normalised in one call over the joined words (fast); per token, not over
        # the text, since lower() can change lengths and so the offsets.
        self.tokens: list[str] = normalise("\x00".join(words)).split("\x00") if words else []
        self._spans: list[tuple[int, int]] | None = None
        self._matches: dict[str, list[tuple[int, int, Phrase]]] | None = None
        self._sentence_starts: list[int] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [m.span() for m in TOKEN.finditer(self.text)]
        return self._spans

    @property
    def matches(self) -> dict[str, list[tuple[int, int, Phrase]]]:
        """Lexicon matches by file name, found in one pass and shared by every rule."""
        if self._matches is None:
            self._matches = phrase_index().matches(self.tokens)
        return self._matches

    def sentence_index(self, offset: int) -> int:
        if self._sentence_starts is None:
            self._sentence_starts = [s for s, _ in self.sentences]
        return max(bisect_right(self._sentence_starts, offset) - 1, 0)

    def token_sentence(self, i: int) -> int:
        return self.sentence_index(self.spans[i][0])

    def clause_start(self, i: int, limit: int) -> int:
        """The first token of token i's clause, looking back at most `limit` tokens."""
        spans, tokens, text = self.spans, self.tokens, self.text
        j = i
        while j > 0 and i - j < limit:
            if tokens[j] in _CLAUSE_WORDS or _CLAUSE_PUNCT.search(text, spans[j - 1][1], spans[j][0]):
                return j
            j -= 1
        return j

    def char_span(self, first: int, last: int) -> tuple[int, int]:
        """Character span covering tokens first..last-1."""
        return self.spans[first][0], self.spans[last - 1][1]


def _sentences(text: str) -> list[tuple[int, int]]:
    if not _MAY_END.search(text):
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end(1) if m.group(1) else m.start()
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence(s) holding text[start:end], for display."""
    for s, e in _sentences(text):
        if s <= start < max(e, s + 1):
            return min(s, start), max(e, end)
    return start, end
