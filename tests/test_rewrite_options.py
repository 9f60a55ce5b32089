"""Options of a rewrite that every engine honours: --tone and --level (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rewriter.errors import InputError
from rewriter.models import LEVELS, TONES, Context
from rewriter.pipeline import rewrite
from rewriter.prompts import Prompts



def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update({"NO_COLOR": "1", "COLUMNS": "200"})
    proc = subprocess.run([sys.executable, "-m", "rewriter", "rewrite", *args], capture_output=True, text=True,
                          env=env, timeout=60, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    return proc


def test_an_unknown_tone_or_level_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown tone 'sarcastic'"):
        rewrite("my boss is a micromanager", tone="sarcastic", engine="offline")
    with pytest.raises(InputError, match="unknown level"):
        rewrite("my boss is a micromanager", level="medium", engine="offline")


def test_the_cli_lists_the_choices_and_refuses_others(tmp_path: Path) -> None:
    proc = run(["--engine", "offline", "--tone", "sarcastic", "my boss is a micromanager"], tmp_path)
    assert proc.returncode == 2 and "sarcastic" in proc.stderr
    for choice in TONES:
        assert choice in proc.stderr
    proc = run(["--engine", "offline", "--level", "medium", "my boss is a micromanager"], tmp_path)
    assert proc.returncode == 2 and all(level in proc.stderr for level in LEVELS)


def test_the_light_level_reaches_the_prompt_and_the_default_prompt_is_unchanged() -> None:
    prompts = Prompts.load()
    full = prompts.user("my boss is a micromanager", Context())
    light = prompts.user("my boss is a micromanager", Context(level="light"))
    assert "Level" not in full and "light" not in full
    assert light.startswith(full.split("Length:")[0]) and "Level: light." in light
