"""Where the shipped data lives, in a wheel and in a source checkout alike."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
LEXICON_DIR = PACKAGE_DIR / "lexicons"


@cache  # where the package lives does not change while it runs; a batch asks once per draft
def shipped_prompts_dir() -> Path:
    # The wheel carries prompts/ inside the package; a source checkout or an
    # editable install finds it at the top of the repository.
    inside = PACKAGE_DIR / "prompts"
    return inside if inside.is_dir() else PACKAGE_DIR.parent / "prompts"


def prompts_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's --prompts dir, else $REWRITER_PROMPTS, else the shipped one."""
    from .config import ENV_PROMPTS  # here: `rewriter check` loads principles from this module, never prompts

    chosen = override or os.environ.get(ENV_PROMPTS)
    return Path(chosen) if chosen else shipped_prompts_dir()
