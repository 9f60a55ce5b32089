"""Issue 15's papercuts, each through the real console script (a subprocess):
check with context and a limit, drafts saved only on exit 1/3/130 and privately, the
offline engine's "Left out", batch's wording and stdin, --timeout's default, shell
completion, and the README's sample output.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SENTINEL_KEY
from scripted_server import Scripted, ScriptedServer, answer_json

from rewriter import check, rewrite
from rewriter.cli.check_cmd import MAX_CHECK_CHARS, MAX_EXCERPT_CHARS

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

DRAFT = "My boss micromanages every email I send and I'm underpaid. I coordinate projects for marketing."
NEGATIVE = "My boss is a clueless micromanager and I'm sick of this dead-end job."
CLEAN = ("I've learned a great deal coordinating projects for marketing, and I'm ready to take on more "
         "ownership in a Senior Operations Analyst role.")


def run_cli(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    clean.update({"NO_COLOR": "1", "COLUMNS": "120", **(env or {})})
    proc = subprocess.run([sys.executable, "-m", "rewriter", *args], input=stdin, capture_output=True, text=True,
                          env=clean, cwd=cwd, timeout=120, check=False)
    assert "Traceback" not in proc.stderr and SENTINEL_KEY not in proc.stdout + proc.stderr
    return proc


def drafts_folder() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "rewriter" / "drafts"


# ---------------------------------------------------------------- check: context


def test_check_counts_the_role_company_and_posting_the_user_gave(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("my manager micromanages me. I coordinate projects for marketing.", encoding="utf-8")
    posting = tmp_path / "posting.txt"
    posting.write_text("Globex is hiring. You will own a 12-person operations team.", encoding="utf-8")
    answer = ("I coordinate projects for marketing and I'm ready for more ownership as a Senior Operations "
              "Analyst at Initech, leading a 12-person team at Globex.")
    bare = run_cli("check", answer, "--draft", str(draft), "--json", cwd=tmp_path)
    invented = {f["excerpt"] for f in json.loads(bare.stdout)["findings"] if f["rule"] == "fidelity.invented"}
    assert bare.returncode == 1 and invented >= {"Senior", "Initech", "12"}  # what the issue saw: flagged
    with_context = run_cli("check", answer, "--draft", str(draft), "--role", "Senior Operations Analyst",
                           "--company", "Initech", "--job-posting", str(posting), "--json", cwd=tmp_path)
    findings = json.loads(with_context.stdout)["findings"]
    assert [f for f in findings if f["rule"] == "fidelity.invented"] == []
    assert with_context.returncode == 0, with_context.stdout


# ---------------------------------------------------------------- check: limit and excerpts


def test_check_refuses_text_over_its_limit_with_one_clear_line(tmp_path: Path) -> None:
    proc = run_cli("check", "-", cwd=tmp_path, stdin="My boss never listens. " * 900)  # ~20,000 characters
    assert proc.returncode == 2 and proc.stdout == ""
    expected = (f"rewriter: error: the answer is 20,700 characters; the limit is {MAX_CHECK_CHARS:,}. "
                "Check one answer at a time")
    assert proc.stderr.splitlines() == [expected]
    long_draft = tmp_path / "draft.txt"
    long_draft.write_text("x " * MAX_CHECK_CHARS, encoding="utf-8")
    proc = run_cli("check", "I'm ready to lead projects.", "--draft", str(long_draft), cwd=tmp_path)
    assert proc.returncode == 2 and "the draft is 20,000 characters" in proc.stderr


def test_plain_check_output_caps_each_excerpt(tmp_path: Path) -> None:
    text = "My boss never listens and " + "I am tired of the meetings and " * 200 + "that is it."
    assert len(text) < MAX_CHECK_CHARS
    long_excerpts = [f for f in check(text).findings if len(f.excerpt) > MAX_EXCERPT_CHARS]
    assert long_excerpts  # the case the cap is for: one excerpt thousands of characters long
    proc = run_cli("check", "-", cwd=tmp_path, stdin=text)
    assert proc.returncode == 1
    heads = [line for line in proc.stdout.splitlines() if re.match(r"\d+-\d+ (error|warning) ", line)]
    assert len(heads) == len(check(text).findings)
    for line in heads:
        excerpt = line.split(": ", 1)[1]
        assert len(excerpt) <= MAX_EXCERPT_CHARS + 2, line  # + its quotes
    assert any("…" in line for line in heads)
    assert max(len(line) for line in proc.stdout.splitlines()) < 200
    whole = json.loads(run_cli("check", "-", "--json", cwd=tmp_path, stdin=text).stdout)
    assert max(len(f["excerpt"]) for f in whole["findings"]) > 1000  # --json keeps it whole


# ---------------------------------------------------------------- saved drafts


@pytest.mark.parametrize("args", [
    ["--engine", "nope"],                       # unknown engine
    ["--file", "missing.txt"],                  # missing file (a --file draft is on disk anyway)
    ["--engine", "llm"],                        # no key for the LLM
    ["--variants", "9"],                        # variants out of range
])
def test_usage_errors_save_nothing_and_the_error_comes_first(args: list[str], tmp_path: Path) -> None:
    draft_args = [] if "--file" in args else ["-"]
    proc = run_cli("rewrite", *draft_args, *args, cwd=tmp_path, stdin=DRAFT)
    assert proc.returncode == 2
    assert proc.stderr.startswith("rewriter: error: "), proc.stderr
    assert "saved" not in proc.stderr
    assert not drafts_folder().exists()
    assert list(tmp_path.iterdir()) == []  # nothing in the working folder either


def test_a_service_error_saves_the_draft_privately_after_the_error_line(live_server: ScriptedServer,
                                                                         tmp_path: Path) -> None:
    live_server.script = [Scripted.error(401, "Incorrect API key provided")]
    proc = run_cli("rewrite", "-", "--base-url", live_server.base_url, cwd=tmp_path, stdin=DRAFT,
                   env={"OPENAI_API_KEY": SENTINEL_KEY})
    assert proc.returncode == 3
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("rewriter: error: ") and "401" in lines[0]
    saved = re.fullmatch(r"rewriter: your draft is saved in (\S+) \(`rewriter drafts` lists saved drafts\)",
                         lines[1])
    assert saved, lines
    path = Path(saved.group(1))
    assert path.parent == drafts_folder() and path.read_text(encoding="utf-8") == DRAFT
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(drafts_folder().stat().st_mode) == 0o700
    assert not str(path).startswith("/tmp/rewriter-draft")  # not a shared temp folder
    listed = run_cli("drafts", cwd=tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0].split("\t")[0] == str(path)
    assert "My boss micromanages every email" in listed.stdout
    cleared = run_cli("drafts", "--clear", cwd=tmp_path)
    assert cleared.returncode == 0 and "deleted 1 saved draft " in cleared.stdout
    assert not path.exists()
    assert "no saved drafts" in run_cli("drafts", cwd=tmp_path).stdout


def test_findings_that_remain_save_the_draft_too(live_server: ScriptedServer, tmp_path: Path) -> None:
    live_server.script = [Scripted.completion(answer_json(NEGATIVE))]
    proc = run_cli("rewrite", DRAFT, "--base-url", live_server.base_url, "--max-attempts", "1", cwd=tmp_path,
                   env={"OPENAI_API_KEY": SENTINEL_KEY})
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("rewriter: error: the answer still has")
    assert lines[1].startswith("rewriter: your draft is saved in ")
    assert [p.read_text(encoding="utf-8") for p in drafts_folder().iterdir()] == [DRAFT]


def test_a_draft_read_from_a_file_is_not_copied(live_server: ScriptedServer, tmp_path: Path) -> None:
    live_server.script = [Scripted.error(401, "Incorrect API key provided")]
    (tmp_path / "draft.txt").write_text(DRAFT, encoding="utf-8")
    proc = run_cli("rewrite", "--file", "draft.txt", "--base-url", live_server.base_url, cwd=tmp_path,
                   env={"OPENAI_API_KEY": SENTINEL_KEY})
    assert proc.returncode == 3 and "saved" not in proc.stderr and not drafts_folder().exists()


# ---------------------------------------------------------------- offline: everything removed is listed


@pytest.mark.parametrize("draft", [
    "idiots. I built the sales dashboard in Tableau and I want to lead projects.",
    "my coworkers are morons, I built the sales dashboard in Tableau and I want to grow into data engineering",
    "Bob is a jerk. I've been a nurse for 6 years and I want to teach.",
])
def test_every_insult_the_offline_engine_drops_is_left_out(draft: str, tmp_path: Path) -> None:
    result = rewrite(draft, engine="offline")
    insults = [f.excerpt for f in check(draft).findings if f.rule.startswith(("insult.", "blame.", "complaint."))]
    assert insults
    for insult in insults:
        assert insult.lower() not in result.answer.lower()
        assert any(insult.lower() in item.lower() for item in result.left_out), (insult, result.left_out)
    plain = run_cli("rewrite", draft, "--engine", "offline", cwd=tmp_path).stdout
    assert "Left out (complaints and private details):" in plain


# ---------------------------------------------------------------- batch


def test_batch_says_one_error_reads_stdin_and_names_its_output_option(tmp_path: Path) -> None:
    rows = [{"id": 1, "draft": "my boss micromanages me and I want to lead projects"}, {"id": 2, "draft": "  "}]
    jsonl = "".join(json.dumps(r) + "\n" for r in rows)
    proc = run_cli("batch", "-", "-o", "out.jsonl", "--engine", "offline", cwd=tmp_path, stdin=jsonl)
    assert proc.returncode == 1, proc.stderr
    assert re.search(r"2 drafts rewritten in .*: 1 ok, 0 with findings, 1 error; results in out.jsonl",
                     proc.stderr), proc.stderr
    assert [json.loads(x)["status"] for x in (tmp_path / "out.jsonl").read_text().splitlines()] == ["ok", "error"]
    one = run_cli("batch", "-", "-o", "one.jsonl", "--engine", "offline", cwd=tmp_path,
                  stdin="id,draft\n7,\"my boss micromanages me, I want to lead projects\"\n")
    assert one.returncode == 0 and "1 draft rewritten" in one.stderr and "0 errors" in one.stderr
    assert json.loads((tmp_path / "one.jsonl").read_text())["id"] == "7"  # CSV, detected from stdin
    bad = run_cli("batch", "-", "-o", "bad.jsonl", cwd=tmp_path, stdin='{"id": 1, "draft": "x"}\nnot json\n')
    assert bad.returncode == 2 and bad.stderr.strip().endswith("standard input:2: not valid JSON (one JSON object "
                                                               "per line)")
    assert list(tmp_path.glob("rewriter-batch-*")) == []
    help_text = run_cli("batch", "--help", cwd=tmp_path).stdout
    assert "-o/--output" in help_text and " OUT" not in help_text
    assert "[default: 8]" in help_text and "rate limits" in help_text


def test_readme_concurrency_example_is_the_default_and_says_why() -> None:
    from rewriter.batch import DEFAULT_CONCURRENCY

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {int(n) for n in re.findall(r"--concurrency (\d+)", readme)}
    assert shown == {DEFAULT_CONCURRENCY}
    assert f"Why {DEFAULT_CONCURRENCY} by default" in readme


# ---------------------------------------------------------------- help, completion


def test_timeout_shows_its_default_the_typer_way(tmp_path: Path) -> None:
    text = run_cli("rewrite", "--help", cwd=tmp_path).stdout
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if "--timeout" in line)
    block = [lines[first]] + list(itertools.takewhile(lambda line: not re.match(r"│\s+-", line), lines[first + 1:]))
    assert "[default: 60]" in " ".join(block) and "(default 60)" not in text


def test_shell_completion_is_installed_as_the_readme_says(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`rewriter --install-completion`" in readme
    assert "--install-completion" in run_cli("--help", cwd=tmp_path).stdout
    script = Path(sys.executable).parent / "rewriter"  # completion is keyed on the program's name
    proc = subprocess.run([str(script)], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "_REWRITER_COMPLETE": "complete_bash", "COMP_WORDS": "rewriter dr",
                               "COMP_CWORD": "1"}, timeout=60, check=False)
    assert proc.stdout.split() == ["drafts"]


# ---------------------------------------------------------------- the README's sample


def test_readme_sample_output_is_exactly_what_the_command_prints(tmp_path: Path) -> None:
    """The first command of the README, run as written (offline: no LLM configured), prints
    exactly the README's sample on standard output."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"```sh\npip install \. && (rewriter rewrite .+)\n```", readme)
    sample = re.search(r"What the first command prints.*?```text\n(.*?)```", readme, re.DOTALL)
    assert command and sample
    args = shlex.split(command.group(1))
    proc = run_cli(*args[1:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == sample.group(1)
