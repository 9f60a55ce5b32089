"""Writing to the terminal: plain text when piped, colour when a person is watching."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

# C0/C1 control characters and ANSI escapes: never echo user text raw to a terminal.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """User text made harmless to print: escapes and control characters shown as '?'."""
    return _CONTROL.sub("?", text)


def error_line(message: str) -> None:
    first = safe(message.strip().splitlines()[0] if message.strip() else "unknown error")
    print(f"rewriter: error: {first}", file=sys.stderr)


def notice(message: str) -> None:
    print(f"rewriter: {safe(message)}", file=sys.stderr)


def is_terminal(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))
