"""`rewriter doctor`: is the configured LLM endpoint ready for rewrites, and what to change if not.

Exit status: 0 rewriting will work; 3 it cannot (the checks say why); 2 nothing is
configured to probe, or a setting cannot be used.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import options
from .output import print_json, safe

_MARK = {"ok": "ok  ", "failed": "FAIL", "warning": "warn", "skipped": "skip"}


def doctor_command(
    base_url: options.BaseUrl = None,
    model: options.Model = None,
    mode: options.Mode = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds to wait for each probe (default 60).", show_default=False),
    ] = None,
    as_json: options.Json = False,
) -> int:
    """Probe the LLM endpoint: reachable, key accepted, model listed, json_schema accepted,
    JSON mode works, time for a tiny request. Prints what rewriter will use and what to change.

    Run it first when setting up Ollama, llama.cpp or any OpenAI-compatible server:

      rewriter doctor --base-url http://localhost:11434/v1 --model llama3.2
    """
    from ..llm.doctor import diagnose
    from ..llm.settings import LLMConfig

    config = LLMConfig.resolve(model=model, base_url=base_url, mode=mode, timeout=timeout)
    found = diagnose(config)
    if as_json:
        print_json(found.to_dict())
        return 0 if found.ok else 3
    print(f"endpoint  {safe(found.base_url)}")
    print(f"model     {safe(found.model)}")
    print(f"mode      {found.mode}")
    print()
    for check in found.checks:
        took = f" ({check.seconds:.1f} s)" if check.seconds is not None else ""
        print(f"[{_MARK[check.status]}] {check.name}: {safe(check.detail)}{took}")
    print()
    if found.will_use == "schema":
        print("rewriter will use: strict JSON schema (json_schema)")
    elif found.will_use == "json":
        print("rewriter will use: JSON mode, with the schema in the request and the prompt")
    else:
        print("rewriting will NOT work with this endpoint as it is")
    for line in found.advice:
        print(f"  - {safe(line)}")
    return 0 if found.ok else 3
