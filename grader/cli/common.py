"""What every command shares: the consoles, the exit codes, the options that recur, and the wrapper
that turns the grader's own errors into one plain line."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from grader.errors import GraderError
from grader.spec.vocabulary import MAX_SEEDS

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
MAX_JOBS = 256  # gradings at once; more is a typo, not a machine

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def plain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the grader's own errors into one plain line and exit code 2, never a traceback; an
    unexpected exception too (a bug), unless GRADER_DEBUG is set."""

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
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: a usage error it prints itself, an exit, an abort
        except Exception as exc:  # a bug: still one plain line, never a traceback
            if os.environ.get("GRADER_DEBUG"):
                raise
            err_console.print(
                f"[red]error:[/red] the grader itself failed ({escape(type(exc).__name__)}: "
                f"{escape(str(exc))}); this is a bug in the grader, not in your files "
                "(GRADER_DEBUG=1 shows the traceback)",
                highlight=False,
                soft_wrap=True,
            )
            sys.exit(EXIT_ERROR)

    return wrapper


# -- options checked before anything runs ------------------------------------------------------
# click refuses a bad value at once, with "Invalid value for '--x'" and exit code 2: a typo in an
# option never costs a training.


class Seconds(click.ParamType):
    """A duration in seconds: a finite number above 0 (`nan`, `inf`, `0` and `-5` are refused;
    0 would otherwise read as "not given" and silently mean the exercise's own budget)."""

    name = "seconds"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not 0 < seconds < math.inf:
            self.fail(f"{value!r}: give a finite number of seconds above 0, e.g. 300", param, ctx)
        return seconds


SECONDS = Seconds()


class FiniteRange(click.ParamType):
    """A finite number from `low` to `high` (click's FloatRange lets `nan` and `inf` through)."""

    name = "number"

    def __init__(self, low: float, high: float = math.inf) -> None:
        self.low, self.high = low, high

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not (self.low <= number <= self.high and math.isfinite(number)):
            upper = f" to {self.high:g}" if math.isfinite(self.high) else " or more"
            self.fail(f"{value!r}: give a number from {self.low:g}{upper}", param, ctx)
        return number


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _writable_place(path: Path, param: click.Parameter | None, ctx: click.Context | None) -> None:
    """The folder `path` would be written in exists or can be made, and may be written."""
    ancestor = _nearest_existing(path.parent if path.parent != path else path)
    if not ancestor.is_dir():
        raise click.BadParameter(f"{path}: {ancestor} is a file, not a folder", ctx, param)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise click.BadParameter(
            f"{path}: cannot write in {ancestor} (permission denied)", ctx, param
        )


def output_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A click callback: `value` names a file that can be written (not a folder)."""
    if value is None:
        return None
    if value.is_dir():
        raise click.BadParameter(f"{value} is a folder; give a file's name", ctx, param)
    if value.exists() and not os.access(value, os.W_OK):
        raise click.BadParameter(f"{value}: cannot write it (permission denied)", ctx, param)
    _writable_place(value, param, ctx)
    return value


def output_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A click callback: `value` names a folder that exists or can be made, and be written."""
    if value is None:
        return None
    if value.exists() and not value.is_dir():
        raise click.BadParameter(f"{value} is a file; give a folder", ctx, param)
    if value.is_dir() and not os.access(value, os.W_OK | os.X_OK):
        raise click.BadParameter(f"{value}: cannot write in it (permission denied)", ctx, param)
    _writable_place(value / "x", param, ctx)
    return value


def timeout_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--timeout S`: the wall-clock budget of one grading."""
    return click.option("--timeout", type=SECONDS, help=help_text)


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
        type=click.IntRange(min=1, max=MAX_SEEDS),
        help="Run every submission on N seeds (the spec's own first) and decide each accuracy "
        "check by the spec's [robustness] rule; 1 turns robustness off. Default: only borderline "
        "results run again, on the spec's number of seeds.",
    )
