"""Options that several commands share, defined once so their help stays the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Engine = Annotated[str, typer.Option("--engine", help="auto (LLM if configured, else offline), llm or offline.")]
Model = Annotated[
    str | None,
    typer.Option("--model", help="Model name (env REWRITER_MODEL; default gpt-4o-mini).", show_default=False),
]
BaseUrl = Annotated[
    str | None,
    typer.Option("--base-url", help="An OpenAI-compatible server (env OPENAI_BASE_URL).", show_default=False),
]
Mode = Annotated[
    str | None,
    typer.Option("--mode", help="auto (JSON schema, else JSON mode; the default), schema or json (env REWRITER_MODE).",
                 show_default=False),
]
Prompts = Annotated[
    Path | None,
    typer.Option("--prompts", help="Use your own prompt templates from this directory (env REWRITER_PROMPTS).",
                 show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
