"""What an instructor's variant can get wrong that no run shows: the stop message of the spec
differing from the one the exercise's task text (its README.md) tells students to print."""

from __future__ import annotations

import difflib
import re

from grader.spec.exercise import ExerciseSpec

# A quoted or backticked sentence in the task text: where a message to print would be written.
QUOTED = re.compile(r"`([^`\n]+)`|\"([^\"\n]+)\"")


def spec_problems(spec: ExerciseSpec) -> list[str]:
    """Each inconsistency between the spec and its task text, in the grader's words."""
    if not spec.stop_message or spec.folder is None:
        return []
    task = spec.folder / "README.md"
    if not task.is_file():
        return []
    text = task.read_text(encoding="utf-8")
    if spec.stop_message in text:
        return []
    quoted = [a or b for a, b in QUOTED.findall(text)]
    near = difflib.get_close_matches(spec.stop_message, quoted, n=1, cutoff=0.6)
    said = f"; it says `{near[0]}`" if near else ""
    return [
        f"{task}: the task text never states the spec's stop message "
        f"`{spec.stop_message}`{said}: students would print one string and be graded on another"
    ]
