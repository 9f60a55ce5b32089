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
