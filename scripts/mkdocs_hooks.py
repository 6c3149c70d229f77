"""MkDocs hook: renders the `exercise.toml` reference from the spec's own schema.

`grader/spec/schema.py` is the one home of the spec's keys, their types, their limits and what
they mean; a page that says `<!-- generated: spec-reference -->` gets them as tables at build
time, so the reference cannot drift from what `validate` accepts. Run as a script, it prints the
rendered Markdown (`python scripts/mkdocs_hooks.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from grader.spec import schema
from grader.spec.check_ids import CHECK_IDS, PROBE_CHECK

MARKER = "<!-- generated: spec-reference -->"

# Values out of every range the schema's checks guard, tried in order: the first message a check
# gives is its rule, in the words `validate` uses when it refuses a value ("nonsense" stands for
# any word a check does not know).
PROBES: dict[type, tuple[Any, ...]] = {
    int: (-1, 0, 101),
    float: (-1.0, 0.0, 2.0, 101.0),
    str: ("nonsense",),
    list: ([], ["nonsense"]),
}


def rule(key: schema.Key) -> str:
    """What a valid value must satisfy beyond its type, as the schema's check words it."""
    if key.check is None:
        return ""
    for kind in key.types:
        for probe in PROBES.get(kind, ()):
            try:
                problem = key.check(probe)
            except TypeError:
                continue
            if problem:  # the nearest valid word suggested for the probe is no rule
                return problem.split("; did you mean")[0]
    return ""


SINGULAR = {int: "integer", float: "number", str: "string", list: "list", dict: "table"}
SINGULAR.update({datetime: "date-time", date: "date", bool: "true or false"})
PLURAL = {int: "integers", float: "numbers", str: "strings", dict: "tables"}


def kind(key: schema.Key) -> str:
    """The key's type in words: "number", "list of strings", "date-time, date or string"."""
    types = ["number" if t is float else SINGULAR[t] for t in key.types if t is not int] + (
        [] if float in key.types or int not in key.types else ["integer"]
    )
    words = list(dict.fromkeys(types))
    text = " or ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " or " + words[-1]
    if key.items:
        text = "list of " + " or ".join(PLURAL[t] for t in key.items)
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def key_table(keys: dict[str, schema.Key]) -> str:
    rows = ["| key | type | required | rule | meaning |", "|---|---|---|---|---|"]
    for name, key in keys.items():
        required = "yes" if key.required else ""
        rows.append(
            f"| `{name}` | {kind(key)} | {required} | {_cell(rule(key))} | {_cell(key.doc)} |"
        )
    return "\n".join(rows)


def render() -> str:
    """The whole reference: the top-level keys, every section, a layer's keys, the check ids."""
    parts = ["## Top-level keys", "", key_table(schema.TOP_LEVEL), ""]
    for section, keys in schema.SECTIONS.items():
        parts += [f"## `[{section}]`", ""]
        if keys is None:
            listed = ", ".join(f"`{c}`" for c in CHECK_IDS if c != PROBE_CHECK)
            parts += [
                "A free table: each key is a check id, each value its points (a number, 0 or "
                f"more), in the order reports show them. The check ids: {listed}. "
                f"`{PROBE_CHECK}` is never listed here: `[probe]` gives it its points.",
                "",
            ]
        else:
            parts += [key_table(keys), ""]
    parts += [
        "## A layer of `[architecture] layers`",
        "",
        key_table(schema.LAYER_KEYS),
        "",
    ]
    return "\n".join(parts)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs event: replace the marker with the rendered reference."""
    return markdown.replace(MARKER, render()) if MARKER in markdown else markdown


if __name__ == "__main__":
    print(render())
