"""`rewriter serve`: a local web page and JSON API over the same pipeline as the CLI.

Imported only by `rewriter serve` (and by whoever embeds the app): FastAPI and uvicorn
never load on the path of `rewriter check`.
"""

from .app import create_app

__all__ = ["create_app"]
