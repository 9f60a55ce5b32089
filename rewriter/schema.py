"""The structured answer the LLM returns, and its strict JSON schema.

The schema is what OpenAI's strict `json_schema` response format accepts: every
object closed (`additionalProperties: false`) and every property required.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_NAME = "interview_answer"


class ReasonItem(BaseModel):
    # Extra keys are ignored, not fatal: a JSON-mode server may add chatter fields.
    model_config = ConfigDict(extra="ignore")

    reason: str = Field(description="A reason for leaving found in the draft, in neutral words.")
    reframed_as: str = Field(description="How the answer says it, positively.")


class LLMAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    answer: str = Field(description="The interview answer, first person, ready to say out loud.")
    reasons: list[ReasonItem] = Field(description="Each reason found in the draft and how it was reframed.")
    facts_kept: list[str] = Field(description="Facts from the draft or context that the answer uses.")
    left_out: list[str] = Field(description="What was left out for discretion.")


def _close(node: Any) -> None:
    """Make every object schema strict: closed and with all properties required."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        node.pop("default", None)  # strict mode rejects defaults
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


@cache
def _schema_json() -> str:
    schema = LLMAnswer.model_json_schema()
    _close(schema)
    return json.dumps(schema, sort_keys=True)


def strict_schema() -> dict[str, Any]:
    """A fresh copy each call: callers (and the SDK) may not mutate the cached one."""
    schema: dict[str, Any] = json.loads(_schema_json())
    return schema


def schema_for_prompt() -> str:
    """The schema as compact text, for JSON mode where it goes in the system prompt."""
    return _schema_json()
