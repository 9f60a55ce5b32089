"""Reading the text a command works on: an argument, stdin (`-`) or a file."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{source} looks like a binary file, not text")
    # Invalid UTF-8 is replaced, not fatal: a stray byte must not lose the draft.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    from .output import notice

    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    notice(f"{source} is not valid UTF-8: {bad} unreadable byte sequence{'s' * (bad != 1)} shown as \ufffd")
    return text


def read_file(path: Path, what: str = "file") -> str:
    if path.is_dir():
        raise InputError(f"{what} {path} is a directory, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    return _decode(data, f"{what} {path}")


def read_text(text: str | None, file: Path | None, *, what: str = "text") -> str:
    """The text from exactly one of: TEXT argument, `-` for stdin, or --file."""
    if text is not None and file is not None:
        raise InputError(f"give the {what} as an argument or with --file, not both")
    if file is not None:
        value = read_file(file)
    elif text == "-":
        value = _decode(sys.stdin.buffer.read(), "standard input")
    elif text is not None:
        value = text
    elif not sys.stdin.isatty():
        value = _decode(sys.stdin.buffer.read(), "standard input")
    else:
        raise InputError(f"no {what} given: pass it as an argument, `-` for stdin, or --file PATH")
    if not value.strip():
        raise InputError(f"the {what} is empty")
    return value
