"""Pictures of the grader for the docs, taken from the real sample class in a real browser.

Grades the sample class `samples/mnist_callback_98/` for real (unless `--class` names a folder
already graded by `grader grade`), serves it with `grader serve`, and saves with headless
Chromium (Playwright, the browser tests/browser.py drives):

    docs/assets/report.png      a student's HTML report (alan_kay: a callback that stops late)
    docs/assets/workbench.png   the class page of the workbench

Run it again whenever a report or the workbench changes:

    .venv/bin/python scripts/screenshots.py [--class DIR]

Chromium comes from `./scripts/system-deps.sh test` (Debian's package, never a download).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "docs" / "assets"
EXERCISE = "mnist_callback_98"
STUDENT = "alan_kay"  # fails two checks: a report with something to show
CHROMIUM = Path(os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
VIEWPORT = {"width": 1200, "height": 860}
GRADER = Path(sys.executable).parent / "grader"


def graded_class(folder: Path | None) -> Path:
    """A folder `grader grade` wrote for the sample class: the one given, or a fresh one."""
    if folder is not None and (folder / "gradebook.sqlite").exists():
        return folder
    # the class is named after its folder: reports/<exercise>, as `make demo` writes it
    out = folder or Path(tempfile.mkdtemp(prefix="grader-screenshots-")) / "reports" / EXERCISE
    command = [str(GRADER), "grade", str(ROOT / "samples" / EXERCISE), "--exercise", EXERCISE]
    command += ["--out", str(out), "--isolation", "limits"]
    print("grading the sample class (a few minutes):", " ".join(command), flush=True)
    finished = subprocess.run(command, check=False)
    if finished.returncode >= 2:
        sys.exit(f"screenshots: grading the sample class failed (exit {finished.returncode})")
    return out


def serve(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """`grader serve` on a free loopback port; returns the process and the URL it printed."""
    server = subprocess.Popen(
        [str(GRADER), "serve", str(folder), "--port", "0", "--user", "Docs"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    for line in server.stdout:
        found = re.search(r"http://\S+", line)
        if found:
            return server, found.group(0)
    sys.exit("screenshots: `grader serve` ended without printing its URL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class", dest="folder", type=Path, help="a folder already graded")
    folder = graded_class(parser.parse_args().folder)
    if not CHROMIUM.exists():
        sys.exit(f"screenshots: no chromium at {CHROMIUM} (./scripts/system-deps.sh test)")
    from playwright.sync_api import sync_playwright

    ASSETS.mkdir(parents=True, exist_ok=True)
    server, url = serve(folder)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto((folder / f"{STUDENT}.html").as_uri())
            page.screenshot(path=str(ASSETS / "report.png"))
            page.set_viewport_size({"width": VIEWPORT["width"], "height": 640})
            page.goto(url)
            page.click("a[href*='/c/']")  # the class, from the home page's list
            page.wait_for_load_state("load")
            page.screenshot(path=str(ASSETS / "workbench.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name in ("report.png", "workbench.png"):
        print("wrote", (ASSETS / name).relative_to(ROOT))


if __name__ == "__main__":
    main()
