"""`rewriter check` and `rewriter principles` through the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("rewriter", path=str(Path(sys.executable).parent)) or "rewriter"
NEGATIVE = "My boss never listens and I'm sick of this dead-end job."
POSITIVE = (
    "I've grown a lot in my four years on the support team, where I trained new hires and "
    "built our help-centre articles. I'm looking for a role with more ownership of the "
    "customer experience, and this position's focus on onboarding is exactly the work I "
    "want to do next. I'd love to bring what I've learned to your team."
)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.run(
        [EXE, *args], input=stdin if stdin is not None else b"", capture_output=True, env=env, timeout=60
    )


def assert_clean_error(proc: subprocess.CompletedProcess[bytes], code: int = 2) -> None:
    assert proc.returncode == code, proc.stderr
    err = proc.stderr.decode()
    assert "Traceback" not in err
    assert err.startswith("rewriter: error:") and len(err.strip().splitlines()) == 1


def test_negative_answer_exits_1_with_findings() -> None:
    proc = run("check", NEGATIVE)
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert "blame.manager" in out and "complaint.frustration" in out
    assert "\x1b[" not in out, "piped output must be plain text"


def test_positive_answer_exits_0() -> None:
    proc = run("check", POSITIVE)
    assert proc.returncode == 0, proc.stdout
    assert b" error " not in proc.stdout


def test_json_shape() -> None:
    proc = run("check", NEGATIVE, "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert set(data) == {"ok", "findings"} and data["ok"] is False
    keys = {"rule", "principle", "severity", "start", "end", "excerpt", "message", "suggestion"}
    for f in data["findings"]:
        assert set(f) == keys
        assert NEGATIVE[f["start"]:f["end"]] == f["excerpt"]


def test_stdin_dash_and_implicit_stdin() -> None:
    for args in (("check", "-", "--json"), ("check", "--json")):
        proc = run(*args, stdin=NEGATIVE.encode())
        assert proc.returncode == 1
        assert json.loads(proc.stdout)["ok"] is False


def test_invalid_utf8_on_stdin_is_replaced_not_fatal() -> None:
    proc = run("check", "-", "--json", stdin=b"my boss never listens \xff\xfe and that's that")
    assert proc.returncode == 1
    assert "\ufffd" in json.loads(proc.stdout)["findings"][0]["excerpt"] or proc.stdout


def test_file_and_draft_options(tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    draft = tmp_path / "draft.txt"
    answer.write_text("In my 5 years I grew sales by 30%.", encoding="utf-8")
    draft.write_text("5 years in sales, my boss is a clown", encoding="utf-8")
    proc = run("check", "--file", str(answer), "--draft", str(draft), "--json")
    assert proc.returncode == 1
    invented = [f["excerpt"] for f in json.loads(proc.stdout)["findings"] if f["rule"] == "fidelity.invented"]
    assert invented == ["30%"]


@pytest.mark.parametrize(
    "args, stdin",
    [
        (("check", ""), None),
        (("check", "   \n\t "), None),
        (("check", "-"), b""),
        (("check", "--file", "/nonexistent/answer.txt"), None),
        (("check", "--file", "/"), None),
        (("check", "text", "--file", "/etc/hostname"), None),
    ],
)
def test_input_errors_exit_2_with_one_line(args: tuple[str, ...], stdin: bytes | None) -> None:
    assert_clean_error(run(*args, stdin=stdin))


def test_binary_file_is_refused(tmp_path: Path) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02binary\x00")
    assert_clean_error(run("check", "--file", str(blob)))


def test_usage_error_exits_2() -> None:
    proc = run("check", "--no-such-option")
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr


def test_one_megabyte_is_refused_by_the_cli_and_still_checked_by_the_library(tmp_path: Path) -> None:
    # Changed on purpose (issue 15): `rewriter check` now has an input limit (exit 2, one
    # line) instead of printing hundreds of findings; check() itself still copes with 1 MB.
    from rewriter import check
    from rewriter.cli.check_cmd import MAX_CHECK_CHARS

    big = tmp_path / "big.txt"
    big.write_text((NEGATIVE + " " + POSITIVE + "\n") * 2800, encoding="utf-8")  # ~1 MB
    assert big.stat().st_size > 1_000_000
    proc = run("check", "--file", str(big), "--json")
    assert_clean_error(proc)
    assert f"the limit is {MAX_CHECK_CHARS:,}" in proc.stderr.decode() and proc.stdout == b""
    assert not check(big.read_text(encoding="utf-8")).ok


def test_control_characters_are_not_echoed_raw() -> None:
    proc = run("check", "my boss never listens \x1b[31mRED\x1b[0m")
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout


def test_principles_json_and_plain() -> None:
    proc = run("principles", "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert [p["id"] for p in data] == [f"P{i}" for i in range(1, 10)]
    assert all(p["title"] and p["guidance"] and p["advice"] for p in data)
    plain = run("principles")
    assert plain.returncode == 0 and b"P9" in plain.stdout


def test_help_teaches() -> None:
    proc = run("check", "--help")
    assert proc.returncode == 0
    assert b"--draft" in proc.stdout and b"Exit status" in proc.stdout


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("rewriter ")
