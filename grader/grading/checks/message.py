"""`stop_message`: was the exact message printed at the end of the epoch where training stops?"""

from __future__ import annotations

import difflib

from grader.grading.checks.base import (
    CheckContext,
    Verdict,
    char_diff,
    failed,
    no_training,
    passed,
    visible,
)
from grader.grading.fit_evidence import first_epoch_reaching


def _closest(expected: str, lines: list[str]) -> str | None:
    scored = [(difflib.SequenceMatcher(a=expected, b=line).ratio(), line) for line in lines]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] >= 0.5 else None


def stop_message(ctx: CheckContext) -> Verdict:
    if (verdict := no_training(ctx)) is not None:
        return verdict
    expected = ctx.spec.stop_message or ""
    fit = ctx.evidence.graded_fit
    assert fit is not None
    target = first_epoch_reaching(fit.epochs, ctx.spec.accuracy_threshold or 0.0)
    printed = [p for p in ctx.evidence.prints if p.fit == fit.index and p.phase == "epoch_end"]
    by_epoch: dict[int | None, list[str]] = {}
    for p in printed:
        by_epoch.setdefault(p.epoch, []).extend(
            line.strip() for line in p.text.split("\n") if line.strip()
        )
    anywhere = [line for lines in by_epoch.values() for line in lines] + [
        line.strip()
        for p in ctx.evidence.prints
        if p.phase == "outside"
        for line in p.text.split("\n")
        if line.strip()
    ]
    details: dict[str, object] = {"expected": expected}
    if target is None:
        if expected in anywhere:
            return failed(
                "the message was printed, but training accuracy never reached the threshold",
                "stop_condition",
                **details,
            )
        return failed(
            "training never reached the threshold, so the message is not due",
            "keep_training",
            **details,
        )
    at_target = by_epoch.get(target.epoch, [])
    details["epoch"] = target.epoch + 1
    if expected in at_target:
        return passed(
            f"printed at the end of epoch {target.epoch + 1}", printed=expected, **details
        )
    epochs_with_message = [
        e for e, lines in by_epoch.items() if expected in lines and e is not None
    ]
    if epochs_with_message:
        return failed(
            f"printed at the end of epoch {epochs_with_message[0] + 1}, but accuracy "
            f"first reached the threshold at epoch {target.epoch + 1}",
            "stop_condition",
            printed=expected,
            **details,
        )
    near = _closest(expected, at_target)
    if near is None and expected not in anywhere:  # the exact text elsewhere is no near miss
        near = _closest(expected, anywhere)
    if near is not None:
        hint = "message_slash_n" if "/n" in near else "message_text"
        return failed(
            f'printed "{visible(near)}" instead of "{expected}" '
            f"(diff: {char_diff(expected, near)})",
            hint,
            printed=near,
            diff=char_diff(expected, near),
            **details,
        )
    if expected in anywhere:
        return failed(
            "printed outside the callback, not at the end of the stopping epoch",
            "callback_not_passed",
            printed=expected,
            **details,
        )
    if not fit.student_callbacks:
        hint = "callback_not_passed"
    elif not any("on_epoch_end" in cb.hooks for cb in fit.student_callbacks):
        hint = "callback_signature"  # the hook is misspelled: it never ran
    else:
        hint = "message_text"
    return failed(
        f"the message was not printed at the end of epoch {target.epoch + 1}", hint, **details
    )
