#!/usr/bin/env python3
"""Re-grade the survey's cached submissions and write docs/survey.md.

The survey (survey/manifest-*.toml, survey/NOTES-*.md) lists public student submissions of the
course's exercises, each with a teacher's reading: pass or fail, and the check that fails. This
script grades the cached copies (survey/cache/<id>.<ipynb|py>, git-ignored) with `grader grade`,
one class per exercise, and compares the grader's verdicts with the teacher's.

    .venv/bin/python scripts/survey.py                   # grade what changed, write the table
    .venv/bin/python scripts/survey.py --only cb-025 fm-029 --workers 1
    .venv/bin/python scripts/survey.py --table-only      # rewrite docs/survey.md, grade nothing

Resumable: each exercise's gradebook (survey/cache/out/<exercise>/gradebook.sqlite) keeps every
verdict, so a rerun grades only new or changed files, and a killed run loses only what was in
flight. The verdicts of every run are also collected in survey/cache/out/verdicts.json, which
the table is written from.

Some rows are graded against a survey-only variant exercise (survey/variants/<id>/), chosen by
the row's `course_version` (VARIANT_BY_VERSION); the grader finds those folders through
GRADER_EXERCISES_DIR.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
SURVEY = ROOT / "survey"
MANIFESTS = (SURVEY / "manifest-callback.toml", SURVEY / "manifest-fashion-conv.toml")
CACHE = SURVEY / "cache"
STAGING = CACHE / "by-exercise"  # one folder per exercise: the class `grader grade` is given
OUT = CACHE / "out"  # one --out folder per exercise, and verdicts.json
VERDICTS = OUT / "verdicts.json"
VARIANTS = SURVEY / "variants"
TABLE = ROOT / "docs" / "survey.md"

ISOLATION = "limits"
# Course versions whose task differs from the shipped exercise of the same family.
VARIANT_BY_VERSION = {
    "exercise3-old": "mnist_convolutions_99_8",  # 99.8%, up to 20 epochs
}
# Which of a row's pattern tags can explain a difference on a check: a first guess shown for a
# disagreement that has no `disagreement` note in the manifest yet.
PATTERNS_BY_CHECK = {
    "runs": (
        "unittests_import",
        "unittests_calls",
        "logs_get_acc",
        "history_acc",
        "tf1_api",
        "set_model_override",
        "lowercase_keras_api",
        "add_metadata",
        "module_not_available",
        "interactive_input",
        "google_colab",
        "drive_mount",
        "files_upload",
        "matplotlib_widget",
        "plot_model",
        "layer_name_lookup",
        "syntax_error_cell",
        "error_cells",
        "csv_dataset",
        "pip_install",
        "javascript_cells",
    ),
    "architecture": (
        "logits_output",
        "from_logits",
        "probability_model",
        "several_models",
        "functional_api",
        "lazy_flatten",
        "lazy_model",
        "input_layer_midmodel",
        "no_flatten_reshape",
        "convnet_for_dense_task",
        "conv_layers",
        "linear_hidden_dense",
        "elu_activation",
        "no_conv_activation",
        "linear_conv_activation",
    ),
    "compile": ("optimizer_object", "default_optimizer", "sgd_optimizer", "categorical_labels"),
    "epoch_limit": ("epochs_over_limit", "epochs_over_10", "several_fits", "default_epochs"),
    "early_stop": (
        "greater_than",
        "none_guard",
        "get_default_zero",
        "stop_on_loss",
        "stop_condition_extra_loss",
        "no_callback",
        "progbar_logs_mismatch",
        "print_after_stop",
    ),
    "stop_message": (
        "message_differs",
        "message_no_newline",
        "message_slash_n",
        "no_message",
        "several_models",
        "threshold_99_8",
    ),
    "train_accuracy": ("narrow_hidden_layer", "sgd_optimizer", "fit_epochs_below_10"),
    "normalization": ("normalize_by_max", "test_not_normalized", "unnormalized_experiment"),
    "test_accuracy": ("test_not_normalized", "fit_epochs_0", "default_epochs"),
}


# -- the manifests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One `[[submission]]` of a manifest."""

    id: str
    repo: str
    path: str
    commit: str
    author: str
    course_version: str
    exercise: str  # the exercise family the teacher read it against
    teacher: str  # pass | fail | unsure
    main_mistake: str  # the check a teacher fails it on ("" for a pass)
    patterns: tuple[str, ...]
    notes: str
    disagreement: str  # why the grader and the teacher differ, once someone has looked

    @property
    def cached_file(self) -> Path:
        return CACHE / f"{self.id}{Path(self.path).suffix}"

    @property
    def grade_as(self) -> str:
        """The exercise id the grader grades this row against."""
        return VARIANT_BY_VERSION.get(self.course_version, self.exercise)

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/blob/{self.commit}/{quote(self.path)}"


def read_manifests(paths: Iterable[Path] = MANIFESTS) -> list[Row]:
    rows = []
    for path in paths:
        with path.open("rb") as f:
            for raw in tomllib.load(f)["submission"]:
                rows.append(
                    Row(
                        id=raw["id"],
                        repo=raw["repo"],
                        path=raw["path"],
                        commit=raw["commit"],
                        author=raw.get("author", raw["repo"].split("/")[0]),
                        course_version=raw["course_version"],
                        exercise=raw["exercise"],
                        teacher=raw["teacher"],
                        main_mistake=raw.get("main_mistake", ""),
                        patterns=tuple(raw.get("patterns", ())),
                        notes=raw.get("notes", ""),
                        disagreement=raw.get("disagreement", ""),
                    )
                )
    return rows


def is_variant(exercise: str) -> bool:
    return (VARIANTS / exercise / "exercise.toml").is_file()


# -- grading -----------------------------------------------------------------------------------


def stage(exercise: str, rows: Sequence[Row]) -> Path:
    """A fresh class folder for `exercise`: a link to each row's cached file, named by its id."""
    folder = STAGING / exercise
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for row in rows:
        (folder / row.cached_file.name).symlink_to(row.cached_file.resolve())
    return folder


def grade(exercise: str, rows: Sequence[Row], workers: int) -> bool:
    """Grade `rows` as one class of `exercise`; keep their verdicts. False if the run failed."""
    folder = stage(exercise, rows)
    out_dir = OUT / exercise
    env = dict(os.environ)
    if is_variant(exercise):
        env["GRADER_EXERCISES_DIR"] = str(VARIANTS)
    command = [
        sys.executable,
        "-m",
        "grader.cli",
        "grade",
        str(folder),
        "--exercise",
        exercise,
        "--out",
        str(out_dir),
        "--isolation",
        ISOLATION,
        "--jobs",
        str(workers),
        "--no-similarity",
    ]
    print(f"== {exercise}: {len(rows)} submission(s)", flush=True)
    started = time.time()
    code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    results = out_dir / "results.json"
    if not results.is_file() or results.stat().st_mtime < started:
        print(f"!! {exercise}: no results written (exit {code})", file=sys.stderr)
        return False
    submissions = json.loads(results.read_text())["submissions"]
    # `runs` in error: the grader could not judge the file (it failed itself); not a verdict,
    # and not in the gradebook either, so the next run tries again.
    unjudged = [s["id"] for s in submissions if check_status(s, "runs") == "error"]
    if unjudged:
        print(f"!! {exercise}: not judged, try again: {', '.join(unjudged)}", file=sys.stderr)
    judged = [s for s in submissions if s["id"] not in unjudged]
    keep_verdicts(exercise, judged, grader_source())
    if code not in (0, 1):  # 1: some submission failed, which is a verdict like any other
        print(f"!! {exercise}: grader exit {code}; the verdicts it wrote are kept", file=sys.stderr)
    return code in (0, 1)


def check_status(result: dict[str, Any], check_id: str) -> str:
    return next((c["status"] for c in result["checks"] if c["id"] == check_id), "")


# What verdicts.json keeps of a submission's result (not its output, cell outputs or figures).
KEPT_FIELDS = (
    "id",
    "sha256",
    "exercise",
    "status",
    "passed",
    "score",
    "max_score",
    "error",
    "test_accuracy",
    "train_accuracy",
    "isolation",
    "versions",
    "duration_s",
    "graded_at",
)
KEPT_CHECK_FIELDS = ("id", "status", "score", "max_score", "message", "hint_id")


def grader_source() -> str:
    """The commit the grading code came from, marked when grader/ or the exercises differ."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", "grader", "exercises", "survey/variants")
    return f"{commit} + uncommitted changes" if changed else commit


def load_verdicts() -> dict[str, dict[str, Any]]:
    return json.loads(VERDICTS.read_text()) if VERDICTS.is_file() else {}


def keep_verdicts(exercise: str, submissions: Iterable[dict[str, Any]], source: str) -> None:
    verdicts = load_verdicts()
    for result in submissions:
        kept = {key: result.get(key) for key in KEPT_FIELDS}
        kept["grader_source"] = source
        kept["checks"] = [
            {key: check.get(key) for key in KEPT_CHECK_FIELDS} for check in result["checks"]
        ]
        kept["epochs_run"] = (result.get("training") or {}).get("epochs_run")
        verdicts[result["id"]] = kept
    VERDICTS.parent.mkdir(parents=True, exist_ok=True)
    VERDICTS.write_text(json.dumps(verdicts, indent=1, sort_keys=True) + "\n")
    print(f"   {exercise}: verdicts kept in {VERDICTS.relative_to(ROOT)}", flush=True)


# -- comparing ---------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current_verdict(row: Row, verdicts: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The row's verdict, if it was graded against its exercise on the file now in the cache."""
    verdict = verdicts.get(row.id)
    if verdict is None or verdict.get("exercise") != row.grade_as:
        return None
    if not row.cached_file.is_file() or verdict.get("sha256") != sha256_of(row.cached_file):
        return None
    return verdict


def failing_checks(verdict: dict[str, Any]) -> list[str]:
    return [c["id"] for c in verdict["checks"] if c["status"] in ("fail", "error")]


def agreement(row: Row, verdict: dict[str, Any] | None) -> str:
    """yes | no | unsure | not graded yet: same pass/fail, and for a fail the teacher's check."""
    if verdict is None:
        return "not graded yet"
    if row.teacher not in ("pass", "fail"):
        return "unsure"
    if row.teacher == "pass":
        return "yes" if verdict["passed"] else "no"
    if verdict["passed"]:
        return "no"
    return "yes" if row.main_mistake in failing_checks(verdict) else "no"


def explanation(row: Row, verdict: dict[str, Any]) -> str:
    """Why a disagreement happens: the manifest's note, else the row's tags that may explain it."""
    if row.disagreement:
        return row.disagreement
    checks = set(failing_checks(verdict)) | ({row.main_mistake} - {""})
    candidates = [
        tag
        for tag in row.patterns
        if any(tag in PATTERNS_BY_CHECK.get(check, ()) for check in checks)
    ]
    if not candidates:
        return "to explain"
    return "to explain; tags: " + ", ".join(f"`{tag}`" for tag in candidates)


# -- the table ---------------------------------------------------------------------------------


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def points(value: float) -> str:
    return f"{value:g}"


def teacher_text(row: Row) -> str:
    if row.teacher == "fail" and row.main_mistake:
        return f"fail (`{row.main_mistake}`)"
    return row.teacher


def grader_text(verdict: dict[str, Any] | None) -> str:
    if verdict is None:
        return "not graded yet"
    score = f"{points(verdict['score'])}/{points(verdict['max_score'])}"
    if verdict["passed"]:
        return f"pass {score}"
    failing = ", ".join(f"`{check}`" for check in failing_checks(verdict))
    status = "" if verdict["status"] == "graded" else f" ({verdict['status']})"
    return f"fail {score}{status}: {failing}" if failing else f"fail {score}{status}"


def fraction(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "0/0"


def render(rows: Sequence[Row], verdicts: dict[str, dict[str, Any]]) -> str:
    current = {row.id: current_verdict(row, verdicts) for row in rows}
    agree = {row.id: agreement(row, current[row.id]) for row in rows}
    graded = [row for row in rows if current[row.id] is not None]
    decided = [row for row in graded if agree[row.id] in ("yes", "no")]
    agreeing = [row for row in decided if agree[row.id] == "yes"]
    variant_rows = [row for row in rows if is_variant(row.grade_as)]

    lines = [
        "# Survey: the grader against teachers' readings of public submissions",
        "",
        "What this is: the public student submissions listed in "
        "`survey/manifest-callback.toml` and "
        "`survey/manifest-fashion-conv.toml`, each read by "
        "a teacher (pass or fail, and the check it fails on; see "
        "`survey/NOTES-callback.md` and "
        "`survey/NOTES-fashion-conv.md`), then graded by the "
        "grader for real (`grader grade --isolation limits`: that level or a stronger one; one "
        "class per exercise). A row "
        "*agrees* when the grader and the teacher give the same pass/fail and, for a fail, the "
        "teacher's check is among the checks the grader fails.",
        "",
        provenance([v for v in current.values() if v is not None]),
        "",
        "How to rerun: restore the files into `survey/cache/` (git-ignored; each row's repository, "
        "path and commit are in the manifests), then "
        "`.venv/bin/python scripts/survey.py [--only ID ...] [--workers N]` grades what is new "
        "or changed (each exercise's gradebook in `survey/cache/out/<exercise>/` keeps the rest) "
        "and rewrites this page; `--table-only` rewrites it from the verdicts already there. "
        "Rows of one course version are graded against survey-only variants of the shipped "
        "exercises, in `survey/variants/` (found through "
        "`GRADER_EXERCISES_DIR`). The links point at the exact commit read; no submission's "
        "code is reproduced here.",
        "",
        "## The figure",
        "",
        f"- **{len(rows)}** submissions surveyed, from **{len({r.author for r in rows})}** "
        f"distinct authors ({len({r.repo for r in rows})} repositories).",
        f"- **{len(graded)}** graded so far; **{len(variant_rows)}** of the {len(rows)} are "
        "graded against a variant exercise.",
        f"- The grader agrees with the teacher on **{fraction(len(agreeing), len(decided))}** "
        "graded rows with a pass/fail reading "
        f"({sum(agree[r.id] == 'unsure' for r in graded)} graded rows read `unsure` by the "
        "teacher are left out).",
        "",
        "| course version | graded as | rows | teacher pass / fail / unsure | graded | grader "
        "passes | agree |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.course_version, row.grade_as), []).append(row)
    for (version, exercise), members in groups.items():
        teacher = Counter(row.teacher for row in members)
        done = [row for row in members if current[row.id] is not None]
        passes = sum(bool(v["passed"]) for row in done if (v := current[row.id]) is not None)
        yes = sum(agree[row.id] == "yes" for row in done)
        both = sum(agree[row.id] in ("yes", "no") for row in done)
        lines.append(
            f"| `{version}` | `{exercise}`{' (variant)' * is_variant(exercise)} | {len(members)} "
            f"| {teacher['pass']} / {teacher['fail']} / {teacher['unsure']} | {len(done)} | "
            f"{passes} | {fraction(yes, both)} |"
        )

    lines += [
        "",
        "## Submissions",
        "",
        "Teacher: the reading in the manifest, with the check it fails on. Grader: its verdict, "
        "score and failing checks (`fail` or `error`). Why: for a disagreement, the manifest's "
        "`disagreement` note, or until someone writes one the row's tags that may explain it.",
        "",
        "| id | submission | version | exercise | teacher | grader | agree | why |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        verdict = current[row.id]
        why = explanation(row, verdict) if verdict and agree[row.id] == "no" else ""
        lines.append(
            f"| {row.id} | [{cell(row.repo)} `{cell(row.path)}`]({row.url}) "
            f"| `{row.course_version}` | `{row.grade_as}` | {teacher_text(row)} "
            f"| {grader_text(verdict)} | {agree[row.id]} | {cell(why)} |"
        )

    tag_rows = Counter(tag for row in rows for tag in row.patterns)
    tag_disagree = Counter(tag for row in rows if agree[row.id] == "no" for tag in row.patterns)
    lines += [
        "",
        "## Patterns",
        "",
        "Each tag of the manifests (glossaries in the NOTES files), with the rows carrying it and "
        "how many of those the grader disagrees on.",
        "",
        "| pattern | rows | in disagreements |",
        "|---|---|---|",
    ]
    for tag, count in sorted(tag_rows.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"| `{tag}` | {count} | {tag_disagree[tag]} |")
    return "\n".join(lines) + "\n"


def provenance(verdicts: Sequence[dict[str, Any]]) -> str:
    """When the table and its verdicts were made, and with what."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    if not verdicts:
        return f"When: table written {today}; nothing graded yet."

    def values(pick: Callable[[dict[str, Any]], str]) -> str:
        return ", ".join(sorted({pick(v) for v in verdicts}))

    days = sorted({(v.get("graded_at") or "?")[:10] for v in verdicts})
    graded = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    return (
        f"When: table written {today}; its verdicts graded {graded} "
        f"by the grader at {values(lambda v: v.get('grader_source') or '?')}, on TensorFlow "
        f"{values(lambda v: (v.get('versions') or {}).get('tensorflow', '?'))} / Keras "
        f"{values(lambda v: (v.get('versions') or {}).get('keras', '?'))}, isolation level "
        f"{values(lambda v: v.get('isolation') or '?')}."
    )


# -- the command -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="grade only these rows")
    parser.add_argument(
        "--workers", type=int, default=1, help="gradings at once per exercise (default 1)"
    )
    parser.add_argument(
        "--table-only", action="store_true", help="rewrite docs/survey.md without grading"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows = read_manifests()
    ok = True
    if not args.table_only:
        chosen = rows
        if args.only:
            unknown = sorted(set(args.only) - {row.id for row in rows})
            if unknown:
                print(f"unknown id(s): {', '.join(unknown)}", file=sys.stderr)
                return 2
            chosen = [row for row in rows if row.id in set(args.only)]
        missing = [row.id for row in chosen if not row.cached_file.is_file()]
        if missing:
            print(f"not in {CACHE.relative_to(ROOT)}/, skipped: {', '.join(missing)}")
        by_exercise: dict[str, list[Row]] = {}
        for row in chosen:
            if row.cached_file.is_file():
                by_exercise.setdefault(row.grade_as, []).append(row)
        for exercise, members in by_exercise.items():
            ok = grade(exercise, members, args.workers) and ok
    TABLE.write_text(render(rows, load_verdicts()))
    print(f"wrote {TABLE.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
