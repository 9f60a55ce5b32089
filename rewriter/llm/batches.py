"""The OpenAI Batch API's side of `rewriter batch --via openai-batch`: request lines,
result lines, files and batches (rewriter/batch_api.py drives them)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from ..errors import ServiceError
from ..results import Usage
from . import reply as _reply
from .failures import classify, scrub
from .reply import Reply, interpret
from .settings import LLMConfig
from .transport import call, sync_client

BATCH_ENDPOINT: Final = "/v1/chat/completions"
BATCH_WINDOW: Final = "24h"


def batch_request(custom_id: str, messages: list[dict[str, str]], config: LLMConfig) -> dict[str, Any]:
    """One line of a Batch API input file: the very body the direct call sends."""
    return {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT,
            "body": _reply.request_kwargs(messages, config)}


def interpret_batch_result(line: Mapping[str, Any], config: LLMConfig) -> Reply:
    """A Batch API output line's response body as a Reply (a refusal is a ServiceError, as in a direct call).

    A request that failed inside the batch (its status_code not 200) raises a ServiceError
    whose kind, status and `retryable` are those the same failure of a direct call has.
    """
    response = line.get("response") or {}
    try:
        status = int(response.get("status_code") or 0)
    except (TypeError, ValueError):
        status = 0
    body = response.get("body")
    error = line.get("error")
    if status != 200 or not isinstance(body, dict):
        detail = body.get("error") if isinstance(body, dict) else error
        message = detail.get("message") if isinstance(detail, dict) else None
        code = detail.get("code") if isinstance(detail, dict) else None
        kind, retryable = classify(status, str(code or "")) if status else ("unavailable", False)
        said = scrub(message, config) if isinstance(message, str) and message else None
        failed = f"the batch request failed (HTTP {status or '?'})"
        raise ServiceError(f"{failed}: {said}" if said else failed, kind=kind, status=status or None,
                           retryable=retryable, server_message=said)
    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError:
        return Reply(None, None, Usage(), "the reply was not a chat completion")
    return interpret(completion, config)


@dataclass(frozen=True, slots=True)
class BatchState:
    """What rewriter needs to know about a Batch API job."""

    id: str
    status: str  # validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "expired", "cancelled")


class BatchAPI:
    """Files and batches, through the cached sync client, with the same retry policy and error mapping."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.client = sync_client(config)

    def _call(self, fn: Callable[[], Any]) -> Any:
        return call(fn, self.config)[0]

    def upload(self, path: str | os.PathLike[str]) -> str:
        def send() -> Any:
            with open(path, "rb") as handle:
                return self.client.files.create(file=handle, purpose="batch")

        return str(self._call(send).id)

    def create(self, input_file_id: str, metadata: Mapping[str, str] | None = None) -> BatchState:
        batch = self._call(lambda: self.client.batches.create(
            input_file_id=input_file_id, endpoint=BATCH_ENDPOINT, completion_window=BATCH_WINDOW,
            metadata=dict(metadata or {}) or None))
        return _state(batch)

    def retrieve(self, batch_id: str) -> BatchState:
        return _state(self._call(lambda: self.client.batches.retrieve(batch_id)))

    def download(self, file_id: str, path: str | os.PathLike[str]) -> None:
        content = self._call(lambda: self.client.files.content(file_id))
        with open(path, "wb") as out:
            for chunk in content.iter_bytes():
                out.write(chunk)


def _state(batch: Any) -> BatchState:
    counts = batch.request_counts
    errors = tuple(scrub(e.message or e.code or "error") for e in ((batch.errors and batch.errors.data) or []))
    return BatchState(
        id=batch.id, status=batch.status, total=counts.total if counts else 0,
        completed=counts.completed if counts else 0, failed=counts.failed if counts else 0,
        output_file_id=batch.output_file_id, error_file_id=batch.error_file_id, errors=errors,
        metadata=dict(batch.metadata or {}),
    )
