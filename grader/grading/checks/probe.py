"""What the callback probe shows about the student's callback, in one sentence and one kind.

The harness called the callback's `on_epoch_end` on made-up logs (`grader.grading.harness.probe`);
this
module reads those calls. It never changes a score by itself: `early_stop` quotes it, and the
`callback_probe` check scores it only when the exercise spec gives it points (`[probe]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.formatting import fixed_percent, percent
from grader.grading.checks.base import CheckContext, Verdict, passed, skipped
from grader.grading.evidence import ACCURACY_KEYS, CallbackProbe, ProbeCall

# What the probe found, by kind. Only "ok" is the behaviour the task asks for.
KINDS = ("ok", "strict", "early", "always", "wrong_key", "self_flag", "no_hook", "never", "raises")


@dataclass(frozen=True)
class ProbeFinding:
    kind: str
    sentence: str  # ends with "(probed)"; reads after "your callback"
    callback: str
    source: str  # fit | namespace
    key: str = ""  # the log key it reacts to, when it reacts to one
    line: int | None = None
    cell: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_details(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sentence": self.sentence,
            "callback": self.callback,
            "source": self.source,
            "key": self.key,
            "line": self.line,
            **self.details,
        }


def _stops(calls: tuple[ProbeCall, ...], key: str) -> list[ProbeCall]:
    return [c for c in calls if c.key == key and c.stopped]


def _threshold_condition(stopped: set[str], threshold: float) -> tuple[str, str] | None:
    """Kind and sentence from the labels (of the four threshold points) at which it stopped."""
    if not stopped:
        return None
    if "clearly_below" in stopped or "just_below" in stopped:
        lowest = (threshold - 0.09) if "clearly_below" in stopped else (threshold - 0.001)
        return "early", f"already stops at {percent(lowest)}, below {percent(threshold)}"
    if stopped == {"at", "just_above"}:
        return "ok", f"stops at the first epoch at or over {percent(threshold)}"
    if stopped == {"just_above"}:
        return "strict", (
            f"stops only above {percent(threshold)}: at exactly {percent(threshold)} it trains on "
            f"(`>` where the task says {percent(threshold)} or greater)"
        )
    return "early", f"stops at {', '.join(sorted(stopped))} of {percent(threshold)}"


def _other_key(probe: CallbackProbe, key: str) -> str:
    values = sorted(c.value for c in _stops(probe.calls, key))
    if max(values) <= 0.3:
        return f"stops when `{key}` falls to {values[-1]:g} or below"
    return f"stops when `{key}` reaches {values[0]:g} or more"


def interpret(probe: CallbackProbe) -> ProbeFinding:
    calls = probe.calls
    base = {"callback": probe.name, "source": probe.source}
    details = {"keys": list(probe.keys), "calls": len(calls)}
    if not calls:
        return ProbeFinding("never", "could not be probed (probed)", details=details, **base)
    if timed_out := next((c for c in calls if c.timed_out), None):
        return ProbeFinding(
            "raises", "did not return within a second when called (probed)", **base,
            line=timed_out.line, details=details,
        )  # fmt: skip
    if raised := next((c for c in calls if c.error), None):
        cell = f"cell {raised.cell}, " if raised.cell else ""
        where = f" at {cell}line {raised.line}" if raised.line else ""
        shown = ", ".join(f"logs['{k}']" for k in probe.keys)
        return ProbeFinding(
            "raises",
            f"raises {raised.error}{where} when called with {shown} (probed)",
            line=raised.line,
            cell=raised.cell,
            details={**details, "error": raised.error},
            **base,
        )
    neutral = next((c for c in calls if c.label == "neutral"), None)
    if neutral is not None and neutral.stopped:
        return ProbeFinding(
            "always",
            f"stops at any epoch, even at {percent(neutral.value)} accuracy (probed)",
            details=details,
            **base,
        )
    accuracy_key = next((k for k in probe.keys if k in ACCURACY_KEYS), "")
    if accuracy_key:
        stopped = {c.label for c in _stops(calls, accuracy_key)}
        found = _threshold_condition(stopped, probe.threshold)
        if found is not None:
            kind, sentence = found
            printed = next((c.printed for c in _stops(calls, accuracy_key)), "")
            return ProbeFinding(
                kind,
                f"{sentence} (probed)",
                key=accuracy_key,
                details={**details, "printed_when_stopping": printed},
                **base,
            )
    for key in probe.keys:
        if key != accuracy_key and _stops(calls, key):
            return ProbeFinding(
                "wrong_key",
                f"{_other_key(probe, key)} (probed), not on training accuracy",
                key=key,
                details=details,
                **base,
            )
    if any(c.self_flag for c in calls):
        return ProbeFinding(
            "self_flag",
            "sets `self.stop_training`, which Keras never reads, instead of "
            "`self.model.stop_training` (probed)",
            details=details,
            **base,
        )
    if "on_epoch_end" not in probe.hooks:
        defined = ", ".join(probe.hooks) or "no hook"
        return ProbeFinding(
            "no_hook",
            f"has no `on_epoch_end` ({defined}), so nothing runs at an epoch's end (probed)",
            details=details,
            **base,
        )
    top = max((c.value for c in calls if c.key == accuracy_key), default=probe.threshold)
    return ProbeFinding(
        "never",
        f"did not stop at any probe, not even at {percent(top)} (probed)",
        key=accuracy_key,
        details=details,
        **base,
    )


def probe_finding(ctx: CheckContext) -> ProbeFinding | None:
    """The finding on the callback that matters: the graded fit's first, else one in the code."""
    probes = ctx.evidence.probes
    chosen = next((p for p in probes if p.source == "fit"), None) or next(iter(probes), None)
    return interpret(chosen) if chosen is not None else None


def callback_probe(ctx: CheckContext) -> Verdict:
    """Scored only when the spec gives the probe points: the callback, judged on its own."""
    finding = probe_finding(ctx)
    if finding is None:
        return skipped("no callback to probe: none was passed to fit or defined")
    message = f"your callback {finding.sentence}"
    if finding.kind == "ok":
        return passed(message, **finding.as_details())
    if finding.kind == "strict":  # the task accepts `>`: a pass, with the note
        return Verdict("pass", message, hint_id="greater_than", details=finding.as_details())
    return Verdict("fail", message, hint_id=HINTS[finding.kind], details=finding.as_details())


# The catalogue's hint for each kind of finding that is not what the task asks for.
HINTS = {
    "early": "stop_condition",
    "always": "stop_condition",
    "wrong_key": "stop_condition",
    "self_flag": "self_stop_training",
    "no_hook": "callback_signature",
    "never": "probe_never_stops",
    "raises": "probe_raises",
}


def _fit_was_given_callbacks(ctx: CheckContext) -> bool:
    """Whether the graded fit received a `callbacks` argument with something in it: then "fit
    never received it" would blame the student for what the grader failed to follow."""
    fit = ctx.evidence.graded_fit
    return fit is not None and fit.callbacks_given and bool(fit.callbacks)


def with_probe(verdict: Verdict, ctx: CheckContext) -> Verdict:
    """`early_stop`'s verdict with the probe's sentence where it tells the student more.

    The status and score stay the real run's; only the message, details and, where the run alone
    could not tell callback from model, the hint change.
    """
    finding = probe_finding(ctx)
    if finding is None:
        return verdict
    details = {**verdict.details, "probe": finding.as_details()}
    message, hint_id = verdict.message, verdict.hint_id
    if verdict.hint_id == "keep_training" and finding.kind == "ok":
        best = max((a for a in verdict.details.get("accuracies", []) if a is not None), default=0)
        runs = verdict.details.get("epochs_run")
        message = (
            f"your callback {finding.sentence}; your model only reached {fixed_percent(best)} "
            f"in {runs} "
            "epoch(s): the model, not the callback, needs work"
        )
        hint_id = "model_not_callback"
    elif (
        finding.kind == "ok"
        and finding.source == "namespace"
        and verdict.status not in ("pass", "error")
        and not _fit_was_given_callbacks(ctx)
    ):
        message += f"; your callback {finding.sentence}, but fit never received it"
    elif finding.kind != "ok" or verdict.status == "skip":
        message += f"; your callback {finding.sentence}"
    return Verdict(verdict.status, message, hint_id, verdict.hint_values, details)
