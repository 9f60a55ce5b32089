"""`rewriter serve`: the page for people who never open a terminal, on this machine."""

from __future__ import annotations

from typing import Annotated

import typer


def serve_command(
    host: Annotated[
        str,
        typer.Option("--host", help="The address to listen on. Anything but 127.0.0.1 or localhost lets other "
                     "machines use the page (and your LLM key)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port (0: any free one).")] = 8000,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in your web browser.")] = False,
) -> int:
    """Start the web page: paste a draft and get the answer, or check an answer you wrote.

    Prints the address to open; Ctrl-C stops it. Nothing leaves this machine unless an LLM is set up.

    The same page serves a JSON API (the CLI's --json shapes), documented at /docs.

    Examples:

      rewriter serve --open

      rewriter serve --port 8080
    """
    # Inside the function: FastAPI and uvicorn load for this command only.
    from ..web.server import serve

    serve(host, port, open_browser=open_browser)
    return 0
