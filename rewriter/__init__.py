"""rewriter: say why you are leaving your job, positively, and check it locally.

    >>> import rewriter
    >>> rewriter.check("My boss never listens.").ok
    False

The public API lives here and nowhere else. `rewrite` and `arewrite` load on first
use so that `import rewriter` (and `rewriter check`) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigurationError,
    InputError,
    RewriterError,
    ServiceError,
    StillNegativeError,
)
from .models import Attempt, Context, Finding, Reframe, Report, Rewrite, Usage
from .principles import Principle, load_principles
from .validate import check

if TYPE_CHECKING:
    from .pipeline import arewrite, rewrite

__all__ = [
    "Attempt",
    "ConfigurationError",
    "Context",
    "Finding",
    "InputError",
    "Principle",
    "Reframe",
    "Report",
    "Rewrite",
    "RewriterError",
    "ServiceError",
    "StillNegativeError",
    "Usage",
    "arewrite",
    "check",
    "load_principles",
    "rewrite",
]


def __getattr__(name: str) -> Any:
    if name in ("rewrite", "arewrite"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'rewriter' has no attribute {name!r}")
