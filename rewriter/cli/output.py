"""Writing to the terminal: plain text when piped, colour when a person is watching."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

# C0/C1 control characters and ANSI escapes: never echo user text raw to a terminal.
# Bidi embeddings, overrides and isolates too: they can make text display as
# something other than what it is ("Trojan Source").
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What json.dumps(ensure_ascii=False) leaves raw although a terminal acts on it
# (it escapes only C0); these can only occur inside JSON strings, so \uXXXX is exact.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """User text made harmless to print: escapes and control characters shown as '?'."""
    return _CONTROL.sub("?", text)


def shorten(text: str, limit: int, *, keep: str = "both") -> str:
    """At most `limit` characters of `text`, cut with "…": its start and end (`both`), its
    `start` or its `end` (context before a highlighted excerpt is cut at its far side)."""
    if len(text) <= limit:
        return text
    if keep == "start":
        return text[: limit - 1] + "…"
    if keep == "end":
        return "…" + text[len(text) - limit + 1:]
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def error_line(message: str) -> None:
    first = safe(message.strip().splitlines()[0] if message.strip() else "unknown error")
    print(f"rewriter: error: {first}", file=sys.stderr)


def notice(message: str) -> None:
    print(f"rewriter: {safe(message)}", file=sys.stderr)


def is_terminal(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def print_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    print(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
