"""The `rewriter` command line: a thin skin over the Python API."""

from .app import main

__all__ = ["main"]
