"""The validator on real-world text that no one in the project wrote.

    python benchmarks/measure_realworld.py CORPUS.jsonl [CORPUS.jsonl ...] --split dev
    python benchmarks/measure_realworld.py CORPUS.jsonl --split dev --show-misses

Each corpus is JSON Lines: {id, text, label, source, source_group, split}. The text
stays outside the repository (it was collected, not written here); this script only
reads it and prints figures:

- per label, the share of items flagged (at least one error-level finding) by the
  validator, and by VADER alone (compound of the whole text <= -0.05);
- per rule, on how many items of each label it fired (errors, then warnings).

Labels that should be flagged: complaint, bad_answer. Labels that should pass:
positive, good_answer. `--split all` measures every item (a corpus whose blind split was
measured once is retired as a test and becomes development data). `--show-misses` prints
the texts the validator got wrong; `--test` marks a blind test set, measured once at
the end: it prints figures only and refuses `--show-misses`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

SHOULD_FLAG = {"complaint", "bad_answer"}
SHOULD_PASS = {"positive", "good_answer"}


def load(paths: list[Path], split: str) -> list[dict]:
    items: list[dict] = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    item = json.loads(line)
                    if split == "all" or item.get("split") == split:
                        items.append(item)
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--split", choices=("dev", "blind", "all"), required=True)
    parser.add_argument("--show-misses", action="store_true", help="print the texts judged wrongly")
    parser.add_argument("--test", action="store_true",
                        help="a blind test set: figures only, never the texts (refuses --show-misses)")
    args = parser.parse_args(argv)
    if args.show_misses and args.test:
        parser.error("--show-misses reads the texts: never on a blind test set (--test)")

    from rewriter import check
    from rewriter.validate.sentiment import analyzer

    items = load(args.corpora, args.split)
    if not items:
        parser.error(f"no items with split={args.split} in {', '.join(map(str, args.corpora))}")
    vader = analyzer()
    totals: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    # The answer.* rules judge whether a text is a whole spoken answer (first person, no blanks,
    # long enough), not its tone: a review's "pros" is no answer. Tone alone is the negativity figure.
    tone: Counter[str] = Counter()
    by_vader: Counter[str] = Counter()
    errors_by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    warnings_by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[tuple[dict, list[str]]] = []
    for item in items:
        label, text = item["label"], item["text"]
        report = check(text)
        flagged = not report.ok
        totals[label] += 1
        ours[label] += flagged
        tone[label] += any(not f.rule.startswith("answer.") for f in report.errors)
        by_vader[label] += vader.polarity_scores(text)["compound"] <= -0.05
        for rule in {f.rule for f in report.errors}:
            errors_by_rule[rule][label] += 1
        for rule in {f.rule for f in report.warnings}:
            warnings_by_rule[rule][label] += 1
        if flagged != (label in SHOULD_FLAG):
            misses.append((item, [f"{f.rule}[{f.excerpt}]" for f in report.findings]))

    labels = sorted(totals, key=lambda label: (label not in SHOULD_FLAG, label))
    print(f"split={args.split}: {len(items)} items from {', '.join(p.name for p in args.corpora)}")
    print(f"{'label':<14}{'n':>5}  {'validator':>10}  {'tone rules':>10}  {'VADER alone':>12}  goal")
    for label in labels:
        n = totals[label]
        goal = "flagged >= 0.85" if label in SHOULD_FLAG else "flagged <= 0.03"
        rates = f"{ours[label] / n:>10.3f}  {tone[label] / n:>10.3f}  {by_vader[label] / n:>12.3f}"
        print(f"{label:<14}{n:>5}  {rates}  {goal}")
    for title, table in (("error rules", errors_by_rule), ("warning rules", warnings_by_rule)):
        print(f"\n{title}: items fired on, per label")
        print(f"  {'rule':<30}" + "".join(f"{label:>13}" for label in labels))
        for rule in sorted(table, key=lambda r: (-sum(table[r].values()), r)):
            print(f"  {rule:<30}" + "".join(f"{table[rule][label]:>13}" for label in labels))
    if args.show_misses:
        print("\nmisses:")
        for item, found in misses:
            print(f"- [{item['label']}] {item['id']}: {item['text']}")
            if found:
                print(f"    findings: {'; '.join(found)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
