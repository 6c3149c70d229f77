"""What a report's "Notes from the grader" say about how a submission ran: lines the grader
changed, which of several models it graded, errors a cell's tag allowed, seeds it replaced."""

from __future__ import annotations

from grader.grading.checks.training import graded_model_note
from grader.grading.evidence import Evidence
from grader.grading.robustness import seed_replaced_note
from grader.grading.submissions import Submission
from grader.spec.exercise import ExerciseSpec


def run_notices(submission: Submission, evidence: Evidence, spec: ExerciseSpec) -> list[str]:
    notes = [n.describe() for n in submission.neutralised]
    if (graded_model := graded_model_note(evidence, spec)) is not None:
        notes.append(graded_model)
    for allowed in evidence.allowed_failures:
        where = f"cell {allowed.cell}" if allowed.cell is not None else "a cell"
        notes.append(f"{where} raised {allowed.describe()}, as its `raises-exception` tag allows")
    if evidence.seeds_replaced:
        notes.append(seed_replaced_note(evidence.seeds_replaced, spec.seed))
    return notes
