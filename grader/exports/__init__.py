"""Machine-readable exports of a grade report, written beside the HTML class overview.

Each format is a small exporter class with a `name` and one method, `write(report, out_dir) ->
list[Path]`, registered in `EXPORTERS` below. `write_exports` runs the default ones
(`results.json`, `grades.csv`, `junit.xml`); `gradescope` writes Gradescope's results format, one
file per submission. The LMS files (canvas.csv, moodle.csv) need the roster and are written by
the class side (`grader.classroom.lms`).

    json        results.json   the result model itself (GradeReport.write_json)
    csv         grades.csv     one row per submission: id, score, max, passed, points per check
    junit       junit.xml      one <testsuite> per submission, one <testcase> per check
    gradescope  gradescope/<id>.json   Gradescope autograder results, per submission
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from grader.exports.gradescope import GradescopeExporter, gradescope_results, write_gradescope
from grader.exports.junit import JUnitExporter, junit_xml
from grader.exports.tables import CsvExporter, JsonExporter
from grader.registry import Registry
from grader.results import GradeReport

__all__ = [
    "DEFAULT_FORMATS",
    "EXPORTERS",
    "CsvExporter",
    "Exporter",
    "GradescopeExporter",
    "JUnitExporter",
    "JsonExporter",
    "gradescope_results",
    "junit_xml",
    "write_exports",
    "write_gradescope",
]


class Exporter(Protocol):
    name: str

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]: ...


EXPORTERS: Registry[type[Exporter]] = Registry(
    "export format",
    ((c.name, c) for c in (JsonExporter, CsvExporter, JUnitExporter, GradescopeExporter)),
)
DEFAULT_FORMATS: tuple[str, ...] = ("json", "csv", "junit")


def write_exports(
    report: GradeReport, out_dir: Path, formats: Sequence[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Write each format's files into `out_dir`; returns every path written."""
    exporters = [EXPORTERS.get_or_explain(name)() for name in formats]
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for exporter in exporters:
        written.extend(exporter.write(report, out_dir))
    return written
