"""What is sent and what comes back: the request body, and a completion read as a Reply."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from ..errors import ServiceError
from ..results import Usage
from ..schema import SCHEMA_NAME, LLMAnswer, strict_schema
from .failures import scrub
from .modes import takes_schema_sibling, wire_mode
from .settings import LLMConfig

MAX_OUTPUT_TOKENS = 1500  # an answer plus its reasons fits in well under this

# The body goes to the endpoint through the SDK's client.post(), not chat.completions.create():
# create() re-walks every body against its TypedDicts (~0.4 ms a request, the largest
# share of its overhead) to produce the same bytes. Same client, headers, timeouts and
# response parsing; tests prove the request is byte for byte what create() would send.
CHAT_PATH = "/chat/completions"


@dataclass(frozen=True, slots=True)
class Reply:
    """What one request produced. `answer` is None when the output was unusable."""

    answer: LLMAnswer | None
    content: str | None  # the raw text, to show the model on a re-ask
    usage: Usage
    problem: str | None = None  # why `answer` is None: truncated, not JSON, ...
    retries: int = 0  # transport retries spent getting this reply
    # Set when the server refused json_schema and the request must be sent again in JSON
    # mode: the one-line notice saying so. Not an attempt: no answer, no tokens spent.
    switched: str | None = None

    def with_retries(self, tries: int) -> Reply:
        return replace(self, retries=max(0, tries - 1))


def request_kwargs(messages: list[dict[str, str]], config: LLMConfig) -> dict[str, Any]:
    """The chat completion request body, in the wire form and key order the SDK's create() sends.

    In auto mode the body is that of the mode the server is known to take (json_schema
    until it refuses it). JSON mode to a server other than OpenAI's carries the schema in
    `response_format.schema` (llama-cpp-python and llama-server constrain decoding to it,
    others ignore it) and `max_tokens`, the name older local servers read.
    """
    body: dict[str, Any] = {"model": config.model, "messages": messages, "max_completion_tokens": MAX_OUTPUT_TOKENS}
    if wire_mode(config) == "schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": strict_schema()},
        }
    elif takes_schema_sibling(config.base_url):
        body["max_tokens"] = MAX_OUTPUT_TOKENS
        body["response_format"] = {"type": "json_object", "schema": strict_schema()}
    else:
        body["response_format"] = {"type": "json_object"}
    return body


_THINK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.S | re.I)
_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)
# strict=False: a raw newline inside a string is accepted. llama.cpp's JSON grammars allow
# one (their string rule excludes only quote and backslash), so constrained output has them.
_DECODER = json.JSONDecoder(strict=False)


def extract_json(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's reply: whole text, a fenced block, or the first object.

    Reasoning models' <think> blocks are dropped first: they often contain braces.
    """
    text = _THINK.sub("", text).strip()
    candidates = [text] + [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            value = _DECODER.decode(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder = _DECODER
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def interpret(completion: ChatCompletion, config: LLMConfig) -> Reply:
    """Turn a completion into a Reply; a refusal or a content filter is a ServiceError."""
    if not hasattr(completion, "choices"):
        # The SDK hands back the raw text when a 200 is not JSON: a proxy's or a
        # captive portal's HTML page, or a URL that is not an OpenAI-compatible API.
        kind = "a web page" if "<html" in str(completion)[:1000].lower() else "something other than JSON"
        raise ServiceError(
            f"{config.where} answered with {kind}, not an OpenAI-compatible reply: "
            "check --base-url (it usually ends in /v1) and any proxy in between",
            kind="connection", status=200,
        )
    u = completion.usage
    usage = Usage(u.prompt_tokens or 0, u.completion_tokens or 0) if u else Usage()
    if not completion.choices:
        return Reply(None, None, usage, "the reply held no answer (no choices)")
    choice = completion.choices[0]
    message = choice.message
    refusal = getattr(message, "refusal", None)
    if refusal:
        said = scrub(refusal, config)
        raise ServiceError(f"the model refused to write the answer: {said}", kind="refused", server_message=said)
    if choice.finish_reason == "content_filter":
        raise ServiceError(
            f"the content filter at {config.where} blocked the answer; "
            "remove graphic or personal details from the draft and try again",
            kind="refused",
        )
    content = message.content or ""
    if choice.finish_reason == "length":
        return Reply(None, content, usage, "it was cut off because it was too long; write a shorter answer")
    data = extract_json(content)
    if data is None:
        return Reply(None, content, usage, "it was not a JSON object")
    try:
        answer = LLMAnswer.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})) or "the object"
        return Reply(None, content, usage, f"its JSON did not match the schema (check: {fields})")
    if not answer.answer.strip():
        return Reply(None, content, usage, "its answer was empty")
    return Reply(answer, content, usage)
