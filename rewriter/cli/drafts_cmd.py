"""`rewriter drafts`: the drafts kept after failed rewrites, newest first."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from . import drafts
from .output import safe

PREVIEW_CHARS = 70


def drafts_command(
    clear: Annotated[bool, typer.Option("--clear", help="Delete every saved draft.")] = False,
) -> int:
    """List the drafts saved when a rewrite failed (exit 1, 3 or 130), newest first.

    They are kept in a folder only you can read: $XDG_STATE_HOME/rewriter/drafts,
    or ~/.local/state/rewriter/drafts.

    Example:

      rewriter rewrite --file "$(rewriter drafts | head -1 | cut -f1)"
    """
    found = drafts.saved()
    if clear:
        for path in found:
            path.unlink(missing_ok=True)
        print(f"deleted {len(found)} saved draft{'s' * (len(found) != 1)} from {drafts.folder()}")
        return 0
    if not found:
        print(f"no saved drafts (they would be in {drafts.folder()})")
        return 0
    for path in found:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        preview = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
        print(f"{path}\t{when}\t{safe(preview)}")
    return 0
