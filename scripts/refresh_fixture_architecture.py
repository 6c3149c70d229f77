"""Recompute the architecture check's `comparison` and `expected` in the stored report fixtures.

The fixtures under tests/fixtures/reports/ were graded before the architecture became a layer
pattern; this fills in what the check now writes, from the layers the fixture already records.
Run: .venv/bin/python scripts/refresh_fixture_architecture.py
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.evaluate import LayerInfo
from grader.exercises import load_exercise
from grader.pattern import compare

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"


def main() -> None:
    for path in sorted(FIXTURES.rglob("*.json")):
        data = json.loads(path.read_text())
        spec = load_exercise(data["exercise"])
        changed = False
        for submission in data["submissions"]:
            compiled = (submission.get("training") or {}).get("compile") or {}
            for check in submission["checks"]:
                layers = check.get("details", {}).get("layers")
                if check["id"] != "architecture" or not layers:
                    continue
                infos = tuple(
                    LayerInfo(
                        cls=row["class"],
                        units=row["units"],
                        activation=row["activation"],
                        output_shape=tuple(row["output_shape"]) if row["output_shape"] else None,
                    )
                    for row in layers
                )
                check["details"]["expected"] = spec.architecture.summary()
                check["details"]["comparison"] = compare(
                    infos, spec.architecture, bool(compiled.get("from_logits"))
                )
                changed = True
        if changed:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            print("refreshed", path.name)


if __name__ == "__main__":
    main()
