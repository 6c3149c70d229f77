"""The class folder's files at the end of a batch (similarity.json and .html, the exports, the
index), each written only when what it is drawn from changed since it was (grader.classroom.stamps):
an unchanged re-run of a class of 10,000 writes none of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from grader.classroom.classbook import publish
from grader.classroom.groups import Group, groups_of
from grader.classroom.sources import SubmissionSource
from grader.classroom.stamps import Stamps, stamp
from grader.results import GradeReport
from grader.spec.exercise import ExerciseSpec


def write_class_files(
    report: GradeReport, sources: list[SubmissionSource], groups: Mapping[str, Group],
    spec: ExerciseSpec, out_dir: Path, roster: Path | None, lms_assignment: str,
    similarity: bool, links: Mapping[str, str], stamps: Stamps,
    log: Callable[[str], None] | None = None,
) -> None:  # fmt: skip
    """similarity.json (if asked), the exports and the index, each one only when what it is
    drawn from changed since it was written (`stamps`). `log` hears the similarity's progress."""
    if similarity:
        from grader.classroom.similarity import SIMILARITY_JSON, write_similarity

        members = sorted((s.id, sha) for g in groups.values() for s, sha in g.members)
        drawn_from = stamp("similarity", members, sorted(s.id for s in sources), spec.spec_hash)
        if not stamps.current(SIMILARITY_JSON, drawn_from):
            write_similarity(sources, groups_of(groups), spec, out_dir, log=log)
            stamps.wrote(SIMILARITY_JSON, drawn_from)
    run_args = {"roster": str(roster or ""), "lms_assignment": lms_assignment}
    ids = [r.id for r in report.submissions]
    # The exports are drawn from every final result: the reports' stamps say each one's inputs,
    # a missing student's row (no report) is stamped by its result.
    rows = [
        stamps.files.get(links[r.id], "") if r.id in links else r.to_dict()
        for r in report.submissions
    ]
    drawn_from = stamp("exports", ids, rows, run_args)
    if not stamps.current("index.html", drawn_from) or not (out_dir / "results.json").is_file():
        publish(report, out_dir, {i: links[i] for i in ids if i in links}, run_args)
        stamps.wrote("index.html", drawn_from)
