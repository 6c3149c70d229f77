"""The feedback release page of large classes, one grader against another, side by side.

    python benchmarks/release_page.py OUT [OUT ...] --grader OLD --grader NEW \
        [--requests 10] [--warmup 2]

Each OUT is a graded class folder (`benchmarks/scale.py --keep` builds them), written by the
oldest of the graders so that each can read it. For each grader command, in turn, serves a
copy of every class with the real `grader serve` (a newer grader migrates its copy when it
opens it) and times, over loopback, WARMUP GETs then REQUESTS sequential GETs of the release
page (`/c/<class>/release`) and, where the page is paged, of its second page: median and p95
in ms.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workbench
from scale import get_body
from workbench import get, p95, serve

from grader.classroom.gradebook import FILENAME


def second_page(port: int, slug: str) -> str:
    """The release page's next-page link, or '' if the page is not paged."""
    body = get_body(port, f"/c/{slug}/release")
    marker = 'id="next-page" href="'
    if marker not in body:
        return ""
    start = body.index(marker) + len(marker)
    return f"/c/{slug}/release" + body[start : body.index('"', start)].replace("&amp;", "&")


def moved(out: Path, copy: Path) -> Path:
    """A copy of the class folder `out` whose gradebook knows the class is at `copy` now."""
    shutil.copytree(out, copy)
    with sqlite3.connect(copy / FILENAME) as db:
        db.execute("UPDATE runs SET args = json_set(args, '$.out_dir', ?)", (str(copy.resolve()),))
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outs", type=Path, nargs="+")
    parser.add_argument("--grader", action="append", required=True, help="a grader command")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.requests} GETs after {args.warmup}, loopback, ms (median / p95)")
    for command in args.grader:
        workbench.GRADER = command
        with tempfile.TemporaryDirectory() as tmp:
            copies = [moved(out, Path(tmp) / out.name) for out in args.outs]
            process, port = serve(*copies)
            try:
                for copy in copies:
                    slug = copy.name
                    for name, path in (
                        ("first page", f"/c/{slug}/release"),
                        ("second page", second_page(port, slug)),
                    ):
                        if not path:
                            continue
                        for _ in range(args.warmup):
                            get(port, path)
                        seconds = [get(port, path)[0] for _ in range(args.requests)]
                        median, slow = statistics.median(seconds), p95(seconds)
                        print(
                            f"{command:40} {slug:12} {name:12} "
                            f"{median * 1000:9.1f} / {slow * 1000:9.1f}",
                            flush=True,
                        )
            finally:
                process.terminate()
                process.wait(30)


if __name__ == "__main__":
    main()
