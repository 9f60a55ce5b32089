"""The ASGI app of `rewriter serve`: the page, its assets, the JSON API, the docs.

    app = create_app()                 # reads the environment's LLM settings once
    uvicorn.run(app, host="127.0.0.1")

`create_app` returns the FastAPI app wrapped in the Guard (guard.py), which every request
passes first. The app only ever answers on the routes below; everything else is a JSON 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from ..config import Settings, read_settings
from .api import json_response, router
from .guard import MAX_BODY_BYTES, Guard, HostPolicy, error_body
from .page import STATIC, EngineInfo, render_docs, render_page


def _version() -> str:
    try:
        return version("rewriter")
    except PackageNotFoundError:  # a source tree that was never installed
        return "dev"


def create_app(
    *,
    host: str = "127.0.0.1",
    also_hosts: Iterable[str] = (),
    settings: Settings | None = None,
    llm_client: Any = None,
    max_body: int = MAX_BODY_BYTES,
) -> ASGIApp:
    """The app, for a server bound to `host`.

    `also_hosts`: more names the Host header may carry (say, the machine's name when
    shared on a network). `settings`: the LLM settings (default: read from the environment
    now, so that a bad value stops the server before it starts). `llm_client`: an
    openai.AsyncOpenAI to use instead of one built from the settings (tests, embedding).
    """
    settings = settings if settings is not None else read_settings()
    engine = EngineInfo.from_settings(settings)
    app_version = _version()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        _warm_up()
        yield

    app = FastAPI(
        title="rewriter",
        version=app_version,
        summary="Say why you are leaving your job, positively; checked on this machine.",
        description="The JSON API of `rewriter serve`: the same objects as the CLI's `--json`.",
        docs_url=None,  # FastAPI's docs page loads its script from a CDN: ours is rendered here
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.llm_client = llm_client
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    page = render_page(engine, app_version)  # the same for every visit: rendered once

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> Response:
        return HTMLResponse(page, headers={"cache-control": "no-cache"})

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs() -> Response:
        return HTMLResponse(render_docs(app.openapi(), app_version))

    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    return Guard(app, hosts=HostPolicy.for_bind(host, also_hosts), max_body=max_body)


def _warm_up() -> None:
    """Load the lexicons and VADER before the first visitor, not during their first check."""
    from ..validate import check

    check("I am looking forward to the next step in my career.")


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    # Pydantic's error carries the offending input (the draft, say): only where and what.
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return json_response(error_body("the request body is not valid JSON"), 400)
    whole_body = [e for e in errors if tuple(e.get("loc", ())) == ("body",)]
    sent_json = "json" in request.headers.get("content-type", "")
    if whole_body and (not sent_json or whole_body[0].get("type") == "missing"):  # no body, text, a form
        return json_response(error_body("send the body as a JSON object, with Content-Type: application/json"), 400)
    problems = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        if error.get("type") == "extra_forbidden":
            problems.append(f"unknown field {where!r}")
        elif not where:
            problems.append("the body must be a JSON object")
        else:
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return json_response(error_body("; ".join(problems) or "the request is not valid"), 422)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    messages = {404: f"nothing at {request.url.path}", 405: f"{request.method} is not allowed here"}
    message = messages.get(exc.status_code, str(exc.detail))
    return json_response(error_body(message), exc.status_code, exc.headers)  # 405 keeps its Allow
