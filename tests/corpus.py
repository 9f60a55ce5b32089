"""Scoring the validator against the labelled sentences in tests/data/."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rewriter import check

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Row:
    label: str  # "negative" or "ok"
    kind: str
    text: str


def load_rows(name: str) -> list[Row]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        return [Row(r["label"], r["kind"], r["text"]) for r in csv.DictReader(fh)]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)  # sentences a rule flagged
    by_rule_correct: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[Row] = field(default_factory=list)
    false_alarms: list[tuple[Row, list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def table(self) -> str:
        lines = [f"precision {self.precision:.3f}  recall {self.recall:.3f}  "
                 f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})",
                 "per rule: sentences flagged, of which labelled negative (rule precision)"]
        for rule, n in self.by_rule.most_common():
            ok = self.by_rule_correct[rule]
            lines.append(f"  {rule:<28} {n:>4}  {ok:>4}  {ok / n:.2f}")
        lines.append("per kind: flagged / total")
        for kind, c in sorted(self.by_kind.items()):
            lines.append(f"  {kind:<28} {c['flagged']:>4} / {c['total']:<4}")
        return "\n".join(lines)


def score(rows: list[Row], predict=None) -> Score:
    """Error-level findings as the prediction of `negative`, unless `predict` is given."""
    s = Score()
    for row in rows:
        if predict is None:
            # answer.* judges a whole answer's shape; the corpus rows are single sentences.
            errors = sorted({f.rule for f in check(row.text).findings
                             if f.severity == "error" and not f.rule.startswith("answer.")})
            flagged = bool(errors)
        else:
            errors, flagged = [], predict(row.text)
        s.by_kind[row.kind]["total"] += 1
        s.by_kind[row.kind]["flagged"] += flagged
        for rule in errors:
            s.by_rule[rule] += 1
            s.by_rule_correct[rule] += row.label == "negative"
        if row.label == "negative":
            if flagged:
                s.tp += 1
            else:
                s.fn += 1
                s.misses.append(row)
        elif flagged:
            s.fp += 1
            s.false_alarms.append((row, errors))
        else:
            s.tn += 1
    return s
