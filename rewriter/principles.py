"""The article's nine principles, loaded once from prompts/principles.toml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import ConfigurationError
from .resources import shipped_prompts_dir


@dataclass(frozen=True, slots=True)
class Principle:
    id: str
    title: str
    guidance: str  # what the LLM is told
    advice: str  # what a person reads


@cache
def load_principles(directory: Path | None = None) -> tuple[Principle, ...]:
    import tomllib  # here, not at the top: `rewriter check` never needs it

    path = (directory or shipped_prompts_dir()) / "principles.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return tuple(
            Principle(
                id=item["id"],
                title=item["title"],
                guidance=" ".join(item["guidance"].split()),
                advice=" ".join(item["advice"].split()),
            )
            for item in data["principle"]
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"cannot read principles from {path}: {exc}") from None


def principle(pid: str) -> Principle:
    for p in load_principles():
        if p.id == pid:
            return p
    raise KeyError(pid)
