"""Fit the sentence-level sentiment head (rewriter/validate/head.py) and write head.json.

    python benchmarks/fit_head.py /work/data/realworld/reviews.jsonl /work/data/realworld/advice.jsonl

    python benchmarks/fit_head.py CORPORA... --folds 5 --dry-run   # held-out-source figures

Training data: the tuning corpora (tests/data/sentences.csv, sentences_more.csv,
sentences_realworld.csv; never the holdout) and the development real-world corpora given
as arguments (all their items: pass only corpora that are not a blind test). Only texts
no specific rule flags are used: the head judges what the rules leave. A text counts as
flagged when its most negative sentence is, so the fit is a logistic regression over
the max of the sentence logits (multiple-instance learning), solved here by plain
gradient descent: no numpy, no scikit-learn.

The bias is then moved so that at most `--max-false-alarms` of the texts that should
pass are flagged (real-world dev and the corpora's "ok" rows, each measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rewriter.validate import rule_findings  # noqa: E402
from rewriter.validate.doc import Doc  # noqa: E402
from rewriter.validate.head import FEATURES, HEAD_FILE, SIGNALS, sentence_signals, vader_scores  # noqa: E402
from rewriter.validate.lexicon import load as load_lexicon  # noqa: E402
from rewriter.validate.rules import contrasted_with_goal, told_as_learning  # noqa: E402

FLAG = {"negative", "complaint", "bad_answer"}
PASS = {"ok", "positive", "good_answer"}
TUNING = ("sentences.csv", "sentences_more.csv", "sentences_realworld.csv")


def examples(text: str) -> list[list[float]] | None:
    """The feature rows of the sentences the head would judge; None when a rule flags the text."""
    doc = Doc(text)
    findings = rule_findings(doc)
    if any(f.severity == "error" for f in contrasted_with_goal(doc, told_as_learning(doc, findings))):
        return None
    sections = load_lexicon("pivots")
    pivots = {doc.token_sentence(first) for first, _, phrase in doc.matches.get("pivots", ())
              if "sentiment.".startswith(tuple(sections[phrase.group].get("softens", ["sentiment."])))}
    rows = []
    for index, (signals, (start, end)) in enumerate(zip(sentence_signals(doc), doc.sentences, strict=False)):
        if index in pivots or not text[start:end].strip():
            continue  # a sentence told as learning is never reported
        values = {**vader_scores(text[start:end]), **signals}
        rows.append([values[k] for k in FEATURES])
    return rows  # empty: nothing left for the head to judge


def load(paths: list[Path], everything: list | None = None) -> list[tuple[str, int, list[list[float]]]]:
    """The residual items (those no rule flags). `everything`, when given, also receives
    every real-world item as (source_group, label, rows or None) for cross-validation."""
    items: list[tuple[str, int, list[list[float]]]] = []

    def add(source: str, label: str, text: str, group: str | None = None) -> None:
        rows = examples(text)
        if rows:
            items.append((source if group is None else f"realworld\t{group}", int(label in FLAG), rows))
        if group is not None and everything is not None:
            everything.append((group, label, rows))

    for name in TUNING:
        with open(ROOT / "tests" / "data" / name, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                add("corpora", r["label"], r["text"])
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    item = json.loads(line)
                    add("realworld", item["label"], item["text"], item["source_group"])
    return items


def score(w: list[float], b: float, rows: list[list[float]]) -> tuple[float, int]:
    best, arg = -math.inf, 0
    for i, x in enumerate(rows):
        z = b + sum(wk * xk for wk, xk in zip(w, x, strict=False))
        if z > best:
            best, arg = z, i
    return best, arg


def fit(items, l2: float, epochs: int, rate: float) -> tuple[list[float], float]:
    n_feat = len(FEATURES)
    w, b = [0.0] * n_feat, 0.0
    positives = sum(y for _, y, _ in items)
    weight = {1: len(items) / (2 * positives), 0: len(items) / (2 * (len(items) - positives))}
    # Adam: the features differ in scale (VADER's scores, counts of cues).
    m, v = [0.0] * (n_feat + 1), [0.0] * (n_feat + 1)
    for step in range(1, epochs + 1):
        grad = [0.0] * (n_feat + 1)
        for _, y, rows in items:
            z, arg = score(w, b, rows)
            p = 1 / (1 + math.exp(-max(min(z, 30), -30)))
            g = weight[y] * (p - y)
            for k, xk in enumerate(rows[arg]):
                grad[k] += g * xk
            grad[n_feat] += g
        for k in range(n_feat):
            grad[k] = grad[k] / len(items) + l2 * w[k]
        grad[n_feat] /= len(items)
        for k in range(n_feat + 1):
            m[k] = 0.9 * m[k] + 0.1 * grad[k]
            v[k] = 0.999 * v[k] + 0.001 * grad[k] ** 2
            delta = rate * (m[k] / (1 - 0.9**step)) / (math.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
            if k < n_feat:
                w[k] -= delta
            else:
                b -= delta
    return w, b


def rates(items, w, b) -> dict[str, tuple[int, int, int, int]]:
    """Per source: (flagged should-flag, should-flag, flagged should-pass, should-pass)."""
    out: dict[str, list[int]] = {}
    for source, y, rows in items:
        row = out.setdefault(source.split("\t")[0], [0, 0, 0, 0])
        flagged = score(w, b, rows)[0] >= 0
        if y:
            row[0] += flagged
            row[1] += 1
        else:
            row[2] += flagged
            row[3] += 1
    return {k: tuple(v) for k, v in out.items()}


def fit_with_budget(items, l2: float, epochs: int, rate: float, max_false_alarms: float):
    w, b = fit(items, l2, epochs, rate)
    # Move the bias so that few should-pass texts (of those the rules leave) are flagged.
    passing = sorted(score(w, b, rows)[0] for _, y, rows in items if not y)
    allowed = int(max_false_alarms * len(passing))
    if len(passing) > allowed and passing[-allowed - 1] >= 0:
        b -= passing[-allowed - 1] + 1e-6
    return w, b


def cross_validate(items, everything, folds: int, l2: float, epochs: int, rate: float, budget: float) -> None:
    """Grouped K-fold by source_group: the head is fitted without the held-out sources
    (the project's corpora always stay in), then the whole validator (rules + head) is
    judged on the held-out items. Prints the flagged share per label, held out."""
    groups = sorted({g for g, _, _ in everything})
    sizes: dict[str, int] = {}
    for g, _, _ in everything:
        sizes[g] = sizes.get(g, 0) + 1
    # Deal the sources to folds biggest first, each to the emptiest fold: balanced folds.
    fold_of: dict[str, int] = {}
    load_ = [0] * folds
    for g in sorted(groups, key=lambda g: (-sizes[g], g)):
        k = load_.index(min(load_))
        fold_of[g] = k
        load_[k] += sizes[g]
    flagged: dict[str, int] = {}
    total: dict[str, int] = {}
    for k in range(folds):
        train = [it for it in items if not it[0].startswith("realworld\t") or fold_of[it[0].split("\t")[1]] != k]
        w, b = fit_with_budget(train, l2, epochs, rate, budget)
        for g, label, rows in everything:
            if fold_of[g] != k:
                continue
            total[label] = total.get(label, 0) + 1
            flagged[label] = flagged.get(label, 0) + (rows is None or (bool(rows) and score(w, b, rows)[0] >= 0))
    print(f"held-out sources ({folds} folds, l2 {l2}, budget {budget}): "
          + ", ".join(f"{label} {flagged.get(label, 0) / n:.3f} (n={n})" for label, n in sorted(total.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="real-world JSON Lines (dev split used)")
    parser.add_argument("--l2", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=1500)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--max-false-alarms", type=float, default=0.01,
                        help="share of should-pass residual texts the head may flag")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write head.json")
    parser.add_argument("--folds", type=int, default=0,
                        help="also print grouped K-fold figures, holding out whole source_groups")
    parser.add_argument("--grid", action="store_true",
                        help="with --folds: try several l2 and budget values, print each held-out figure")
    args = parser.parse_args()

    everything: list = []
    items = load(args.corpora, everything)
    if args.folds:
        settings = ([(l2, bud) for l2 in (0.01, 0.03) for bud in (0.0, 0.005, 0.0075, 0.01)]
                    if args.grid else [(args.l2, args.max_false_alarms)])
        for l2, budget in settings:
            cross_validate(items, everything, args.folds, l2, args.epochs, args.rate, budget)
    w, b = fit_with_budget(items, args.l2, args.epochs, args.rate, args.max_false_alarms)
    for source, (tp, p, fp, n) in sorted(rates(items, w, b).items()):
        print(f"{source:<10} residual: flagged {tp}/{p} should-flag, {fp}/{n} should-pass")
    print("weights: " + ", ".join(f"{k} {x:+.3f}" for k, x in zip(FEATURES, w, strict=False)) + f"; bias {b:+.3f}")
    if args.dry_run:
        return 0
    data = {
        "about": "Logistic head over VADER's scores and context signals; fitted by benchmarks/fit_head.py "
                 "on tests/data/sentences.csv, sentences_more.csv and development real-world corpora "
                 "kept outside the repository. A sentence is negative overall when the logit is >= 0.",
        "features": list(FEATURES),
        "weights": {k: round(x, 4) for k, x in zip(FEATURES, w, strict=False)},
        "bias": round(b, 4),
        "trained_on": {src: {"should_flag": p, "should_pass": n} for src, (_, p, _, n) in rates(items, w, b).items()},
        "options": {"l2": args.l2, "epochs": args.epochs, "rate": args.rate, "max_false_alarms": args.max_false_alarms},
    }
    HEAD_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {HEAD_FILE.relative_to(ROOT)}")
    assert set(SIGNALS) <= set(FEATURES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
