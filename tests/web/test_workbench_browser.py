"""The workbench in headless Chromium over one real batch of the sample class (real training):
two of `samples/mnist_callback_98/` graded by the real `grader grade` while the
class page is open, then, on that graded class, what an instructor does from the pages: an
override that reaches grades.csv and the LMS files, a review item resolved, one submission
graded again from its page (the resolution holds), and the feedback zip of the release page.

The batch is graded once for the module (module-scoped fixtures); the only other training is
the one submission graded again. The class is served from the --out folder of a first, quick
run: one submission with a syntax error (graded at once, nothing trains), which makes the folder
a class `grader serve` accepts; the real batch then grades into the same folder with a roster
(one student handed nothing in) and `--lms-assignment`, so canvas.csv and moodle.csv exist.
Whatever the page shows is read from its DOM; what a change did is read back with sqlite3 and
from the files in the class folder.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser import ARGS, CHROMIUM, DESKTOP, require, shoot
from live_server import GRADER, Server, serving
from paths import SAMPLES

from grader.classroom.gradebook import FILENAME
from grader.formatting import points
from grader.results import read_results

pytestmark = pytest.mark.slow  # trains: the sample class once, one submission again

playwright_api = require()

EXERCISE = "mnist_callback_98"
SLUG = "week2"
# Two of the sample class: barbara_liskov's callback never stops, and her ten epochs would be
# the batch's longest grading; the pages are the same with two students as with three.
STUDENTS = ("alan_kay", "rosalind_franklin")
MISSING = "grace_hopper"  # on the roster, hands nothing in
ROSTER = """id,name,email,lms_id,login,sis_id,section
alan_kay,Alan Kay,alan@uni.example,1001,akay,2026001,A
rosalind_franklin,Rosalind Franklin,rosalind@uni.example,1003,rfranklin,2026003,B
grace_hopper,Grace Hopper,grace@uni.example,1004,ghopper,2026004,B
"""
ASSIGNMENT = "Week 2 (123456)"
BATCH_LIMIT_S = 1000.0  # the batch trains two models; minutes on a loaded 2-core machine
REGRADE = "rosalind_franklin"  # the quickest to train again: stops after 3 epochs
# What the live view says, read from the page's DOM (nothing here fetches or reloads anything).
SNAPSHOT = """() => {
  const state = document.querySelector("#live-state");
  const text = (selector) => {
    const found = document.querySelector(selector);
    return found ? found.textContent.trim() : "";
  };
  return {
    run: state ? state.dataset.run : null,
    running: state ? state.dataset.running : null,
    progress: text("#live-progress"),
    jobs: text("#live-jobs"),
    recent: Array.from(document.querySelectorAll("#live-recent li"), (li) => li.dataset.id),
    rows: Array.from(document.querySelectorAll("#submissions tr[data-id]"),
                     (tr) => [tr.dataset.id, tr.dataset.status]),
  };
}"""


def query(out: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(out / FILENAME, timeout=30)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def verdicts(out: Path, run_id: int) -> dict[str, str]:
    """Each submission's verdict in a run, as the class page's rows name it. (What a sample
    gets can depend on the machine: on a loaded one a submission that trains ten epochs may
    reach the exercise's time limit.)"""
    rows = query(out, "SELECT submission_id, status, passed FROM grades WHERE run_id = ?", run_id)
    return {
        sid: "pass" if passed else "fail" if status == "graded" else status
        for sid, status, passed in rows
    }


def wait_for_run(out: Path, count: int, limit_s: float) -> int:
    """The id of run number `count` once it is no longer running."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        runs = query(out, "SELECT id, status FROM runs ORDER BY id")
        if len(runs) >= count and runs[count - 1][1] != "running":
            return int(runs[count - 1][0])
        time.sleep(1)
    raise AssertionError(f"run #{count} did not finish in {limit_s:.0f} s: {runs}")


@dataclass
class Batch:
    """The graded class, the server and the browser every test of the module shares, and what
    the class page showed while the batch graded."""

    root: Path
    out: Path
    server: Server
    browser: Any
    returncode: int
    log: str
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # each change of the live view
    loads: list[float] = field(default_factory=list)  # when the class page (re)loaded
    finished_at: float = 0.0  # when the grading process exited
    live_fetches: int = 0
    problems: list[str] = field(default_factory=list)  # page errors, console errors, dialogs

    @property
    def url(self) -> str:
        return f"{self.server.url}c/{SLUG}/"

    def page(self) -> Any:
        page = self.browser.new_page(viewport=DESKTOP)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("dialog", lambda d: (self.problems.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        return page


def _grade(root: Path, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [GRADER, "grade", *args, "-e", EXERCISE, "--isolation", "limits"],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def _watch(batch: Batch, page: Any, grading: subprocess.Popen[bytes]) -> None:
    """Read the live view from the DOM every half second while the batch grades, and until
    the page has reloaded once after the run ended (the script polls every 2 s meanwhile)."""
    deadline = time.monotonic() + BATCH_LIMIT_S
    shot = False
    while time.monotonic() < deadline:
        if grading.poll() is not None and not batch.finished_at:
            batch.finished_at = time.monotonic()
        try:
            seen = page.evaluate(SNAPSHOT)
        except playwright_api.Error:  # the page is reloading
            seen = None
        if seen is not None:
            seen["loads"] = len(batch.loads)
        if seen and (not batch.snapshots or seen != batch.snapshots[-1]["seen"]):
            batch.snapshots.append({**seen, "seen": seen, "at": time.monotonic()})
            if not shot and seen["running"] == "true" and seen["recent"] and seen["jobs"]:
                shoot(page, "workbench-live.png")  # a verdict landed, a grading in flight
                shot = True
        if batch.finished_at and (
            len(batch.loads) > 1 or time.monotonic() > batch.finished_at + 30
        ):
            page.wait_for_timeout(3000)  # a second reload, if the script made one, shows here
            return
        page.wait_for_timeout(500)  # Playwright's wait: the page's events are handled meanwhile


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    root = tmp_path_factory.mktemp("workbench")
    (root / "class").mkdir()
    for sample in (SAMPLES / EXERCISE).iterdir():
        if sample.stem in STUDENTS:
            shutil.copy(sample, root / "class" / sample.name)
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    early = root / "early"
    early.mkdir()
    (early / "early_bird.py").write_text("print('not finished'\n", encoding="utf-8")
    out = root / SLUG
    first = _grade(root, [str(early), "--out", str(out), "--no-similarity"], root / "first.log")
    assert first.wait(300) == 1, (root / "first.log").read_text()  # graded: it fails

    with (
        serving(str(out), "--user", "Ada Lovelace") as server,
        playwright_api.sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            batch = Batch(root, out, server, browser, -1, "")
            page = batch.page()
            page.on("load", lambda: batch.loads.append(time.monotonic()))

            def fetched(request: Any) -> None:
                if request.url.endswith(f"/c/{SLUG}/live"):
                    batch.live_fetches += 1

            page.on("request", fetched)
            page.goto(batch.url)
            page.wait_for_load_state("load")
            grading = _grade(
                root,
                [str(root / "class"), "--out", str(out), "--roster", str(root / "roster.csv"),
                 "--lms-assignment", ASSIGNMENT],
                root / "batch.log",
            )  # fmt: skip
            try:
                _watch(batch, page, grading)
                batch.returncode = grading.wait(BATCH_LIMIT_S)
            finally:
                if grading.poll() is None:
                    grading.kill()
                    grading.wait()
            batch.log = (root / "batch.log").read_text(encoding="utf-8", errors="replace")
            shoot(page, "workbench-class.png")
            page.close()
            yield batch
        finally:
            browser.close()


@pytest.fixture(scope="module")
def regraded(batch: Batch) -> dict[str, Any]:
    """Two review items resolved from the review page, then one submission graded again from
    its page's button; returns the notes and the new run's id."""
    notes = {
        ("alan_kay", f"similar:{REGRADE}"): "the lab's template, filled in alike: not copying",
        (MISSING, "missing"): "dropped the course in week 1",
    }
    page = batch.page()
    try:
        for (sid, key), note in notes.items():
            page.goto(f"{batch.url}review")
            row = page.locator(f'#open-items tr[data-id="{sid}"][data-item="{key}"]')
            row.locator("textarea[name=note]").fill(note)
            row.locator("button[type=submit]").click()
            page.wait_for_url("**/review?saved=1**")
        runs_before = len(query(batch.out, "SELECT id FROM runs"))
        page.goto(f"{batch.url}s/{REGRADE}")
        page.click("#regrade-one button[type=submit]")
        page.wait_for_url(batch.url)  # back to the class page, which follows the run
        run_id = wait_for_run(batch.out, runs_before + 1, BATCH_LIMIT_S)
    finally:
        page.close()
    return {"notes": notes, "run": run_id, "before": runs_before}


def test_the_class_page_follows_the_batch_by_itself(batch: Batch) -> None:
    assert batch.returncode == 1, batch.log[-3000:]  # graded; not everyone passed
    (first_run, first_status), second = query(batch.out, "SELECT id, status FROM runs ORDER BY id")
    assert first_status == "finished" and second[1] == "finished"
    seen = batch.snapshots
    assert seen[0]["run"] == str(first_run) and seen[0]["running"] == "false", seen[0]
    assert [sid for sid, _ in seen[0]["rows"]] == ["early_bird"]  # the first, quick run
    running = [s for s in seen if s["running"] == "true"]
    assert running, seen
    assert all(s["run"] == str(second[0]) and s["loads"] == 1 for s in running)  # no reload yet
    total = f"/{len(STUDENTS)} done"
    done = [int(s["progress"].split("/")[0]) for s in running if total in s["progress"]]
    assert done and done == sorted(done), [s["progress"] for s in running]
    assert any("epoch" in s["jobs"] for s in running), [s["jobs"] for s in running]
    landed = [s for s in running if s["recent"]]
    assert landed and set(landed[0]["recent"]) <= set(STUDENTS), landed[:1]
    # the run ended: the page reloaded by itself, once, and shows the new table
    assert len(batch.loads) == 2, batch.loads
    assert batch.loads[1] > max(s["at"] for s in running)  # after the last "Grading now"
    after = [s for s in seen if s["loads"] == 2]
    assert after and all(s["run"] == str(second[0]) for s in after)
    assert all(s["running"] == "false" for s in after)
    assert dict(after[-1]["rows"]) == {**verdicts(batch.out, second[0]), MISSING: "missing"}
    assert batch.live_fetches >= len(running)  # fetched by the page's script, not the test
    assert not batch.problems, batch.problems


def test_an_override_from_the_page_reaches_grades_csv_and_the_lms_files(batch: Batch) -> None:
    automatic = next(
        r for r in read_results(batch.out / "results.json").submissions if r.id == "alan_kay"
    )
    check = next(c for c in automatic.checks if c.id == "early_stop")
    raw = automatic.adjustments.raw_score if automatic.adjustments else automatic.score
    final = raw - check.score + 2
    reason = "stops at 99% instead of 98%: one epoch late, accepted in the first week"
    page = batch.page()
    try:
        page.goto(f"{batch.url}s/alan_kay")
        page.select_option("#override-check", "early_stop")
        assert page.get_attribute("#override-score", "placeholder") == "0 to 3"
        page.fill("#override-score", "2")
        page.fill("#override-reason", reason)
        page.click("#override-form button[type=submit]")
        page.wait_for_url("**saved=override**")
        assert f"{points(final)} / 10" in page.inner_text("#final-score")
    finally:
        page.close()
    report = subprocess.run(
        [GRADER, "report", str(batch.out)], capture_output=True, text=True, timeout=300
    )
    assert report.returncode == 0, report.stderr
    with (batch.out / "grades.csv").open(encoding="utf-8") as f:
        row = {r["id"]: r for r in csv.DictReader(f)}["alan_kay"]
    assert (row["score"], row["raw_score"]) == (points(final), points(raw))
    assert "early_stop=2" in row["overrides"] and row["student_name"] == "Alan Kay"
    with (batch.out / "canvas.csv").open(encoding="utf-8-sig") as f:
        canvas = {r["ID"]: r for r in csv.DictReader(f)}
    assert canvas["1001"]["Student"] == "Alan Kay"
    assert canvas["1001"][ASSIGNMENT] == points(final)
    assert canvas["1004"][ASSIGNMENT] == "0"  # Grace Hopper handed nothing in
    with (batch.out / "moodle.csv").open(encoding="utf-8") as f:
        moodle = {r["Email address"]: r for r in csv.DictReader(f)}
    alan = moodle["alan@uni.example"]
    assert alan[ASSIGNMENT] == points(final)
    assert f"Override of check early_stop: {points(check.score)} -> 2" in alan["Feedback"]
    assert reason in alan["Feedback"]
    assert not batch.problems, batch.problems


def test_a_regrade_from_the_page_grades_that_submission_alone(
    batch: Batch, regraded: dict[str, Any]
) -> None:
    origins = dict(
        query(
            batch.out,
            "SELECT submission_id, origin FROM grades WHERE run_id = ?",
            regraded["run"],
        )
    )
    assert origins == {"alan_kay": "cache", REGRADE: "graded"}
    sql = "SELECT status, args FROM runs WHERE id = ?"
    ((status, args),) = query(batch.out, sql, regraded["run"])
    assert status == "finished" and f'"--regrade-only", "{REGRADE}"' in args
    assert (batch.out / "workbench-grading.log").is_file()


def test_a_review_item_resolved_from_the_page_stays_resolved_after_the_regrade(
    batch: Batch, regraded: dict[str, Any]
) -> None:
    page = batch.page()
    try:
        page.goto(f"{batch.url}review")
        for (sid, key), note in regraded["notes"].items():
            row = f'tr[data-id="{sid}"][data-item="{key}"]'
            assert page.locator(f"#open-items {row}").count() == 0
            resolved = page.locator(f"#resolved-items {row}")
            assert note in resolved.inner_text()
            assert resolved.locator(".resolved-by").inner_text() == "Ada Lovelace"
        # the class's one similar pair was resolved: none open
        assert page.locator('#open-items tr[data-kind="similar"]').count() == 0
    finally:
        page.close()
    kept = query(batch.out, "SELECT submission_id, item, note, user FROM resolutions")
    assert {(s, k): n for s, k, n, _ in kept} == regraded["notes"]


def test_the_feedback_zip_of_the_release_page(batch: Batch) -> None:
    comment = "Nice callback: it stops at 98% as asked."
    page = batch.page()
    try:
        page.goto(f"{batch.url}s/rosalind_franklin")
        page.fill("#comment-text", comment)
        page.click("#comment-form button[type=submit]")
        page.wait_for_url("**saved=comment**")
        page.goto(f"{batch.url}release")
        assert page.is_checked('input[name=layout][value="files"]')  # no LMS names here
        page.select_option("select[name=which]", "all")
        with page.expect_download() as download:
            page.click("#release-form button[type=submit]")
        data = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename == f"{SLUG}-feedback-files.zip"
        page.goto(batch.url)
        cells = {
            sid: page.inner_text(f'#submissions tr[data-id="{sid}"] td.feedback')
            for sid in STUDENTS
        }
    finally:
        page.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    assert set(files) == {f"{sid}.html" for sid in STUDENTS}  # nothing for Grace Hopper
    for sid in STUDENTS:
        assert f'id="submission-name">{sid}<' in files[f"{sid}.html"]
    assert comment in files["rosalind_franklin.html"]
    assert comment not in files["alan_kay.html"]
    assert comment not in (batch.out / "rosalind_franklin.html").read_text(encoding="utf-8")
    assert all(cell.startswith("released ") for cell in cells.values()), cells
    released = query(batch.out, "SELECT submission_id, layout, user FROM releases")
    assert sorted(released) == [(sid, "files", "Ada Lovelace") for sid in STUDENTS]
    assert not batch.problems, batch.problems
