"""`grader serve`: the instructor's workbench over one or several graded classes."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.common import out_console, plain_errors


@click.command()
@click.argument(
    "dirs", nargs=-1, metavar="[DIR]...", type=click.Path(path_type=Path, file_okay=False)
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--gradebook",
    "gradebook_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A gradebook shared by the classes (default: each DIR's gradebook.sqlite).",
)
@click.option("--user", help="The name corrections are made under (default: your login name).")
@plain_errors
def serve(
    dirs: tuple[Path, ...],
    host: str,
    port: int,
    gradebook_path: Path | None,
    user: str | None,
) -> None:
    """Open graded classes in the browser: each submission's report, overrides, comments.

    Each DIR is an --out folder of `grader grade` (default: reports/, or each class under it;
    with --gradebook alone, every class in that gradebook). Listens on 127.0.0.1 only, unless
    --host says otherwise: then every request needs the token in the URL it prints.

    \b
    Examples:
      grader serve reports/week2
      grader serve reports/week2 reports/week3 --user "Ada Lovelace"
      grader serve --gradebook course.sqlite --port 8080
      grader serve reports/week2 --host 0.0.0.0      # reachable from other machines, with a token
    """
    from grader.classroom.gradebook import current_user
    from grader.errors import UsageError
    from grader.web.classes import find_classes
    from grader.web.server import serve as run
    from grader.web.state import valid_name

    name = valid_name(user) if user is not None else current_user()
    if name is None:
        raise UsageError("--user: give a name of 1 to 80 printable characters")
    classes = find_classes(list(dirs), gradebook_path)

    def echo(line: str) -> None:
        out_console.print(line, markup=False, soft_wrap=True, highlight=False)
        out_console.file.flush()

    run(classes, host, port, name, echo)
