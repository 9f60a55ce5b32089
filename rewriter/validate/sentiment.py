"""VADER, loaded once per process (its lexicon takes a moment to read)."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(sentence: str) -> float:
    """VADER's compound score, -1 (negative) to +1 (positive)."""
    return analyzer().polarity_scores(sentence)["compound"]
