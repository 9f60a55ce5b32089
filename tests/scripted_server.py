"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for recording cassettes.

It is not a model: it answers each request with the next scripted response, in
order, and records what it received. Real HTTP over loopback, so the SDK, its
headers and vcrpy all behave exactly as they would against a real endpoint.

    with ScriptedServer([Scripted.completion(answer_json(...))]) as server:
        client = OpenAI(base_url=server.base_url, api_key="x")

Add a route by adding an entry to `ROUTES` (e.g. "/v1/files", "/v1/batches").
"""

from __future__ import annotations

import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROUTES = {("POST", "/v1/chat/completions"), ("GET", "/v1/models")}  # each answered by the next scripted response
_ids = itertools.count(1)


@dataclass(frozen=True)
class Scripted:
    """One scripted response: status, headers, a JSON body (or raw bytes), a delay."""

    status: int = 200
    body: Any = None  # JSON-encoded when not bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (latency, or a timeout test)
    reset: bool = False  # send the headers and half the body, then reset the connection

    @classmethod
    def completion(
        cls,
        content: str | None,
        *,
        finish_reason: str = "stop",
        refusal: str | None = None,
        model: str = "scripted-model",  # == ScriptedServer.MODEL
        prompt_tokens: int = 120,
        completion_tokens: int = 80,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> Scripted:
        """A chat completion with one choice, shaped like OpenAI's."""
        # Derived from the content, not a counter: re-recording gives identical cassettes.
        digest = hashlib.sha256(f"{content}|{refusal}|{finish_reason}".encode()).hexdigest()[:12]
        body = {
            "id": f"chatcmpl-scripted-{digest}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return cls(200, body, dict(headers or {}), delay)

    @classmethod
    def models(cls, *ids: str) -> Scripted:
        """GET /v1/models: the models the server lists."""
        return cls(200, {"object": "list", "data": [{"id": i, "object": "model", "owned_by": "scripted"} for i in ids]})

    @classmethod
    def no_choices(cls) -> Scripted:
        body = {"id": "chatcmpl-empty", "object": "chat.completion", "created": 1_700_000_000,
                "model": "scripted-model", "choices": [], "usage": None}
        return cls(200, body)

    @classmethod
    def html(cls, status: int, page: str = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
             ) -> Scripted:
        """An HTML page, as a proxy or a captive portal answers in place of the API."""
        return cls(status, page.encode(), {"content-type": "text/html; charset=utf-8"})

    @classmethod
    def reset_mid_response(cls, content: str = "{}") -> Scripted:
        """A completion whose connection drops (TCP reset) halfway through the body."""
        return replace(cls.completion(content), reset=True)

    @classmethod
    def error(cls, status: int, message: str, *, code: str | None = None, type_: str = "invalid_request_error",
              headers: dict[str, str] | None = None) -> Scripted:
        """An error shaped like OpenAI's: {"error": {"message", "type", "param", "code"}}."""
        body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
        return cls(status, body, dict(headers or {}))


def answer_json(answer: str, *, reasons: Sequence[tuple[str, str]] = (), facts_kept: Sequence[str] = (),
                left_out: Sequence[str] = ()) -> str:
    """The JSON text a model would put in `content` for rewriter's schema."""
    return json.dumps({
        "answer": answer,
        "reasons": [{"reason": r, "reframed_as": f} for r, f in reasons],
        "facts_kept": list(facts_kept),
        "left_out": list(left_out),
    })


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON when it parses, else the raw text
    arrived: float = 0.0  # time.monotonic() when the request line came in
    answered: float = 0.0  # ... and when the response was written (0.0 if it never was)


class _Listener(ThreadingHTTPServer):
    # A batch opens --concurrency connections at once; the default listen backlog of 5
    # drops some, and a dropped SYN costs a 1 s retransmit (or a reset).
    request_queue_size = 128


class ScriptedServer:
    """Threaded HTTP server answering from a script; a context manager."""

    MODEL = "scripted-model"  # every scripted completion says so: a cassette tells where it came from

    def __init__(self, script: Iterable[Scripted] = (), *, latency: float = 0.0, repeat_last: bool = False,
                 batch_polls: int = 1) -> None:
        self.script = list(script)
        self.batch = _BatchAPI(self, batch_polls)  # /v1/files and /v1/batches
        self.latency = latency  # added to every response (benchmarks)
        self.repeat_last = repeat_last  # keep answering with the last entry (benchmarks)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle
    def start(self) -> ScriptedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like a real API
            # Headers and body are two writes; with Nagle on, the body waits for the
            # client's delayed ACK (~40 ms) and timings turn to noise.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def parse_request(self) -> bool:
                self.arrived = time.monotonic()  # the request line is in; latency counts from here
                return super().parse_request()

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_GET(self) -> None:
                server._handle(self, "GET")

        self._httpd = _Listener(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def remaining(self) -> int:
        return len(self.script)

    # -------------------------------------------------------------- requests
    def _next(self) -> Scripted:
        with self._lock:
            if not self.script:
                return Scripted.error(500, "scripted server: script exhausted", type_="server_error")
            if self.repeat_last and len(self.script) == 1:
                return self.script[0]
            return self.script.pop(0)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        path = handler.path.split("?", 1)[0]
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        arrived = getattr(handler, "arrived", time.monotonic())
        record = Received(method, path, {k.lower(): v for k, v in handler.headers.items()}, body, arrived)
        with self._lock:
            self.received.append(record)
        batch_api = self.batch.handle(method, path, handler.headers.get("content-type", ""), raw)
        if batch_api is not None:
            response = batch_api
        elif (method, path) not in ROUTES:
            response = Scripted.error(404, f"no route {method} {path}", type_="not_found")
        else:
            response = self._next()
        delay = response.delay + self.latency
        if delay:  # from the request's arrival: the server's own parsing is part of its latency
            time.sleep(max(0.0, arrived + delay - time.monotonic()))
        data = response.body if isinstance(response.body, bytes) else json.dumps(response.body).encode()
        try:
            handler.send_response(response.status)
            handler.send_header("content-type", response.headers.get("content-type", "application/json"))
            handler.send_header("content-length", str(len(data)))
            handler.send_header("x-request-id", f"req_scripted_{next(_ids)}")  # must be scrubbed from cassettes
            for name, value in response.headers.items():
                if name.lower() != "content-type":
                    handler.send_header(name, value)
            handler.end_headers()
            if response.reset:
                handler.wfile.write(data[: len(data) // 2])
                handler.close_connection = True
                # Linger 0: close() sends a TCP RST, as a crashed proxy or a dropped link does.
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                handler.connection.close()
                return
            handler.wfile.write(data)
            record.answered = time.monotonic()
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass


# ---------------------------------------------------------------- the Batch API


class _BatchAPI:
    """The files and batches endpoints the OpenAI Batch API needs, kept in memory.

    POST /v1/files (multipart, purpose=batch) stores a file; POST /v1/batches answers
    every request line of its input file with the server's next scripted response, in
    order, as a chat completion would have been answered; GET /v1/batches/{id} says
    `in_progress` for `batch_polls` polls, then `completed` with an output file (200s)
    and an error file (the rest); GET /v1/files/{id}/content returns a file. Ids are
    counters, so re-recorded cassettes do not change.
    """

    def __init__(self, server: ScriptedServer, polls: int) -> None:
        self.server = server
        self.polls = polls
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._polls_left: dict[str, int] = {}

    def handle(self, method: str, path: str, content_type: str, raw: bytes) -> Scripted | None:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/files":
            return self._upload(content_type, raw)
        if method == "GET" and len(parts) == 4 and parts[:2] == ["v1", "files"] and parts[3] == "content":
            data = self.files.get(parts[2])
            if data is None:
                return Scripted.error(404, f"No such File object: {parts[2]}")
            return Scripted(200, data, {"content-type": "application/octet-stream"})
        if method == "POST" and path == "/v1/batches":
            return self._create(json.loads(raw or b"{}"))
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "batches"]:
            return self._retrieve(parts[2])
        return None

    def _store(self, data: bytes) -> str:
        with self.server._lock:
            file_id = f"file-scripted-{len(self.files) + 1}"
            self.files[file_id] = data
        return file_id

    def _upload(self, content_type: str, raw: bytes) -> Scripted:
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(f"content-type: {content_type}\r\n\r\n".encode() + raw)
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        if "file" not in fields or fields.get("purpose") is None:
            return Scripted.error(400, "a file and a purpose are required")
        purpose = fields["purpose"].get_payload(decode=True).decode()
        data = fields["file"].get_payload(decode=True) or b""
        file_id = self._store(data)
        return Scripted(200, {"id": file_id, "object": "file", "bytes": len(data), "created_at": 1_700_000_000,
                              "filename": fields["file"].get_filename() or "upload", "purpose": purpose,
                              "status": "processed"})

    def _create(self, body: dict[str, Any]) -> Scripted:
        data = self.files.get(str(body.get("input_file_id")))
        if data is None:
            return Scripted.error(400, f"No such File object: {body.get('input_file_id')}")
        output: list[str] = []
        errors: list[str] = []
        for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            request = json.loads(line)
            answer = self.server._next()
            result = {"id": f"batch_req_scripted_{number}", "custom_id": request["custom_id"],
                      "response": {"status_code": answer.status, "request_id": f"req_batch_{number}",
                                   "body": answer.body},
                      "error": None}
            (output if answer.status == 200 else errors).append(json.dumps(result))
        with self.server._lock:
            batch_id = f"batch_scripted_{len(self.batches) + 1}"
            total = len(output) + len(errors)
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
                "input_file_id": body.get("input_file_id"), "completion_window": body.get("completion_window"),
                "status": "validating", "output_file_id": None, "error_file_id": None,
                "created_at": 1_700_000_000, "metadata": body.get("metadata"),
                "request_counts": {"total": total, "completed": 0, "failed": 0},
                "_output": "".join(f"{x}\n" for x in output).encode(), "_errors": "".join(f"{x}\n" for x in errors).encode(),
                "_failed": len(errors),
            }
            self._polls_left[batch_id] = self.polls
        return Scripted(200, self._public(batch_id))

    def _retrieve(self, batch_id: str) -> Scripted:
        batch = self.batches.get(batch_id)
        if batch is None:
            return Scripted.error(404, f"No such Batch object: {batch_id}")
        counts = batch["request_counts"]
        if self._polls_left[batch_id] > 0:
            self._polls_left[batch_id] -= 1
            batch["status"] = "in_progress"
            counts["completed"] = counts["total"] // 2
        elif batch["status"] != "completed":
            batch["status"] = "completed"
            counts["completed"], counts["failed"] = counts["total"] - batch["_failed"], batch["_failed"]
            batch["output_file_id"] = self._store(batch["_output"]) if batch["_output"] else None
            batch["error_file_id"] = self._store(batch["_errors"]) if batch["_errors"] else None
        return Scripted(200, self._public(batch_id))

    def _public(self, batch_id: str) -> dict[str, Any]:
        return json.loads(json.dumps({k: v for k, v in self.batches[batch_id].items() if not k.startswith("_")}))
