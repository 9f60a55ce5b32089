"""Saved drafts: when a rewrite fails (exit 1, 3 or 130), what the user typed or piped in
is kept in a folder only they can read, and `rewriter drafts` finds it again.

The folder is $XDG_STATE_HOME/rewriter/drafts, or ~/.local/state/rewriter/drafts: state
that belongs to one user and outlives a reboot, unlike a shared temporary folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV_STATE_HOME = "XDG_STATE_HOME"


def folder() -> Path:
    state = os.environ.get(ENV_STATE_HOME, "")
    # The XDG spec says a relative path is invalid and must be ignored.
    base = Path(state) if state and os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "rewriter" / "drafts"


def save(text: str) -> Path:
    """Write the draft to a new file (mode 0600) in the private folder (mode 0700); its path."""
    import tempfile  # only on failure: off the start-up path of every command

    where = folder()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    if where.stat().st_mode & 0o077:
        where.chmod(0o700)  # our own folder, made private again if something widened it
    stamp = time.strftime("%Y%m%d-%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"draft-{stamp}-", suffix=".txt", dir=where)  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(path)


def saved() -> list[Path]:
    """The saved drafts, newest first."""
    where = folder()
    if not where.is_dir():
        return []
    return sorted(where.glob("draft-*.txt"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
