"""Item analysis through the real `grader serve`, on a tiny class whose figures are worked out
here independently: the score table written down by hand (and checked against the recorded
results), the share passed and points lost counted from it, discrimination with
`statistics.correlation`, the training band's quartiles with `numpy.percentile`."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from live_server import serving
from served_class import build_class, recorded

from grader.classroom.item_analysis import pearson, quartiles
from grader.formatting import duration

pytestmark = pytest.mark.integration  # starts `grader serve`

CHECKS = ("runs", "architecture", "epoch_limit", "early_stop", "stop_message", "train_accuracy")
# each submission's automatic score per check, in CHECKS order, read off the recorded results
SCORES = {
    "callback_not_passed": (1, 1, 1, 0, 0, 2),
    "gt_threshold": (1, 1, 1, 3, 2, 2),
    "no_flatten": (0, 0, 1, 0, 0, 0),
    "wrong_again": (1, 1, 1, 3, 0, 2),
    "wrong_message": (1, 1, 1, 3, 0, 2),
}
PASSED = {
    "runs": 4,
    "architecture": 4,
    "epoch_limit": 5,
    "early_stop": 3,
    "stop_message": 1,
    "train_accuracy": 4,
}
AGAIN = [0.90, 0.95, 0.97, 0.985]  # wrong_again's training accuracy per epoch


def tiny_class() -> dict:  # type: ignore[type-arg]
    found = recorded()
    again = found["wrong_message"]
    history = [
        {**row, "accuracy": a} for row, a in zip(again.training["history"], AGAIN, strict=True)
    ]
    return {
        "callback_not_passed": found["callback_not_passed"],
        "gt_threshold": found["gt_threshold"],
        "no_flatten": found["no_flatten"],
        "wrong_again": replace(again, training={**again.training, "history": history}),
        "wrong_message": again,
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_class(tmp_path, "tiny", tiny_class())


def cells(html: str, check: str) -> dict[str, str]:
    row = re.search(rf'<tr data-check="{check}">(.*?)</tr>', html, flags=re.S)
    assert row, check
    return dict(re.findall(r'data-(share|lost|r|hint)="([^"]*)"', row[1]))


def test_the_figures_are_right_on_a_hand_checked_class(out: Path) -> None:
    verdicts = tiny_class()
    for sid, scores in SCORES.items():  # the hand-written table is the recorded one
        got = {c.id: c.score for c in verdicts[sid].checks}
        assert tuple(got[c] for c in CHECKS) == scores, sid
    with serving(str(out)) as server:
        client = server.client()
        page = client.get("/c/tiny/analysis?student=wrong_again")
        assert page.status == 200
        assert re.findall(r"<script[^>]*>", page.text) == [
            '<script src="/static/workbench.js" defer>'
        ]
        totals = {sid: sum(s) for sid, s in SCORES.items()}
        for i, check in enumerate(CHECKS):
            found = cells(page.text, check)
            xs = [s[i] for s in SCORES.values()]
            rest = [totals[sid] - s[i] for sid, s in SCORES.items()]
            assert found["share"] == f"{PASSED[check] / 5:.4f}", check
            maxima = {c.id: c.max_score for c in verdicts["gt_threshold"].checks}
            assert float(found["lost"]) == pytest.approx(5 * maxima[check] - sum(xs)), check
            if len(set(xs)) == 1:
                assert found["r"] == "n/a", check  # everyone scored the same: undefined
            else:
                assert float(found["r"]) == pytest.approx(
                    statistics.correlation(xs, rest), abs=1e-4
                )
        # early_stop by hand: x = 0 3 0 3 3, rest = 5 7 1 5 5 -> r = 9.6 / sqrt(10.8 * 19.2) = 2/3
        assert float(cells(page.text, "early_stop")["r"]) == pytest.approx(
            9.6 / math.sqrt(10.8 * 19.2), abs=1e-4
        )
        assert cells(page.text, "epoch_limit")["r"] == "n/a"
        assert cells(page.text, "runs")["hint"] == "missing_flatten"
        assert cells(page.text, "stop_message")["hint"] == "message_text"  # 2 of 4 hints
        assert "(2×)" in re.search(r'<tr data-check="stop_message">.*?</tr>', page.text, re.S)[0]

        # the band: quartiles per epoch over the curves that reach it
        curves = {
            sid: [row["accuracy"] for row in v.training.get("history") or []]
            for sid, v in verdicts.items()
        }
        table = re.findall(
            r'<tr data-epoch="(\d+)"><td class="num">\d+</td><td class="num">(\d+)</td>'
            r'<td class="num">([\d.]+)</td><td class="num">([\d.]+)</td><td class="num">([\d.]+)',
            page.text,
        )
        assert len(table) == 10
        for epoch, count, q1, median, q3 in table:
            values = [c[int(epoch) - 1] for c in curves.values() if len(c) >= int(epoch)]
            assert int(count) == len(values)
            expected = np.percentile(values, [25, 50, 75])
            assert [float(q1), float(median), float(q3)] == pytest.approx(expected, abs=6e-5)
        # wrong_again drawn over the band, chosen in the select box
        assert '<option value="wrong_again" selected>' in page.text
        student = re.search(
            r'<polyline class="line loss" id="band-student" points="([^"]+)"', page.text
        )
        assert student and len(student[1].split()) == len(AGAIN)
        assert '<polygon class="band" points="' in page.text
        assert 'id="band-student"' not in client.get("/c/tiny/analysis").text
        assert client.get("/c/tiny/analysis?student=nobody").status == 404

        # time per submission: the median and the slowest
        seconds = [v.duration_s for v in verdicts.values()]
        assert f'id="duration-median">{duration(statistics.median(seconds))}<' in page.text
        slowest = re.findall(r'<li data-id="([^"]+)">', page.text.split('id="slowest"')[1])
        assert slowest[0] == "callback_not_passed" and len(slowest) == 5
        assert 'href="/c/tiny/analysis"' in client.get("/c/tiny/").text


def test_pearson_and_quartiles_edge_cases() -> None:
    assert pearson([1, 1, 1], [0, 1, 2]) is None  # zero variance: undefined
    assert pearson([1], [2]) is None
    assert pearson([0, 1, 2], [0, 2, 4]) == pytest.approx(1.0)
    assert pearson([0, 1, 2], [4, 2, 0]) == pytest.approx(-1.0)
    assert quartiles([3.0]) == (3.0, 3.0, 3.0)
    assert quartiles([1.0, 2.0, 3.0, 4.0]) == pytest.approx(
        tuple(np.percentile([1, 2, 3, 4], [25, 50, 75]))
    )
