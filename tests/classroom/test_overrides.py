"""Overrides: the final score's arithmetic on recorded results, and, end to end with the real
`grader` command on submissions graded in milliseconds, corrections that survive `--regrade`
and a changed spec, are marked in every output, flagged when the verdict under them changes,
listed, removed, and re-rendered by `grader report` without grading."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from paths import FIXTURES

from grader.classroom.late import SubmissionTime, late_penalty, parse_deadline
from grader.classroom.overrides import Override, finalize, with_context
from grader.results import SubmissionResult, read_results
from grader.results.adjustments import StudentMatch
from grader.spec.exercise import exercises_root

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

GRADER = str(Path(sys.executable).parent / "grader")


def recorded(name: str) -> SubmissionResult:
    return read_results(FIXTURES / f"mnist_callback-{name}.json").submissions[0]


def override(result: SubmissionResult, check: str, score: float, **changes) -> Override:
    auto = next((c for c in result.checks if c.id == check), None)
    base = Override(
        1,
        result.exercise,
        result.id,
        check,
        score,
        auto.score if auto else result.score,
        auto.status if auto else result.status,
        "checked by hand",
        "ta",
        "2026-03-02T10:00:00+00:00",
    )
    return replace(base, **changes)


def test_a_check_override_changes_that_check_and_the_total() -> None:
    result = recorded("wrong_message")
    failing = next(c for c in result.checks if c.status == "fail")
    final = finalize(result, [override(result, failing.id, failing.max_score)])
    check = next(c for c in final.checks if c.id == failing.id)
    assert check.score == failing.max_score and check.status == "pass"
    assert check.details["override"]["by"] == "ta"
    assert final.score == result.score - failing.score + failing.max_score
    assert final.adjustments and final.adjustments.raw_score == result.score
    (note,) = final.adjustments.overrides
    assert note.applied and not note.review and note.auto_status == "fail"


def test_a_whole_score_override_is_the_final_word_even_when_late() -> None:
    result = recorded("published_solution")
    due = datetime(2026, 3, 1, tzinfo=UTC)
    policy = parse_deadline({"due": due, "penalty_percent": 10})
    late = late_penalty(policy, SubmissionTime(due + timedelta(days=2), "roster"), 10, 10)
    base = with_context(result, None, late)
    penalised = finalize(base, [])
    assert penalised.score == max(0.0, result.score - 2.0)  # two started days at 10% of 10
    final = finalize(base, [override(base, "", 9.5)])
    assert final.score == 9.5 and final.adjustments and final.adjustments.late
    assert final.adjustments.late.penalty_points == 0.0


def test_the_penalty_applies_after_check_overrides_and_never_below_zero() -> None:
    result = recorded("syntax_error")
    due = datetime(2026, 3, 1, tzinfo=UTC)
    policy = parse_deadline({"due": due, "penalty_percent": 25})
    late = late_penalty(policy, SubmissionTime(due + timedelta(hours=1), "roster"), 0, 10)
    base = with_context(result, StudentMatch("s1", "Ada"), late)
    assert finalize(base, []).score == 0.0  # 0 - 2.5 stays 0
    final = finalize(base, [override(base, "runs", 1.0)])
    assert final.score == 0.0 and final.adjustments and final.adjustments.late
    assert final.adjustments.late.penalty_points == 1.0  # capped at what was left


def test_a_changed_verdict_under_an_override_is_flagged() -> None:
    result = recorded("wrong_message")
    failing = next(c for c in result.checks if c.status == "fail")
    stale = override(result, failing.id, failing.max_score, auto_status="pass", auto_score=2.0)
    (note,) = finalize(result, [stale]).adjustments.overrides  # type: ignore[union-attr]
    assert note.applied and "changed since this override" in note.review
    gone = override(result, "no_such_check", 1.0)
    final = finalize(result, [gone])
    (note,) = final.adjustments.overrides  # type: ignore[union-attr]
    assert not note.applied and "no longer in the exercise" in note.review
    assert final.score == result.score


# -- end to end ---------------------------------------------------------------------------------


def syntax_error(tag: str) -> str:
    return f"# {tag}\nimport tensorflow as tf\nmodel = tf.keras.Sequential([\n"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [GRADER, *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **(env or {})},
    )


def results(out: Path) -> dict[str, dict]:
    data = json.loads((out / "results.json").read_text())
    return {s["id"]: s for s in data["submissions"]}


def test_overrides_survive_regrades_and_a_changed_spec(tmp_path: Path) -> None:
    cls, out = tmp_path / "class", tmp_path / "out"
    cls.mkdir()
    (cls / "alice.py").write_text(syntax_error("alice"))
    (cls / "bob.py").write_text(syntax_error("bob"))
    grade = ["grade", str(cls), "-e", "mnist_callback", "--out", str(out), "--no-similarity"]
    assert run(*grade).returncode == 1

    done = run(
        "override",
        str(out),
        "alice",
        "--check",
        "runs",
        "--score",
        "1",
        "--reason",
        "the stray bracket is in a comment pasted from the slides",
    )
    assert done.returncode == 0, done.stderr
    assert "alice: check runs set to 1" in done.stdout
    assert run("override", str(out), "bob", "--score", "6", "--reason", "oral").returncode == 0
    alice = results(out)["alice"]
    assert alice["score"] == 1.0 and alice["adjustments"]["raw_score"] == 0.0
    assert alice["adjustments"]["overrides"][0]["reason"].startswith("the stray bracket")
    assert "override: runs" in (out / "index.html").read_text()
    assert "Changed by your instructor" in (out / "alice.html").read_text()
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert rows["alice"]["raw_score"] == "0" and rows["alice"]["score"] == "1"
    assert "runs=1" in rows["alice"]["overrides"] and rows["bob"]["score"] == "6"
    junit = (out / "junit.xml").read_text()
    assert 'name="override" value="runs=1 by' in junit and "score set by the instructor" in junit

    # --regrade: graded again from scratch, the corrections still hold, nothing to review
    again = run(*grade, "--regrade")
    assert "2 graded" in again.stdout
    after = results(out)
    assert after["alice"]["score"] == 1.0 and after["bob"]["score"] == 6.0
    assert not any(o["review"] for s in after.values() for o in s["adjustments"]["overrides"])

    # a changed spec (runs worth 2 points, train_accuracy dropped): graded again, still applied
    root = tmp_path / "exercises"
    shutil.copytree(exercises_root() / "mnist_callback", root / "mnist_callback")
    toml = root / "mnist_callback" / "exercise.toml"
    toml.write_text(toml.read_text().replace("runs = 1", "runs = 2"))
    run(
        "override",
        str(out),
        "alice",
        "--check",
        "train_accuracy",
        "--score",
        "2",
        "--reason",
        "accuracy seen in the notebook's output",
    )
    toml.write_text(toml.read_text().replace("train_accuracy = 2\n", ""))
    changed = run(*grade, env={"GRADER_EXERCISES_DIR": str(root)})
    assert "2 graded" in changed.stdout, changed.stdout + changed.stderr
    alice = results(out)["alice"]
    assert alice["max_score"] == 9.0 and alice["score"] == 1.0
    notes = {o["check"]: o for o in alice["adjustments"]["overrides"]}
    assert notes["runs"]["applied"] and not notes["runs"]["review"]
    assert not notes["train_accuracy"]["applied"]
    assert "no longer in the exercise" in notes["train_accuracy"]["review"]

    # bob hands in an empty file: the verdict under his override changed, so it is flagged
    (cls / "bob.py").write_text("")
    run(*grade, env={"GRADER_EXERCISES_DIR": str(root)})
    bob = results(out)["bob"]
    assert bob["score"] == 6.0 and bob["status"] == "error"
    assert "was graded 0, now error 0" in bob["adjustments"]["overrides"][0]["review"]
    assert "review the override" in (out / "index.html").read_text()

    listed = run("override", str(out), "--list").stdout
    assert "alice runs: 0 -> 1" in listed and "bob (score): 0 -> 6" in listed
    assert run("override", str(out), "bob", "--remove").returncode == 0
    assert "bob" not in run("override", str(out), "--list").stdout

    # the reports are written again from the gradebook alone
    (out / "index.html").unlink()
    report = run("report", str(out), env={"GRADER_EXERCISES_DIR": str(root)})
    assert report.returncode == 0, report.stderr
    assert (out / "index.html").is_file() and results(out)["bob"]["score"] == 0.0


def test_override_refuses_what_it_cannot_apply(tmp_path: Path) -> None:
    cls, out = tmp_path / "class", tmp_path / "out"
    cls.mkdir()
    (cls / "alice.py").write_text(syntax_error("alice"))
    run("grade", str(cls), "-e", "mnist_callback", "--out", str(out), "--no-similarity")
    for args, message in [
        (["nobody", "--score", "1", "--reason", "x"], "no submission 'nobody'"),
        (["alice", "--check", "nope", "--score", "1", "--reason", "x"], "no check 'nope'"),
        (["alice", "--check", "runs", "--score", "5", "--reason", "x"], "between 0 and 1"),
        (["alice", "--check", "runs", "--score", "1"], "the reason"),
        (["alice", "--remove"], "no override"),
    ]:
        proc = run("override", str(out), *args)
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
