"""The typer app and the one place where errors become exit codes.

Exit codes: 0 success; 1 error-level findings remain; 2 usage, configuration or
input error; 3 the LLM service failed; 130 interrupted.
"""

from __future__ import annotations

import io
import sys

import typer
from typer._click.exceptions import ClickException

from ..errors import RewriterError
from .output import error_line, safe

app = typer.Typer(
    name="rewriter",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"rewriter {version('rewriter')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Turn a blunt answer to "Why are you leaving your current job?" into one you can say
    with confidence, and check any answer for what an interviewer hears as negative.

    With no API key, `rewrite` uses the offline engine: nothing leaves your machine.

    Start with:  rewriter rewrite "my boss micromanages me and I'm underpaid"
    """


def _register_commands() -> None:
    # Each command is a plain function in its own module; each keeps its heavy
    # imports (openai, rich) inside the function body, off the start-up path.
    if app.registered_commands:
        return
    from .batch_cmd import batch_command
    from .check_cmd import check_command
    from .doctor_cmd import doctor_command
    from .principles_cmd import principles_command
    from .rewrite_cmd import rewrite_command
    from .serve_cmd import serve_command

    app.command("batch")(batch_command)
    app.command("check")(check_command)
    app.command("doctor")(doctor_command)
    app.command("principles")(principles_command)
    app.command("rewrite")(rewrite_command)
    app.command("serve")(serve_command)


def main() -> None:
    _register_commands()
    try:
        result = app(standalone_mode=False)
    except ClickException as exc:  # usage errors: bad option, missing argument
        shown = io.StringIO()
        exc.show(file=shown)
        sys.stderr.write(safe(shown.getvalue()))  # it may quote an argument: never raw escapes
        sys.exit(exc.exit_code)
    except RewriterError as exc:
        error_line(str(exc))
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        error_line("interrupted")
        sys.exit(130)
    if result == 130:  # typer turns Ctrl-C inside a command into a return value of 130
        error_line("interrupted")
    sys.exit(result if isinstance(result, int) else 0)
