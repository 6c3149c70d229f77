"""The docs site builds strictly, works offline, and carries the generated references (issue 29).

One `mkdocs build --strict` (what `make docs` runs) into a scratch folder for the module: a
broken link, a missing page or an unknown anchor fails it. Then the built HTML is read: no page
fetches a script, stylesheet, font or image over the network; the command line reference lists
every command and option of `grader.cli`; the exercise.toml reference every key of the schema.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from paths import ROOT

from grader.cli import main as grader_command
from grader.spec import schema

pytestmark = pytest.mark.integration

# An asset the browser fetches by itself: a script, a stylesheet or icon, an image, a CSS url().
ASSET = re.compile(
    r"<(?:script|img|source|iframe)\b[^>]*\bsrc=[\"']([^\"']+)"
    r"|<link\b[^>]*\bhref=[\"']([^\"']+)"
    r"|url\(\s*[\"']?([^\"')]+)"
    r"|@import\s+[\"']([^\"']+)"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    build = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stdout}\n{build.stderr}"
    return out


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_every_page_of_the_nav_is_built(site: Path) -> None:
    for page in ("index", "tutorials/check-your-notebook", "reference/cli", "reference/spec"):
        assert (site / f"{page}.html").is_file()
    assert (site / "assets/report.png").is_file() and (site / "assets/workbench.png").is_file()


def test_nothing_is_fetched_from_the_network(site: Path) -> None:
    fetched = []
    for page in [*site.rglob("*.html"), *site.rglob("*.css")]:
        for match in ASSET.finditer(page.read_text(encoding="utf-8", errors="replace")):
            url = next(group for group in match.groups() if group)
            if re.match(r"(https?:)?//", url):
                fetched.append(f"{page.relative_to(site)}: {url}")
    assert fetched == []


def test_the_cli_reference_lists_every_command_and_option(site: Path) -> None:
    text = _text(site / "reference/cli.html")
    missing = []
    stack: list[tuple[str, click.Command]] = [("grader", grader_command)]
    while stack:
        name, command = stack.pop()
        if f"Usage: {name}" not in text and f"{name} [OPTIONS]" not in text:
            missing.append(name)
        for param in command.params:
            missing += [f"{name} {o}" for o in param.opts if o.startswith("-") and o not in text]
        if isinstance(command, click.Group):
            stack += [(f"{name} {sub}", cmd) for sub, cmd in command.commands.items()]
    assert missing == []


def test_the_spec_reference_lists_every_key(site: Path) -> None:
    text = _text(site / "reference/spec.html")
    keys = [*schema.TOP_LEVEL, *schema.LAYER_KEYS]
    keys += [k for table in schema.SECTIONS.values() for k in (table or {})]
    assert [k for k in keys if k not in text] == []
    assert "generated: spec-reference" not in text
