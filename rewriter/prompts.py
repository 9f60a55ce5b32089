"""Load and render the prompt templates (prompts/*.j2), strictly.

Templates are Jinja2 with StrictUndefined: a variable a template uses but the code
does not pass is an error, not a silent blank in a prompt. One environment per
directory, built once (Jinja also caches each compiled template inside it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError
from .principles import Principle, load_principles
from .resources import prompts_dir, shipped_prompts_dir

if TYPE_CHECKING:
    import jinja2

    from .models import Context, Finding

TEMPLATES = ("system.j2", "user.j2", "reask.j2")
WORDS_PER_SECOND = 2.5  # ~150 words a minute, a calm interview pace


@cache
def _environment(directory: Path) -> jinja2.Environment:
    import jinja2

    if not directory.is_dir():
        raise ConfigurationError(f"prompts directory {directory} does not exist")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text prompts, not HTML
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def render(name: str, directory: Path | None = None, /, **variables: Any) -> str:
    """Render one template; every failure becomes a ConfigurationError naming the file."""
    import jinja2

    where = directory or shipped_prompts_dir()
    try:
        template = _environment(where).get_template(name)
        return template.render(**variables).strip()
    except jinja2.TemplateNotFound:
        raise ConfigurationError(
            f"prompt template {name} is missing from {where} "
            f"(copy it from {shipped_prompts_dir()} to override it)"
        ) from None
    except jinja2.UndefinedError as exc:
        raise ConfigurationError(f"prompt template {where / name} uses an unknown variable: {exc.message}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigurationError(f"prompt template {where / name} line {exc.lineno}: {exc.message}") from None


def _principles(directory: Path) -> tuple[Principle, ...]:
    # A user's prompts dir may override only the templates; the principles then
    # come from the shipped data file.
    if (directory / "principles.toml").is_file():
        return load_principles(directory)
    return load_principles()


def _escape_data(text: str, tag: str) -> str:
    # The draft must not be able to close its own <draft> delimiter, in any spelling
    # a model would read as one (</DRAFT>, </ draft >).
    return re.sub(rf"<\s*/\s*{tag}\s*>", lambda _: f"<\\/{tag}>", text, flags=re.I)


@dataclass(frozen=True, slots=True)
class Prompts:
    """The three templates of one directory, ready to render."""

    directory: Path

    @classmethod
    def load(cls, override: str | os.PathLike[str] | None = None) -> Prompts:
        return _load(prompts_dir(override))  # cached per directory: no filesystem work per call

    def system(self, *, json_schema: str | None = None) -> str:
        # The system prompt holds no user text, so it is rendered once per directory and mode.
        return _system(self.directory, json_schema)

    def user(self, draft: str, context: Context) -> str:
        return render(
            "user.j2",
            self.directory,
            draft=_escape_data(draft.strip(), "draft"),
            role=context.role,
            company=context.company,
            job_posting=_escape_data(context.job_posting, "job_posting") if context.job_posting else None,
            tone=context.tone,
            seconds=context.seconds,
            words=round(context.seconds * WORDS_PER_SECOND),
            level=context.level,
        )

    def reask(self, findings: tuple[Finding, ...] | list[Finding], problem: str | None = None) -> str:
        return render("reask.j2", self.directory, findings=list(findings), problem=problem)


@cache
def _load(directory: Path) -> Prompts:
    _environment(directory)  # fails early, and clearly, on a directory that is not there
    missing = [n for n in TEMPLATES if not (directory / n).is_file()]
    if missing:
        raise ConfigurationError(
            f"prompt template{'s' * (len(missing) > 1)} {', '.join(missing)} missing from {directory} "
            f"(copy from {shipped_prompts_dir()})"
        )
    return Prompts(directory)


@cache
def _system(directory: Path, json_schema: str | None) -> str:
    return render("system.j2", directory, principles=_principles(directory), json_schema=json_schema)
