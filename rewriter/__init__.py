"""rewriter: say why you are leaving your job, positively, and check it locally.

    >>> import rewriter
    >>> rewriter.check("My boss never listens.").ok
    False

The public API lives here and nowhere else. `rewrite`, `arewrite`, `prepare`,
`RewriteRequest` and the result types load on first use, so that `import rewriter`
(and `rewriter check`) stays light.
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
from .models import Context, Finding, Report
from .principles import Principle, load_principles
from .validate import check

if TYPE_CHECKING:
    from .pipeline import Prepared, arewrite, prepare, rewrite
    from .request import RewriteRequest
    from .results import Attempt, Reframe, Rewrite, Usage, to_record

__all__ = [
    "Attempt",
    "ConfigurationError",
    "Context",
    "Finding",
    "InputError",
    "Prepared",
    "Principle",
    "Reframe",
    "Report",
    "Rewrite",
    "RewriteRequest",
    "RewriterError",
    "ServiceError",
    "StillNegativeError",
    "Usage",
    "arewrite",
    "check",
    "load_principles",
    "prepare",
    "rewrite",
    "to_record",
]


_LAZY = {
    "rewrite": "pipeline",
    "arewrite": "pipeline",
    "prepare": "pipeline",
    "Prepared": "pipeline",
    "RewriteRequest": "request",
    "to_record": "results",
    "Attempt": "results",
    "Reframe": "results",
    "Rewrite": "results",
    "Usage": "results",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that `import rewriter` (and `rewriter check`) stays light.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'rewriter' has no attribute {name!r}")
