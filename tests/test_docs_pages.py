"""The docs' pages hold to the code they describe (issue 29), read without building the site.

The README stays a front door; every example is runnable or says why not; the exercise.toml
reference is rendered from the schema (a key added there appears); the result JSON reference
names every field of the result model.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from docs_examples import MarkerError, all_examples, examples
from paths import FIXTURES, ROOT

from grader.exports.tables import ADJUSTED_COLUMNS, SEED_COLUMNS, CsvExporter
from grader.results.model import CheckResult, Robustness, SubmissionResult, read_results
from grader.spec import schema

DOCS = ROOT / "docs"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts/mkdocs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 150 <= len(readme.splitlines()) <= 250
    for must in ("make demo", "make test", "make docs", "docs/assets/report.png", "## Licence"):
        assert must in readme


def test_every_local_link_of_the_readme_leads_somewhere() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if not t.startswith(("http://", "https://"))]
    assert local, "the README links to the docs"
    assert [t for t in local if not (ROOT / t).exists()] == []


def test_every_example_is_runnable_or_says_why_not() -> None:
    found = all_examples()  # raises MarkerError on a marker it cannot read
    assert len(found) >= 20
    assert all(e.not_run.strip() for e in found if e.not_run)
    runnable = [e for e in found if not e.not_run and not e.slow]
    assert len(runnable) >= 10, "most examples run in the integration tier"
    assert len([e for e in found if e.slow]) <= 3, "the slow tier's budget is tight"


def test_a_marker_without_reason_or_unknown_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- example: not run -->\n```sh\nls\n```\n")
    with pytest.raises(MarkerError, match="needs a reason"):
        examples(page)
    page.write_text("<!-- example: sometimes -->\n```python\npass\n```\n")
    with pytest.raises(MarkerError, match="unknown example marker 'sometimes'"):
        examples(page)
    page.write_text("<!-- example: slow, exit 1 -->\n```sh\nfalse\n```\n\n```text\nx\n```\n")
    (only,) = examples(page)
    assert (only.slow, only.exit_code, only.code, only.line) == (True, 1, "false\n", 2)


def test_the_spec_reference_renders_every_key_of_the_schema() -> None:
    rendered = _hooks().render()
    keys = [*schema.TOP_LEVEL, *schema.LAYER_KEYS]
    keys += [k for table in schema.SECTIONS.values() for k in (table or {})]
    assert [k for k in keys if f"| `{k}` |" not in rendered] == []
    assert [f"## `[{s}]`" for s in schema.SECTIONS if f"## `[{s}]`" not in rendered] == []
    assert "<!-- generated: spec-reference -->" in (DOCS / "reference/spec.md").read_text()


def test_a_key_added_to_the_schema_appears_with_its_rule_and_meaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    training = {**schema.SECTIONS["training"]}  # type: ignore[dict-item]
    training["patience"] = schema.Key((int,), check=schema._positive, doc="epochs to wait")
    monkeypatch.setitem(schema.SECTIONS, "training", training)
    assert "| `patience` | integer |  | must be 1 or more | epochs to wait |" in _hooks().render()


def test_every_checked_key_has_its_rule_in_the_reference() -> None:
    hooks = _hooks()
    tables = [schema.TOP_LEVEL, schema.LAYER_KEYS, *(t for t in schema.SECTIONS.values() if t)]
    unexplained = [
        name for table in tables for name, key in table.items() if key.check and not hooks.rule(key)
    ]
    assert unexplained == [], "add a probe to scripts/mkdocs_hooks.py PROBES for these"
    assert [n for t in tables for n, k in t.items() if not k.doc] == [], "give each key a doc"


def _toml_examples() -> list[tuple[str, str]]:
    found = []
    for page in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for block in re.finditer(r"^```toml\n(.*?)^```", text, flags=re.M | re.S):
            if not block.group(1).startswith("--8<--"):  # a file included as it is
                line = text[: block.start()].count("\n") + 1
                found.append((f"{page.relative_to(ROOT)}:{line}", block.group(1)))
    return found


def test_every_exercise_toml_example_is_one_the_grader_accepts() -> None:
    """A whole file is validated as the loader does; a fragment's sections key by key."""
    examples_found = _toml_examples()
    assert len(examples_found) >= 4
    for where, body in examples_found:
        raw = tomllib.loads(body)
        if "id" in raw:
            schema.validate(raw, where)
            continue
        for name, value in raw.items():
            table, keys = (
                (value, schema.SECTIONS[name])
                if isinstance(value, dict)
                else (
                    {name: value},
                    {name: schema.TOP_LEVEL[name]},
                )
            )
            optional = {
                k: dataclasses.replace(key, required=False) for k, key in (keys or {}).items()
            }
            schema.check_table(table, optional, f"{where} [{name}]")


def test_the_result_reference_names_every_field_of_the_result_model() -> None:
    page = (DOCS / "reference/results.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^\| (`[^|]+)\|", page, flags=re.M))
    documented = {name for cell in named for name in re.findall(r"`(\w+)`", cell)}
    for model in (SubmissionResult, CheckResult, Robustness):
        missing = [f.name for f in dataclasses.fields(model) if f.name not in documented]
        assert missing == [], f"{model.__name__} fields missing from reference/results.md"


def test_the_exports_reference_names_every_column_of_grades_csv(tmp_path: Path) -> None:
    page = (DOCS / "reference/exports.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(\w+)`", page))
    report = read_results(FIXTURES / "mnist_callback-gt_threshold.json")
    (path,) = CsvExporter().write(report, tmp_path)
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    checks = {c.id for s in report.submissions for c in s.checks}
    columns = [c for c in header if c not in checks] + [*ADJUSTED_COLUMNS, *SEED_COLUMNS]
    assert len(columns) > 15
    assert [c for c in columns if c not in documented] == []


def test_measured_figures_have_one_home() -> None:
    figures = (DOCS / "explanation/figures.md").read_text(encoding="utf-8")
    assert figures.startswith("# Figures\n")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the README links to the figures and repeats none of their measured values
    assert "docs/explanation/figures.md" in readme
    assert not re.search(r"\d+(\.\d+)? ?(s|ms|min)\b", readme)
