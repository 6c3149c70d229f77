"""The real browser the HTML tests drive: Debian's chromium through Playwright, set up once.

`require()` is the availability check: at a browser module's import time it skips that module
on a laptop without chromium or playwright and fails it in CI (see needs.py); inside a test or
fixture it does the same to that test. Never `playwright install` (that downloads a browser).
Imported as a top-level module, like needs.py and paths.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from needs import missing
from paths import ROOT

# Debian's chromium (scripts/system-deps.sh installs it); $GRADER_CHROMIUM points elsewhere
CHROMIUM = Path(os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium"))
# launch flags: headless, no GPU, nothing fetched in the background (tests assert no network)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}  # viewports
DESKTOP = {"width": 1200, "height": 900}


def require() -> ModuleType:
    """`playwright.sync_api`, once chromium and playwright are both here; else `missing(...)`."""
    if not CHROMIUM.exists():
        missing(f"no chromium at {CHROMIUM} (scripts/system-deps.sh runs apt-get install chromium)")
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    return playwright_api


class Visit:
    """A page with everything that must not happen recorded: dialogs, network, errors."""

    def __init__(self, browser: object, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: Path) -> object:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()

    def assert_quiet(self) -> None:
        assert not self.dialogs, self.dialogs
        assert not self.errors, self.errors
        assert all(url.startswith("file://") for url in self.requests), self.requests


def screenshot_dir() -> Path:
    configured = os.environ.get("GRADER_SCREENSHOT_DIR")
    path = Path(configured) if configured else ROOT / "reports" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shoot(page: object, name: str) -> Path:
    """A full-page screenshot into the screenshot folder; returns its path."""
    path = screenshot_dir() / name
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path
