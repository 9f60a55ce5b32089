"""Blind evaluation of the offline engine: answers for a judge, then the judge's figures.

    python benchmarks/eval_offline.py answer DRAFTS.jsonl ANSWERS.jsonl   # the engine's answers
    python benchmarks/eval_offline.py score SCORES.jsonl [SCORES.jsonl ...] # the judges' figures

DRAFTS: one JSON object a line with id, draft and optional role, company (drafts written by
someone who has not seen the engine). ANSWERS: what the judge reads (id, draft, role, company,
answer, and the engine's own ok, which the judge is not shown). SCORES: one line per draft
scored by someone else on five points of 0-2 (no_negativity, facts, reason, spoken, length) and
their total; the rubric is in benchmarks/results/offline_rubric.md.
"""

from __future__ import annotations

import collections
import json
import statistics
import sys
from pathlib import Path

POINTS = ("no_negativity", "facts", "reason", "spoken", "length")


def answer(drafts: Path, out: Path) -> None:
    import rewriter
    from rewriter.errors import RewriterError, StillNegativeError

    rows = [json.loads(line) for line in drafts.read_text().splitlines() if line.strip()]
    with out.open("w") as fh:
        for row in rows:
            options = {k: row[k] for k in ("role", "company") if row.get(k)}
            try:
                result = rewriter.rewrite(row["draft"], engine="offline", **options)
                text, ok, problem = result.answer, True, None
            except StillNegativeError as exc:
                text, ok, problem = exc.best.answer, False, "; ".join(f.rule for f in exc.best.findings)
            except RewriterError as exc:  # refused (not English, ...): the user gets no answer
                text, ok, problem = None, False, str(exc)
            fh.write(json.dumps({"id": row["id"], "draft": row["draft"], "role": row.get("role"),
                                 "company": row.get("company"), "answer": text, "ok": ok,
                                 "problem": problem}) + "\n")
    print(f"{len(rows)} answers written to {out}")


def score(paths: list[Path]) -> None:
    rows = [json.loads(line) for p in paths for line in p.read_text().splitlines() if line.strip()]
    totals = [r["total"] for r in rows]
    print(f"{len(rows)} drafts scored: mean {statistics.mean(totals):.2f} of 10, lowest {min(totals)}, "
          f"below 7: {sum(t < 7 for t in totals)}")
    print("distribution: " + ", ".join(f"{t}: {n}" for t, n in sorted(collections.Counter(totals).items(),
                                                                     reverse=True)))
    for point in POINTS:
        print(f"  {point:<14}{statistics.mean(r[point] for r in rows):.2f} of 2")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "answer":
        answer(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "score":
        score([Path(p) for p in sys.argv[2:]])
    else:
        sys.exit(__doc__)
