"""Bad input for `rewriter rewrite` and `rewriter check`, through the console entry point
(in process, conftest.run_cli; a real process where a pseudo-terminal is needed).

What users paste: nothing, whitespace, far too much, broken encodings, terminal
escapes, emoji, right-to-left text, one enormous line, a binary or a directory.
Each is either refused with one clear line before any request (exit 2) or
handled; nothing is ever echoed raw to the terminal, and there is never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SENTINEL_KEY, CliResult, RunCli, child_env
from scripted_server import Scripted, ScriptedServer, answer_json
from terminal import drain

from rewriter import check, rewrite
from rewriter.errors import InputError
from rewriter.pipeline import MAX_DRAFT_CHARS, MAX_POSTING_CHARS

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

DRAFT = "My boss micromanages every email I send and I'm underpaid. I coordinate projects for marketing."
CLEAN = "I've learned a great deal coordinating projects for marketing, and I'm ready to take on more ownership."
# Raw terminal control: colour, clear screen, a title change (OSC), bell, C1 CSI, DEL, a bidi override.
ESCAPES = "\x1b[31m", "\x1b[2J", "\x1b]0;pwned\x07", "\x07", "\x9b31m", "\x7f", "\u202e"
HOSTILE = "My boss \x1b[31mnever\x1b[0m listens\x1b[2J and I'm sick \x1b]0;pwned\x07 of it\x07\x9b31m\x7f. \u202eevil"
RAW_BYTES = [e.encode() for e in ESCAPES]


def run(cli: RunCli, command: str, args: list[str], *, stdin: bytes = b"",
        server: ScriptedServer | None = None) -> CliResult:
    extra = ["--base-url", server.base_url] if server is not None else []
    proc = cli(command, *args, *extra, stdin=stdin, env={"OPENAI_API_KEY": SENTINEL_KEY})
    out = proc.stdout_bytes + proc.stderr_bytes
    assert b"Traceback" not in out and SENTINEL_KEY.encode() not in out
    for raw in RAW_BYTES:
        assert raw not in out, (raw, out)
    return proc


def one_error_line(proc: CliResult) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("rewriter: error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def assert_spans(report: dict[str, Any], text: str) -> None:
    """Every finding of a --json report points at exactly its excerpt in `text`."""
    for f in report["findings"]:
        assert 0 <= f["start"] <= f["end"] <= len(text) and text[f["start"]:f["end"]] == f["excerpt"]


def file_with(tmp_path: Path, data: bytes, name: str = "draft.txt") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# ---------------------------------------------------------------- refused before any request

REFUSED = [
    ("empty-argument", lambda p: [""], b"", "empty"),
    ("empty-stdin", lambda p: ["-"], b"", "empty"),
    ("whitespace-only", lambda p: ["-"], b" \n\t \r\n  ", "empty"),
    ("whitespace-file", lambda p: ["--file", file_with(p, b"\n\n   \n")], b"", "empty"),
    ("over-the-limit", lambda p: ["-"], b"I am underpaid. " * (MAX_DRAFT_CHARS // 16 + 1), str(MAX_DRAFT_CHARS)),
    ("one-100kb-line", lambda p: ["--file", file_with(p, b"underpaid " * 10_240)], b"", str(MAX_DRAFT_CHARS)),
    ("binary-file", lambda p: ["--file", file_with(p, bytes(range(256)) * 8, "photo.png")], b"", "binary"),
    ("binary-stdin", lambda p: ["-"], b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("directory", lambda p: ["--file", str(p)], b"", "directory"),
    ("missing-file", lambda p: ["--file", str(p / "nope.txt")], b"", "cannot read"),
    ("escapes-in-a-file-name", lambda p: ["--file", str(p / "\x1b[2Jnope.txt")], b"", "cannot read"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_rewrite_refuses_bad_drafts_before_any_request(run_cli: RunCli, case: Any, live_server: ScriptedServer,
                                                       tmp_path: Path) -> None:
    _, args, stdin, message = case
    live_server.script = [Scripted.completion(answer_json(CLEAN))]
    proc = run(run_cli, "rewrite", args(tmp_path), stdin=stdin, server=live_server)
    assert proc.returncode == 2
    assert message in one_error_line(proc)
    assert live_server.received == []  # refused before anything was sent


@pytest.mark.parametrize("case", [c for c in REFUSED if c[0] not in ("over-the-limit", "one-100kb-line")],
                         ids=[c[0] for c in REFUSED if c[0] not in ("over-the-limit", "one-100kb-line")])
def test_check_refuses_what_it_cannot_read(run_cli: RunCli, case: Any, tmp_path: Path) -> None:
    _, args, stdin, message = case
    proc = run(run_cli, "check", args(tmp_path), stdin=stdin)
    assert proc.returncode == 2
    assert message in one_error_line(proc)


def test_api_refuses_before_any_request(live_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from rewriter import InputError

    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    for draft in ("", "  \n\t", "x" * (MAX_DRAFT_CHARS + 1), "underpaid " * 10_240):
        with pytest.raises(InputError):
            rewrite(draft, base_url=live_server.base_url)
    assert live_server.received == []


# ---------------------------------------------------------------- handled, safely


def test_invalid_utf8_is_replaced_not_fatal(run_cli: RunCli, live_server: ScriptedServer, tmp_path: Path) -> None:
    live_server.script = [Scripted.completion(answer_json(CLEAN))]
    broken = DRAFT.encode().replace(b"email", b"em\xff\xfeail")
    proc = run(run_cli, "rewrite", ["--file", file_with(tmp_path, broken)], server=live_server)
    assert proc.returncode == 0, proc.stderr
    sent = live_server.received[0].body["messages"][1]["content"]
    assert "em\ufffd\ufffdail" in sent  # replacement characters, the rest of the draft intact
    assert "I coordinate projects for marketing" in sent
    assert "not valid UTF-8: 2 unreadable byte sequences" in proc.stderr  # said, not silent
    raw = b"My boss \xc3\x28 never listens and I'm sick of it."
    checked = run(run_cli, "check", ["-", "--json"], stdin=raw)
    assert checked.returncode == 1
    assert_spans(json.loads(checked.stdout), raw.decode("utf-8", "replace"))


def test_check_never_echoes_control_characters(run_cli: RunCli, tmp_path: Path) -> None:
    for args in (["-"], ["-", "--json"], ["--file", file_with(tmp_path, HOSTILE.encode())]):
        proc = run(run_cli, "check", args, stdin=HOSTILE.encode())
        assert proc.returncode == 1  # still checked: the complaint is found
        assert b"sick" in proc.stdout_bytes
    data = json.loads(run(run_cli, "check", ["-", "--json"], stdin=HOSTILE.encode()).stdout)
    assert_spans(data, HOSTILE)  # JSON keeps the exact excerpts, escaped (\u001b), never raw


def test_rewrite_never_echoes_control_characters(run_cli: RunCli, live_server: ScriptedServer, tmp_path: Path) -> None:
    # A hostile answer (a compromised or prompt-injected server) is shown safely too.
    hostile_answer = CLEAN + " \x1b]0;pwned\x07\x1b[2J\u202e"
    for extra in ([], ["--json"]):
        live_server.script = [Scripted.completion(answer_json(hostile_answer, reasons=[("\x1b[31mboss", "growth")],
                                                              left_out=["pay\x9b31m"]))]
        proc = run(run_cli, "rewrite", ["-", *extra], stdin=HOSTILE.encode(), server=live_server)
        assert proc.returncode == 0, proc.stderr
        assert CLEAN.encode() in proc.stdout_bytes
    live_server.script = [Scripted.error(401, "bad key \x1b[2J\x1b]0;pwned\x07")]
    proc = run(run_cli, "rewrite", ["-"], stdin=HOSTILE.encode(), server=live_server)
    assert proc.returncode == 3 and "401" in one_error_line(proc)
    saved = re.search(r"saved in (\S+)", proc.stderr)
    assert saved and Path(saved.group(1)).read_text(encoding="utf-8") == HOSTILE  # kept exactly, on disk


@pytest.mark.parametrize("text", [
    "I’ve loved my time here 🎉🚀 and I’m ready to lead projects myself 👩‍💻 in a bigger team.",
    "I want to grow. أريد أن أتعلم وأن أقود مشاريع أكبر في شركة جديدة. I'm ready for more ownership.",
    "שלום! I've learned a lot and I'm ready for a bigger challenge in product design.",
])
def test_emoji_and_right_to_left_text(run_cli: RunCli, text: str, live_server: ScriptedServer, tmp_path: Path) -> None:
    report = check(text)
    for f in report.findings:
        assert 0 <= f.start <= f.end <= len(text) and text[f.start:f.end] == f.excerpt
    proc = run(run_cli, "check", ["-", "--json"], stdin=text.encode())
    assert proc.returncode == (0 if report.ok else 1)  # exactly what check() says, not "either"
    assert_spans(json.loads(proc.stdout), text)
    live_server.script = [Scripted.completion(answer_json(CLEAN + " 🚀"))]
    proc = run(run_cli, "rewrite", ["-", "--json"], stdin=text.encode(), server=live_server)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answer"] == CLEAN + " 🚀"
    assert live_server.received[0].body["messages"][1]["content"].count(text) == 1  # sent intact


def test_one_100kb_line_is_checked_quickly(run_cli: RunCli, tmp_path: Path) -> None:
    line = ("my boss never listens and I am underpaid, " * 2500)[:100_000]
    report = check(line)  # its time is measured by benchmarks/bench_check.py, not bounded here
    assert any(f.rule == "length.rambling" for f in report.findings)
    for f in report.findings:
        assert line[f.start:f.end] == f.excerpt
    # Changed on purpose (issue 15): `rewriter check` refuses text over its limit (exit 2, one
    # line) instead of printing every finding; the longest text it takes keeps exact spans.
    from rewriter.cli.check_cmd import MAX_CHECK_CHARS

    proc = run(run_cli, "check", ["--file", file_with(tmp_path, line.encode()), "--json"])
    assert proc.returncode == 2 and f"the limit is {MAX_CHECK_CHARS:,}" in one_error_line(proc)
    longest = line[:MAX_CHECK_CHARS]
    proc = run(run_cli, "check", ["--file", file_with(tmp_path, longest.encode()), "--json"])
    assert proc.returncode == 1
    assert_spans(json.loads(proc.stdout), longest)


def test_a_long_job_posting_is_trimmed_with_a_notice(live_server: ScriptedServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    posting = "We want a project lead who ships. " * 500
    live_server.script = [Scripted.completion(answer_json(CLEAN))]
    result = rewrite(DRAFT, job_posting=posting, base_url=live_server.base_url)
    assert any("trimmed" in n for n in result.notices)
    sent = live_server.received[0].body["messages"][1]["content"]
    assert "We want a project lead" in sent and sent.count("ships") <= MAX_POSTING_CHARS // 30


# ---------------------------------------------------------------- not English

FOREIGN = [
    "Mon patron me surveille constamment et je suis sous-payé depuis deux ans déjà.",
    "Mein Chef kontrolliert jede E-Mail, die ich schreibe, und ich werde schlecht bezahlt.",
    "No me gusta mi trabajo porque mi jefe es un desastre y no hay futuro para mí.",
    "Il mio capo controlla ogni email che mando e sono pagato poco da anni ormai.",
    "Mijn baas controleert elke e-mail die ik stuur en ik word al jaren onderbetaald.",
    "我的老板每天都在监视我发的每一封邮件，而且我的工资太低了。我想找一个更好的机会。",
    "上司が私のメールを全部チェックしていて、給料も何年も上がっていません。転職したいです。",
    "Мой начальник контролирует каждое письмо, которое я отправляю, и мне мало платят.",
    "مديري يراقب كل بريد إلكتروني أرسله وأنا أتقاضى أجرًا زهيدًا منذ سنوات",
    "המנהל שלי בודק כל מייל שאני שולח ואני מקבל שכר נמוך כבר שנים",
]
ENGLISH = [
    "my manager micromanages every single email i send",
    "leadership plays politics instead of fixing actual problems",
    "Underpaid, overworked, undervalued, exhausted, burned out, completely finished.",
    "our VP rewrites history every time a project fails",
    "I’ve loved my time here 🎉🚀 and I’m ready to lead projects myself 👩‍💻 in a bigger team.",
    "Short and sweet.",
    "teacher. 14 yrs. $52k. 32 kids in a class. no",  # terse: numbers are no language, few words to judge
    "Я хочу",  # too short to tell: no warning
]


@pytest.mark.parametrize("text", FOREIGN)
def test_non_english_text_gets_a_warning(text: str) -> None:
    found = [f for f in check(text).findings if f.rule == "language.unsupported"]
    assert len(found) == 1
    f = found[0]
    assert (f.principle, f.severity) == ("P1", "warning") and "English" in f.message
    assert text[f.start:f.end] == f.excerpt == text.strip()


@pytest.mark.parametrize("text", ENGLISH)
def test_english_text_gets_no_language_warning(text: str) -> None:
    assert not [f for f in check(text).findings if f.rule == "language.unsupported"]


def test_language_warning_on_the_english_corpora_is_rare() -> None:
    import csv

    data = Path(__file__).parent / "data"
    texts = [json.loads(line)["draft"] for line in (data / "drafts.jsonl").read_text(encoding="utf-8").splitlines()]
    for name in sorted(data.glob("sentences*.csv")):
        with name.open(newline="", encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    flagged = [t for t in texts if any(f.rule == "language.unsupported" for f in check(t).findings)]
    assert len(texts) > 500 and len(flagged) <= len(texts) // 200, flagged  # at most 0.5% false alarms


def test_check_cli_warns_about_a_non_english_draft(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run(run_cli, "check", ["-", "--json"], stdin=FOREIGN[0].encode())
    data = json.loads(proc.stdout)
    assert proc.returncode == 0  # a warning, not an error: it is advice
    assert [f["rule"] for f in data["findings"]] == ["language.unsupported"]


def test_a_non_english_draft_is_refused_offline_and_the_llm_is_suggested(run_cli: RunCli) -> None:
    # Issue 11: the offline engine writes English only, so it refuses (exit 2) instead of
    # pasting a foreign sentence into English boilerplate; the message says the LLM can do it.
    with pytest.raises(InputError, match="does not read as English.*an LLM can rewrite it"):
        rewrite(FOREIGN[0], engine="offline")
    assert not any("English" in n for n in rewrite(DRAFT, engine="offline").notices)
    proc = run(run_cli, "rewrite", ["-", "--engine", "offline"], stdin=FOREIGN[5].encode())
    assert proc.returncode == 2 and "does not read as English" in proc.stderr and "LLM" in proc.stderr


def test_check_on_a_terminal_never_echoes_control_characters(tmp_path: Path) -> None:
    """On a (pseudo-)terminal `check` prints with rich: its own colours, never the text's escapes."""
    import pty

    master, slave = pty.openpty()
    env = {**child_env(tmp_path), "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR")
    proc = subprocess.Popen([sys.executable, "-m", "rewriter", "check", HOSTILE], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=tmp_path, close_fds=True)
    os.close(slave)
    output = drain(master)
    assert proc.wait(timeout=30) == 1
    assert b"sick" in output and b"\x1b[" in output  # rich's colours: it really was a terminal
    for raw in RAW_BYTES:
        if raw != b"\x1b[31m":  # rich may colour in red itself
            assert raw not in output, raw
    assert b"Traceback" not in output


def test_a_bad_job_posting_is_a_usage_error_that_saves_nothing(run_cli: RunCli, live_server: ScriptedServer,
                                                              tmp_path: Path) -> None:
    # Changed on purpose (issue 15): drafts are saved on exit 1, 3 and 130 only, as the README
    # says; a usage error (exit 2) ran nothing, and the piped draft is still where it came from.
    from rewriter.cli.drafts import saved

    proc = run(run_cli, "rewrite", ["-", "--job-posting", str(tmp_path)], stdin=DRAFT.encode(), server=live_server)
    assert proc.returncode == 2 and "directory" in one_error_line(proc)
    assert "saved" not in proc.stderr and saved() == []
    assert live_server.received == []
