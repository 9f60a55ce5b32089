"""`rewriter check` and `rewriter principles` through the console entry point (in process:
conftest.run_cli), and the installed console script itself once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CliResult, RunCli

EXE = shutil.which("rewriter", path=str(Path(sys.executable).parent)) or "rewriter"
NEGATIVE = "My boss never listens and I'm sick of this dead-end job."
POSITIVE = (
    "I've grown a lot in my four years on the support team, where I trained new hires and "
    "built our help-centre articles. I'm looking for a role with more ownership of the "
    "customer experience, and this position's focus on onboarding is exactly the work I "
    "want to do next. I'd love to bring what I've learned to your team."
)


def assert_clean_error(proc: CliResult, code: int = 2) -> None:
    assert proc.returncode == code, proc.stderr
    err = proc.stderr
    assert "Traceback" not in err
    assert err.startswith("rewriter: error:") and len(err.strip().splitlines()) == 1


def test_negative_answer_exits_1_with_findings(run_cli: RunCli) -> None:
    proc = run_cli("check", NEGATIVE)
    assert proc.returncode == 1
    out = proc.stdout
    assert "blame.manager" in out and "complaint.frustration" in out
    assert "\x1b[" not in out, "piped output must be plain text"


def test_positive_answer_exits_0(run_cli: RunCli) -> None:
    proc = run_cli("check", POSITIVE)
    assert proc.returncode == 0, proc.stdout
    assert " error " not in proc.stdout


def test_json_shape(run_cli: RunCli) -> None:
    proc = run_cli("check", NEGATIVE, "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert set(data) == {"ok", "findings"} and data["ok"] is False
    keys = {"rule", "principle", "severity", "start", "end", "excerpt", "message", "suggestion"}
    for f in data["findings"]:
        assert set(f) == keys
        assert NEGATIVE[f["start"]:f["end"]] == f["excerpt"]


def test_stdin_dash_and_implicit_stdin(run_cli: RunCli) -> None:
    for args in (("check", "-", "--json"), ("check", "--json")):
        proc = run_cli(*args, stdin=NEGATIVE.encode())
        assert proc.returncode == 1
        assert json.loads(proc.stdout)["ok"] is False


def test_invalid_utf8_on_stdin_is_replaced_not_fatal(run_cli: RunCli) -> None:
    proc = run_cli("check", "-", "--json", stdin=b"my boss never listens \xff\xfe and that's that")
    assert proc.returncode == 1
    # (It read `assert ... or proc.stdout`, which could not fail: the replaced bytes are now checked.)
    assert any("\ufffd\ufffd" in f["excerpt"] for f in json.loads(proc.stdout)["findings"])
    assert "not valid UTF-8: 2 unreadable byte sequences" in proc.stderr


def test_file_and_draft_options(run_cli: RunCli, tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    draft = tmp_path / "draft.txt"
    answer.write_text("In my 5 years I grew sales by 30%.", encoding="utf-8")
    draft.write_text("5 years in sales, my boss is a clown", encoding="utf-8")
    proc = run_cli("check", "--file", str(answer), "--draft", str(draft), "--json")
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
def test_input_errors_exit_2_with_one_line(run_cli: RunCli, args: tuple[str, ...], stdin: bytes | None) -> None:
    assert_clean_error(run_cli(*args, stdin=stdin))


def test_binary_file_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02binary\x00")
    assert_clean_error(run_cli("check", "--file", str(blob)))


def test_usage_error_exits_2(run_cli: RunCli) -> None:
    proc = run_cli("check", "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_one_megabyte_is_refused_by_the_cli_and_still_checked_by_the_library(run_cli: RunCli, tmp_path: Path) -> None:
    # Changed on purpose (issue 15): `rewriter check` now has an input limit (exit 2, one
    # line) instead of printing hundreds of findings; check() itself still copes with 1 MB.
    from rewriter import check
    from rewriter.cli.check_cmd import MAX_CHECK_CHARS

    big = tmp_path / "big.txt"
    big.write_text((NEGATIVE + " " + POSITIVE + "\n") * 2800, encoding="utf-8")  # ~1 MB
    assert big.stat().st_size > 1_000_000
    proc = run_cli("check", "--file", str(big), "--json")
    assert_clean_error(proc)
    assert f"the limit is {MAX_CHECK_CHARS:,}" in proc.stderr and proc.stdout == ""
    assert not check(big.read_text(encoding="utf-8")).ok


def test_control_characters_are_not_echoed_raw(run_cli: RunCli) -> None:
    proc = run_cli("check", "my boss never listens \x1b[31mRED\x1b[0m")
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout


def test_principles_json_and_plain(run_cli: RunCli) -> None:
    proc = run_cli("principles", "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert [p["id"] for p in data] == [f"P{i}" for i in range(1, 10)]
    assert all(p["title"] and p["guidance"] and p["advice"] for p in data)
    plain = run_cli("principles")
    assert plain.returncode == 0 and "P9" in plain.stdout


def test_help_teaches(run_cli: RunCli) -> None:
    proc = run_cli("check", "--help")
    assert proc.returncode == 0
    assert "--draft" in proc.stdout and "Exit status" in proc.stdout


def test_version_through_the_installed_console_script() -> None:
    # A real process on purpose: the console script `rewriter` itself, as pip installed it.
    proc = subprocess.run([EXE, "--version"], capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("rewriter ")
