"""Reading what a child process wrote to a pseudo-terminal."""

from __future__ import annotations

import os


def drain(master: int) -> bytes:
    """Everything written to the terminal until the child closes it, then close our end."""
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return output


def read_until(master: int, marker: bytes) -> bytes:
    """What the child writes to the terminal, up to and including `marker` (a readiness signal)."""
    output = b""
    while marker not in output:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal before showing it
            break
        if not chunk:
            break
        output += chunk
    return output
