"""The validator against labelled sentences: precision and recall of error findings.

- sentences.csv and sentences_more.csv: the lexicons were tuned on these (the second
  began as a holdout; once its misses had been read it became tuning data). Bar: 0.95/0.95.
- sentences_realworld.csv: written for validator v2 (issue 10) in the project's own
  words, after reading the misses on the dev split of collected real-world text (which
  stays outside the repository): aspect x evaluation, figurative, sarcastic and terse
  complaints; layoffs told plainly, diplomatic reasons, words in another sense. Tuning data.
- sentences_holdout.csv: written blind (its author saw neither the rules nor the other
  corpora) and never tuned on. Its figures say how the rules generalise; the floor only
  catches regressions. First measured at precision 0.95, recall 0.67; validator v2: 0.96, 0.74.
"""

from __future__ import annotations

import pytest
from corpus import load_rows, score

from rewriter.validate.sentiment import compound


def _report(capsys: pytest.CaptureFixture[str], title: str, text: str) -> None:
    with capsys.disabled():
        print(f"\n--- {title} ---\n{text}")


def test_corpus_is_large_and_balanced() -> None:
    rows = load_rows("sentences.csv")
    assert len(rows) >= 300
    labels = {r.label for r in rows}
    assert labels == {"negative", "ok"}
    assert len({r.text for r in rows}) == len(rows), "duplicate sentences"
    tuning = {r.text for r in rows} | {r.text for r in load_rows("sentences_more.csv")}
    tuning |= {r.text for r in load_rows("sentences_realworld.csv")}
    holdout = {r.text for r in load_rows("sentences_holdout.csv")}
    assert len(holdout) >= 150
    assert not holdout & tuning, "holdout overlaps the tuning corpora"


@pytest.mark.parametrize("name", ["sentences.csv", "sentences_more.csv", "sentences_realworld.csv"])
def test_precision_and_recall_on_tuning_corpus(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    s = score(load_rows(name))
    _report(capsys, f"validator on {name}", s.table())
    assert s.precision >= 0.95, [r.text for r, _ in s.false_alarms]
    assert s.recall >= 0.95, [r.text for r in s.misses]


def test_holdout_does_not_regress(capsys: pytest.CaptureFixture[str]) -> None:
    s = score(load_rows("sentences_holdout.csv"))
    _report(capsys, "validator on sentences_holdout.csv (blind, never tuned on)", s.table())
    # A regression guard, not a target: first measured at P 0.953 / R 0.669 (phrase lists),
    # then P 0.957 / R 0.744 with validator v2 (aspect x evaluation, the sentiment head).
    assert s.precision >= 0.95
    assert s.recall >= 0.70


def test_vader_alone_is_far_weaker(capsys: pytest.CaptureFixture[str]) -> None:
    """The reason the validator exists: VADER's own cut-off misses most complaints."""
    rows = load_rows("sentences.csv")
    vader = score(rows, predict=lambda text: compound(text) <= -0.05)
    ours = score(rows)
    _report(capsys, "VADER alone (compound <= -0.05) on sentences.csv",
            f"precision {vader.precision:.3f}  recall {vader.recall:.3f}")
    assert vader.recall < ours.recall - 0.3
    assert compound("My boss is a micromanager and I'm underpaid.") == 0.0
