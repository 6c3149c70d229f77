"""The `grader` command, a thin shell over the library. Exit 0 pass, 1 fail, 2 usage/infra."""

from __future__ import annotations

import click

from grader.cli.classroom import grade, override, report
from grader.cli.selftest import selftest
from grader.cli.serve import serve
from grader.cli.submission import check
from grader.cli.tools import data, doctor, gradescope, init_ci, list_exercises


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main() -> None:
    """Grade TensorFlow course exercises: run each submission in isolation, check it, report.

    \b
    Start here:
      grader data fetch                       provision MNIST and Fashion-MNIST (once)
      grader check my_notebook.ipynb          grade one notebook or module
      grader grade samples/mnist_callback --exercise mnist_callback --out reports/
    """


for command in (
    check,
    grade,
    override,
    report,
    selftest,
    data,
    list_exercises,
    init_ci,
    gradescope,
    doctor,
):
    main.add_command(command)
main.add_command(serve)  # grader.web, imported when the command runs
