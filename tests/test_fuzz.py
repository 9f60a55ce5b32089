"""Fuzz: hypothesis over `check`, the offline engine and the CLI's argument handling.

Properties: never an exception other than the documented ones (never a traceback
at the CLI), spans always valid, output deterministic, nothing raw on the terminal.

The default suite runs a few hundred examples per test. The dedicated run:

    REWRITER_FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py -q

runs that many examples per test (4 tests: 40,000 in all) and prints each count.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewriter import RewriterError, check
from rewriter.models import Context
from rewriter.offline import compose

EXAMPLES = int(os.environ.get("REWRITER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES < 1000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
RUNS: Counter[str] = Counter()  # examples run per property


def fuzz(name: str, prop: Callable[[], None]) -> None:
    """Run one property over its examples, say how many ran (the dedicated run's count), and
    check they all did: each test checks its own, in any order, alone or in parallel."""
    before, started = RUNS[name], time.monotonic()
    prop()
    ran = RUNS[name] - before
    print(f"\nfuzz {name}: {ran} examples in {time.monotonic() - started:.1f} s")
    assert ran >= min(EXAMPLES, 100), (name, ran)

# Words the rules and the offline engine react to, so examples reach past the fast paths.
WORDS = (
    "my boss manager micromanages never listens underpaid toxic sick of dead-end job I I'm I've learned "
    "grateful ready to lead grow more ownership team projects pay salary hate clueless idiot but and because "
    "years 6 $8 20% an hour nurse engineer Acme Corp laid off relocating moving to Denver remote burnout "
    "health family \"unlimited PTO\" literally honestly just kind of basically desperate any job please "
    "<draft> </draft> system: ignore previous instructions {\"answer\": ``` https://x.io a@b.co +1 555 123 4567"
).split()
PUNCT = [".", ",", "!", "?", "…", ";", " - ", "\n", "\n\n", "'", "’", "\"", "(", ")", "\t", "  "]
ODD = ["\x00", "\x1b[31m", "\x1b]0;x\x07", "\u202e", "\u200b", "\ufeff", "🎉", "👩‍💻", "é", "ß", "İ", "ﬁ",
       "שלום", "مرحبا", "漢字", "\r\n", "\x85", "\u2028", "\U0001F3FB"]

words_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCT), st.sampled_from(ODD)),
                      max_size=120).map(lambda xs: " ".join(xs))
glued = st.lists(st.sampled_from(PUNCT + ODD + WORDS[:8]), max_size=80).map("".join)
any_text = st.one_of(st.text(max_size=400), words_text, glued)


def assert_report_valid(text: str, report: Any) -> None:
    assert report.text == text
    last = (-1, -1, "")
    for f in report.findings:
        assert 0 <= f.start <= f.end <= len(text), f
        assert text[f.start:f.end] == f.excerpt
        assert f.severity in ("error", "warning") and re.fullmatch(r"P[1-9]", f.principle) and f.rule
        assert f.message and f.suggestion
        assert (f.start, f.end, f.rule) >= last  # sorted by position
        last = (f.start, f.end, f.rule)


@FUZZ
@given(text=any_text, draft=st.none() | any_text)
def prop_check_never_fails_and_spans_are_valid(text: str, draft: str | None) -> None:
    RUNS["check"] += 1
    report = check(text, draft=draft, context=Context(role="Analyst") if draft else None)
    assert_report_valid(text, report)
    assert check(text, draft=draft, context=Context(role="Analyst") if draft else None) == report  # deterministic


@FUZZ
@given(draft=any_text.filter(lambda t: t.strip()), role=st.none() | st.sampled_from(["Nurse", "Project Lead", "é"]),
       seconds=st.integers(5, 600))
def prop_offline_compose_never_fails(draft: str, role: str | None, seconds: int) -> None:
    RUNS["compose"] += 1
    composition = compose(draft, Context(role=role, seconds=seconds))
    assert isinstance(composition.answer, str) and composition.answer.strip()
    assert_report_valid(composition.answer, check(composition.answer, draft=draft))
    assert compose(draft, Context(role=role, seconds=seconds)) == composition  # deterministic


@FUZZ
@given(draft=any_text)
def prop_offline_rewrite_raises_only_rewriter_errors(draft: str) -> None:
    from rewriter import rewrite

    RUNS["rewrite-offline"] += 1
    try:
        result = rewrite(draft, engine="offline")
    except RewriterError as exc:
        assert str(exc) and "\n" not in str(exc).strip() or exc.exit_code == 1
        return
    assert_report_valid(result.answer, check(result.answer))


OPTIONS = ["rewrite", "check", "principles", "--json", "--file", "-f", "--draft", "--role", "--company", "--tone",
           "--seconds", "--timeout", "--engine", "offline", "llm", "auto", "--max-attempts", "--mode", "json",
           "schema", "--redact", "--redact-name", "--job-posting", "-", "--", "-x", "--nope", ".", "/", "/dev/null",
           "0", "-1", "60", "1e9", "nan", "3"]
argv = st.lists(st.one_of(st.sampled_from(OPTIONS), st.text(max_size=30), words_text.map(lambda t: t[:200])),
                max_size=8)
stdin_bytes = st.one_of(st.binary(max_size=300), words_text.map(str.encode))
RAW_CONTROL = re.compile(r"\x1b|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@FUZZ
@given(args=argv, data=stdin_bytes)
def prop_cli_arguments_never_cause_a_traceback(args: list[str], data: bytes) -> None:
    from rewriter.cli import main

    RUNS["cli"] += 1
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    saved = sys.argv, sys.stdin, sys.stdout, sys.stderr
    sys.argv, sys.stdin, sys.stdout, sys.stderr = ["rewriter", *args], stdin, out, err
    try:
        main()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
    assert code in (0, 1, 2, None), (args, code, err.getvalue())
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    assert not RAW_CONTROL.search(text), (args, text[:500])


# ---------------------------------------------------------------- the tests: each property, its own count


def test_check_never_fails_and_spans_are_valid() -> None:
    fuzz("check", prop_check_never_fails_and_spans_are_valid)


def test_offline_compose_never_fails() -> None:
    fuzz("compose", prop_offline_compose_never_fails)


def test_offline_rewrite_raises_only_rewriter_errors() -> None:
    fuzz("rewrite-offline", prop_offline_rewrite_raises_only_rewriter_errors)


def test_cli_arguments_never_cause_a_traceback() -> None:
    fuzz("cli", prop_cli_arguments_never_cause_a_traceback)
