"""The HTML: the one page at / and the API docs at /docs, from Jinja2 templates.

Autoescaping is on for every template, and the page carries no user text: whatever the
user types is put on screen by app.js with textContent, never as HTML.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markupsafe

from .. import models
from ..config import DEFAULT_MODEL, ENV_BASE_URL, ENV_KEY, Settings, llm_configured
from ..pipeline import MAX_DRAFT_CHARS
from ..principles import load_principles
from ..validate.rules import WORDS_PER_MINUTE

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# The tones the offline engine knows (models.TONES once it lands there); the LLM takes them too.
TONES: tuple[str, ...] = getattr(models, "TONES", ("professional", "warm", "confident", "direct"))
LEVELS: tuple[str, ...] = getattr(models, "LEVELS", ("full", "light"))

# The page's one line on turning the LLM on (the CLI's SETUP_HELP names options serve has not).
LLM_HELP = (
    f"To have an LLM write it, stop rewriter serve, set {ENV_KEY} (OpenAI) or {ENV_BASE_URL} "
    "(a local server such as Ollama: http://localhost:11434/v1), and start it again."
)


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """What the page says about who writes the answers. Never the key, never a full URL."""

    llm: bool  # an LLM is configured: engine "auto" uses it
    model: str | None = None
    server: str | None = None  # the LLM server's host name, or "OpenAI"

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineInfo:
        if not llm_configured(settings.base_url):
            return cls(llm=False)
        server = "OpenAI"
        if settings.base_url:
            parts = urlsplit(settings.base_url)  # host and port only: a URL may carry user:password@
            server = parts.hostname or "the configured server"
            if parts.port:
                server = f"{server}:{parts.port}"
        return cls(llm=True, model=settings.model or DEFAULT_MODEL, server=server)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = _inline_code
    return env


def _inline_code(text: str) -> markupsafe.Markup:
    """`name` in a docstring as <code>name</code>; everything escaped first."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def render_page(engine: EngineInfo, version: str) -> str:
    principles = [asdict(p) for p in load_principles()]
    return _environment().get_template("index.html").render(
        engine=engine,
        version=version,
        principles=principles,
        tones=TONES,
        levels=LEVELS,
        llm_help=LLM_HELP,
        max_chars=MAX_DRAFT_CHARS,
        settings={
            "wordsPerMinute": WORDS_PER_MINUTE,
            "llm": engine.llm,
            "llmHelp": LLM_HELP,
            "principles": {p["id"]: p["title"] for p in principles},
        },
    )


def render_docs(openapi: dict[str, Any], version: str) -> str:
    """The API reference from the OpenAPI schema, rendered here: no CDN, no script."""
    schemas = openapi.get("components", {}).get("schemas", {})
    endpoints = []
    for path, methods in openapi.get("paths", {}).items():
        for method, op in methods.items():
            endpoints.append({
                "method": method.upper(),
                "path": path,
                "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "fields": _fields(op.get("requestBody", {}), schemas),
                "responses": [
                    {"status": status, "description": r.get("description", ""), "shape": _shape_name(r)}
                    for status, r in op.get("responses", {}).items()
                ],
            })
    shapes = [
        {"name": name, "description": s.get("description", ""), "fields": _properties(s, schemas)}
        for name, s in schemas.items()
        if name.endswith("Doc")
    ]
    return _environment().get_template("docs.html").render(endpoints=endpoints, shapes=shapes, version=version)


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return dict(schemas.get(ref.rsplit("/", 1)[-1], {})) if ref else schema


def _fields(body: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    return _properties(_resolve(schema, schemas), schemas) if schema else []


def _properties(schema: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": _type(prop),
            "required": name in required,
            "default": prop.get("default"),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"])
    if "enum" in prop:
        return " | ".join(repr(v) for v in prop["enum"])
    if "const" in prop:
        return repr(prop["const"])
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}))}"
    return str(prop.get("type", "any"))


def _shape_name(response: dict[str, Any]) -> str:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return _type(schema) if schema else ""
