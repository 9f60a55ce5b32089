"""`rewriter doctor`: probe an OpenAI-compatible endpoint the way a rewrite will use it.

Four requests at most, each sent once (a probe reports what happens; it does not retry):
the model list, a tiny json_schema completion, a tiny JSON-mode completion (only when
json_schema was refused or failed), and nothing else. The verdict says which mode
rewriter will use and what to change; `ok` is True when a rewrite can work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion

from ..config import ENV_KEY, ENV_MODE, ENV_MODEL
from .failures import map_error, refuses_format
from .modes import Wire, takes_schema_sibling
from .reply import CHAT_PATH, extract_json
from .settings import LLMConfig

PROBE_TOKENS = 24  # {"ok": true} and a little slack
# A full rewrite sends ~1,000 prompt tokens and gets up to a few hundred back: a server
# this slow on a tiny request will be far slower on a real one.
SLOW_SECONDS = 5.0
_PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}
_PROBE_MESSAGES = [
    {"role": "system", "content": 'Reply with the JSON object {"ok": true} and nothing else.'},
    {"role": "user", "content": "Are you there?"},
]

Status = Literal["ok", "failed", "warning", "skipped"]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str
    seconds: float | None = None


@dataclass(slots=True)
class Diagnosis:
    base_url: str
    model: str
    mode: str  # as configured: auto, schema or json
    checks: list[Check] = field(default_factory=list)
    will_use: Wire | None = None  # the mode rewrites will use; None: rewriting cannot work
    advice: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.will_use is not None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "base_url": self.base_url, "model": self.model, "mode": self.mode,
                "will_use": self.will_use, "checks": [asdict(c) for c in self.checks], "advice": self.advice}


def probe_body(config: LLMConfig, wire: Wire) -> dict[str, Any]:
    """The tiny request: the same response format a rewrite sends in this mode."""
    body: dict[str, Any] = {"model": config.model, "messages": [dict(m) for m in _PROBE_MESSAGES],
                            "max_completion_tokens": PROBE_TOKENS}
    if wire == "schema":
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "probe", "strict": True, "schema": _PROBE_SCHEMA}}
    elif takes_schema_sibling(config.base_url):
        body["max_tokens"] = PROBE_TOKENS
        body["response_format"] = {"type": "json_object", "schema": _PROBE_SCHEMA}
    else:
        body["response_format"] = {"type": "json_object"}
    return body


def diagnose(config: LLMConfig, client: openai.OpenAI | None = None,
             clock: Callable[[], float] = time.perf_counter) -> Diagnosis:
    """Probe the endpoint; never raises for what the server does (that is the diagnosis)."""
    client = client or openai.OpenAI(api_key=config.api_key, base_url=config.base_url, timeout=config.timeout,
                                     max_retries=0)
    found = Diagnosis(config.where, config.model, config.mode)
    say = found.checks.append

    # 1. reachable, key accepted, model listed: GET /models
    start = clock()
    listed: list[str]
    try:
        listed = [m.id for m in client.models.list().data]
    except openai.APIStatusError as exc:
        seconds = clock() - start
        error = map_error(exc, config, 1)
        say(Check("reachable", "ok", f"{config.where} answered (HTTP {exc.status_code})", seconds))
        if exc.status_code in (401, 403):
            say(Check("key accepted", "failed", str(error)))
            found.advice.append(f"set {ENV_KEY} to a key this server accepts (local servers usually need none)")
            return found
        say(Check("key accepted", "ok", "no key was refused"))
        say(Check("model listed", "warning", f"the server does not list its models ({error})"))
    except openai.APIConnectionError as exc:
        error = map_error(exc, config, 1)
        say(Check("reachable", "failed", str(error), clock() - start))
        found.advice.append("start the server, or fix --base-url (it usually ends in /v1)")
        return found
    else:
        say(Check("reachable", "ok", f"{config.where} answered", clock() - start))
        say(Check("key accepted", "ok", "the model list was returned"))
        if config.model in listed:
            say(Check("model listed", "ok", f"{config.model!r} is served"))
        else:
            shown = ", ".join(repr(m) for m in listed[:8]) or "none"
            say(Check("model listed", "warning", f"{config.model!r} is not among the {len(listed)} listed: {shown}"))
            if listed:
                found.advice.append(f"choose a listed model with --model or {ENV_MODEL} (e.g. {ENV_MODEL}={listed[0]})")

    # 2. json_schema accepted? 3. JSON mode works?
    schema_ok = _complete(client, config, "schema", found, clock) if config.mode != "json" else None
    json_ok = None
    if config.mode == "json" or (config.mode == "auto" and not schema_ok):
        json_ok = _complete(client, config, "json", found, clock)
    elif config.mode == "auto":
        say(Check("JSON mode works", "skipped", "not needed: json_schema is accepted"))
    if config.mode == "json":
        say(Check("json_schema accepted", "skipped", "--mode json: not tried"))

    if schema_ok:
        found.will_use = "schema"
    elif json_ok:
        found.will_use = "json"
        if config.mode == "auto":
            found.advice.append(f"this server refuses json_schema: set {ENV_MODE}=json (or --mode json) to skip "
                                "the refused first request of every run")
    elif schema_ok is False and config.mode == "schema":
        found.advice.append(f"try --mode auto or --mode json ({ENV_MODE}); this server refused json_schema")
    if found.will_use is None and not found.advice:
        found.advice.append("rewriting cannot work with this server and model as they are: see the failed checks")
    timed = [c.seconds for c in found.checks if c.name in ("json_schema accepted", "JSON mode works")
             and c.status == "ok" and c.seconds is not None]
    if timed:
        seconds = min(timed)
        say(Check("time for a tiny request", "warning" if seconds > SLOW_SECONDS else "ok",
                  f"{PROBE_TOKENS} tokens at most", seconds))
        if seconds > SLOW_SECONDS:
            found.advice.append(f"the server is slow ({seconds:.0f} s for a tiny request): give rewrites time, "
                                f"e.g. --timeout {max(120, int(seconds * 60))}")
    return found


def _complete(client: openai.OpenAI, config: LLMConfig, wire: Wire, found: Diagnosis,
              clock: Callable[[], float]) -> bool:
    name = "json_schema accepted" if wire == "schema" else "JSON mode works"
    start = clock()
    try:
        completion = client.post(CHAT_PATH, body=probe_body(config, wire), cast_to=ChatCompletion)
    except openai.APIStatusError as exc:
        error = map_error(exc, replace(config, mode=wire), 1)
        said = error.server_message or "no reason given"
        detail = (f"refused (HTTP {exc.status_code}): {said}" if refuses_format(exc.status_code, said)
                  else str(error))
        found.checks.append(Check(name, "failed", detail, clock() - start))
        return False
    except openai.APIConnectionError as exc:
        found.checks.append(Check(name, "failed", str(map_error(exc, replace(config, mode=wire), 1)), clock() - start))
        return False
    seconds = clock() - start
    content = completion.choices[0].message.content if getattr(completion, "choices", None) else None
    data = extract_json(content or "")
    if data is None:
        shown = json.dumps((content or "")[:80])
        found.checks.append(Check(name, "failed", f"the reply was not a JSON object: {shown}", seconds))
        return False
    found.checks.append(Check(name, "ok", f"the reply was a JSON object ({json.dumps(data)[:60]})", seconds))
    return True
