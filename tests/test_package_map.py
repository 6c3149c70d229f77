"""The package map: no import cycle (deferred imports included), each layer imports only the
layers before it in the pipeline, and modules stay small. Run alone with
`python -m pytest tests/test_package_map.py`."""

from __future__ import annotations

import pytest
from import_graph import cycle_path, cycles, graph, modules
from paths import ROOT

PACKAGE = ROOT / "grader"
EDGES = graph(PACKAGE)

# Each layer and what it may import besides itself, top-down as the pipeline reads. The shared
# leaves (errors, formatting, locations, registry, version) may be imported by anyone.
LEAVES = {"errors", "formatting", "locations", "registry", "version"}
LAYERS = {
    "spec": set(),
    "results": set(),
    "grading": {"spec", "results"},
    "report": {"spec", "results", "grading"},
    "exports": {"results"},
    "classroom": {"spec", "results", "grading", "report", "exports"},
    "integrations": {"spec", "results", "grading", "report", "exports", "classroom"},
    "web": {"spec", "results", "grading", "report", "exports", "classroom"},
    "selftest": {"spec", "results", "grading", "report", "exports", "classroom"},
}
MAX_LINES = 400
REASON = "Over 400 lines:"  # how a module that is longer says why, in its docstring


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_there_is_no_import_cycle() -> None:
    found = cycles(EDGES)
    assert not found, "import cycles:\n" + "\n".join(
        " -> ".join(cycle_path(EDGES, c)) for c in found
    )


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycle_path(edges, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_a_deferred_import_and_a_package_init_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg import b\n")
    (pkg / "sub" / "a.py").write_text("")
    (pkg / "b.py").write_text("def f():\n    from pkg.sub import a\n")
    edges = graph(pkg)
    assert edges["pkg.b"] == {"pkg.sub.a", "pkg.sub"}
    assert cycles(edges) == [["pkg.b", "pkg.sub"]]


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_imports_only_the_layers_before_it(layer: str) -> None:
    allowed = LAYERS[layer] | LEAVES | {layer}
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in EDGES.items()
        if layer_of(module) == layer
        for target in targets
        if layer_of(target) not in allowed
    )
    assert not wrong, wrong


def test_the_top_of_the_package_is_only_layers_leaves_and_entry_points() -> None:
    top = {layer_of(m) for m in modules(PACKAGE) if m != "grader"}
    assert top == set(LAYERS) | LEAVES | {"api", "cli"}


def test_modules_stay_small_or_say_why() -> None:
    long = []
    for name, path in modules(PACKAGE).items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and REASON not in text[:2000]:
            long.append(f"{name}: {text.count(chr(10))} lines")
    assert not long, long
