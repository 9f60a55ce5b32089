"""The JSON API: the CLI's `--json` shapes over HTTP.

POST /api/rewrite gives `to_record()` (what `rewriter rewrite --json` prints), POST
/api/check gives `Report.to_dict()` (`rewriter check --json`), GET /api/principles gives
`rewriter principles --json`. Every failure is JSON with a `message`, never a traceback:

    400  the input cannot be used (empty, too long, out of range), or the body is not JSON
    413  the body is over 64 KB (refused by the guard before it is read)
    422  the body is JSON but not the right shape (a missing field, a wrong type)
    502  the LLM service failed (after retries)
    503  nothing is set up to do it (engine "llm" with no LLM configured)
    500  a bug: the body names only the exception's type, since its text may hold the draft

Drafts are never logged: the only log line here names an internal error's type.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..config import llm_configured
from ..errors import (
    ConfigurationError,
    InputError,
    RewriterError,
    ServiceError,
    StillNegativeError,
)
from ..models import Context
from ..pipeline import MAX_DRAFT_CHARS, arewrite
from ..principles import load_principles
from ..results import to_record
from ..validate import check
from .guard import error_body
from .page import LLM_HELP
from .schemas import CheckBody, CheckDoc, ErrorDoc, PrincipleDoc, RecordDoc, RewriteBody

log = logging.getLogger("rewriter.web")
T = TypeVar("T")

NO_STORE = {"cache-control": "no-store"}  # a draft or an answer is never kept in a browser's cache

router = APIRouter(prefix="/api", tags=["api"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorDoc, "description": "The body is over 64 KB."},
    422: {"model": ErrorDoc, "description": "The body is JSON but not the right shape."},
    403: {"model": ErrorDoc, "description": "A cross-site request (Origin or Sec-Fetch-Site)."},
}


def status_for(exc: BaseException) -> int:
    """The HTTP status of a failed rewrite or check."""
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ConfigurationError):
        return 503
    if isinstance(exc, ServiceError):
        return 502
    return 500


# user:password@ in a URL: a server's URL may carry credentials, and an error message may quote it.
_URL_CREDENTIALS = re.compile(r"(?<=//)[^/@\s]+@")


def failure(exc: BaseException, status: int) -> JSONResponse:
    """A rewrite with no clean answer: its record (the CLI's --json shape), any URL's credentials removed."""
    record = to_record(exc)
    if record["message"]:
        record["message"] = _URL_CREDENTIALS.sub("", record["message"])
    return json_response(record, status)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={**NO_STORE, **(headers or {})})


def internal_error(exc: BaseException, where: str) -> None:
    # The type only: an exception's text may quote the draft, and drafts are never logged.
    log.error("internal error in %s: %s", where, type(exc).__name__)


@router.post(
    "/rewrite",
    summary="Rewrite a blunt draft into an interview answer",
    response_model=None,
    responses={
        200: {"model": RecordDoc, "description": 'The answer (status "ok"), or the best attempt with the '
                                                 'errors it still has (status "findings").'},
        400: {"model": RecordDoc, "description": "The draft or an option cannot be used; `message` says why."},
        502: {"model": RecordDoc, "description": "The LLM service failed after retries."},
        503: {"model": RecordDoc, "description": 'Engine "llm" asked for, but no LLM is configured.'},
        **_ERRORS,
    },
)
async def api_rewrite(body: RewriteBody, request: Request) -> Response:
    """The body of `rewriter rewrite --json`, built by the same `to_record()`.

    With no LLM configured (or engine "offline") the offline engine writes the answer and
    nothing leaves the machine. The rewrite runs on `arewrite`: a slow LLM does not hold up
    other requests, and it is cancelled if the page that asked goes away.
    """
    client = getattr(request.app.state, "llm_client", None)
    if body.engine == "llm" and client is None and not llm_configured():
        # Said here, not by the pipeline: its help names command-line options the page has not.
        return failure(ConfigurationError(f"no LLM is configured. {LLM_HELP}"), 503)
    try:
        result = await _unless_client_leaves(arewrite(request=body.to_request(), client=client), request)
    except _ClientLeft:
        return Response(status_code=499)  # nobody reads it: the connection is gone
    except StillNegativeError as exc:
        return failure(exc, 200)  # an answer, just not a clean one: its record says so
    except RewriterError as exc:
        return failure(exc, status_for(exc))
    except Exception as exc:  # noqa: BLE001  (a bug: the record names its type only)
        internal_error(exc, "rewrite")
        return failure(exc, 500)
    return json_response(result.to_record())


@router.post(
    "/check",
    summary="Check an answer for what an interviewer would hear as negative",
    response_model=None,
    responses={
        200: {"model": CheckDoc, "description": "The findings, each at its character span."},
        400: {"model": ErrorDoc, "description": "The text is empty or too long."},
        **_ERRORS,
    },
)
async def api_check(body: CheckBody) -> Response:
    """The body of `rewriter check --json`: `ok` and the findings with their spans.

    With `draft` (and `role`, `company`, `job_posting`), numbers and names in the answer
    that none of them holds are flagged as invented. Local and deterministic: nothing is sent.
    """
    if not body.text.strip():
        return json_response(error_body("the answer is empty: paste the answer you want checked"), 400)
    if len(body.text) > MAX_DRAFT_CHARS:
        return json_response(error_body(
            f"the answer is {len(body.text)} characters; the limit is {MAX_DRAFT_CHARS}. "
            "A spoken answer is far shorter"), 400)
    given = (body.role, body.company, body.job_posting)
    context = Context(role=body.role, company=body.company, job_posting=body.job_posting) \
        if body.draft or any(given) else None
    try:
        # In-line, not in a worker thread: a 5,000-character check takes milliseconds.
        report = check(body.text, draft=body.draft or None, context=context)
    except RewriterError as exc:  # a limit of the validator's own, say
        return json_response(error_body(str(exc)), status_for(exc))
    except Exception as exc:  # noqa: BLE001  (a bug: the message names its type only)
        internal_error(exc, "check")
        return json_response(error_body(to_record(exc)["message"]), 500)
    return json_response(report.to_dict())


@router.get(
    "/principles",
    summary="The nine principles every prompt and every check traces back to",
    response_model=list[PrincipleDoc],
)
async def api_principles() -> Response:
    """The body of `rewriter principles --json`."""
    return json_response([asdict(p) for p in load_principles()])


# ---------------------------------------------------------------- a page that leaves


class _ClientLeft(Exception):
    pass


async def _unless_client_leaves(work: Awaitable[T], request: Request) -> T:
    """Await `work`, but cancel it if the client disconnects first (a closed tab, Cancel).

    The body has been read by then, so the next ASGI message is the disconnect.
    """
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the server is shutting down
        task.cancel()
        watcher.cancel()
        raise
    watcher.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise _ClientLeft


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass
