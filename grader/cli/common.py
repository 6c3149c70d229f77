"""What every command shares: the consoles, the exit codes, the options that recur, and the wrapper
that turns the grader's own errors into one plain line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from grader.errors import GraderError

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def plain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the grader's own errors into one plain line and exit code 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GraderError as exc:
            # Escaped: a file name like `answer [final].ipynb` is text, not markup; soft-wrapped:
            # one line however long, never broken at the console's width.
            err_console.print(
                f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper


def timeout_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--timeout S`: the wall-clock budget of one grading."""
    return click.option("--timeout", type=float, help=help_text)


def isolation_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--isolation LEVEL`: the weakest isolation level the command accepts."""
    return click.option("--isolation", help=help_text)


def exercise_option(required: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--exercise/-e ID`."""
    help_text = (
        "Exercise id, e.g. mnist_callback."
        if required
        else "Exercise id (default: detected from the code)."
    )
    return click.option("--exercise", "-e", required=required, help=help_text)


def seeds_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--seeds N`: confirm every verdict on N seeds, not only the borderline ones."""
    return click.option(
        "--seeds",
        type=click.IntRange(min=1),
        help="Run every submission on N seeds (the spec's own first) and decide each accuracy "
        "check by the spec's [robustness] rule; 1 turns robustness off. Default: only borderline "
        "results run again, on the spec's number of seeds.",
    )
