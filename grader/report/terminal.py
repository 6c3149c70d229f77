"""Terminal output: live training progress and the verdict, plain text when not a terminal."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.markup import escape

from grader.formatting import STATUS_MARKS, fixed_percent, points
from grader.results import Robustness, SubmissionResult


class Progress:
    """Prints one line per finished epoch as the evidence streams in from the child."""

    def __init__(self, console: Console, label: str) -> None:
        self.console, self.label = console, label
        self.started = time.monotonic()
        self.epochs_requested: int | None = None

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "fit_start":
            self.epochs_requested = event.get("epochs")
            self.console.print(
                f"[dim]{escape(self.label)}: training started "
                f"({self.epochs_requested} epochs requested)[/dim]"
            )
        elif kind == "epoch":
            logs = event.get("logs", {})
            acc = next((logs[k] for k in ("accuracy", "acc") if k in logs), None)
            parts = [
                f"epoch {int(event.get('epoch', 0)) + 1}"
                + (f"/{self.epochs_requested}" if self.epochs_requested else "")
            ]
            if acc is not None:
                parts.append(f"accuracy {acc:.4f}")
            if "loss" in logs:
                parts.append(f"loss {logs['loss']:.4f}")
            parts.append(f"{time.monotonic() - self.started:.0f} s")
            self.console.print(f"[dim]{escape(self.label)}: {escape(', '.join(parts))}[/dim]")
        elif kind == "seed_run":
            if event.get("number") == 2:
                self.console.print(f"[yellow]borderline:[/yellow] {escape(str(event['reason']))}")
            self.console.print(
                f"[dim]{escape(self.label)}: run {event['number']} of {event['of']}, "
                f"seed {event['seed']}[/dim]"
            )
            self.started = time.monotonic()
        elif kind == "entry_point":
            self.console.print(
                f"[dim]{escape(self.label)}: calling {escape(str(event.get('name')))}()[/dim]"
            )


def verdict_line(result: SubmissionResult) -> str:
    word = "PASSED" if result.passed else ("TIMED OUT" if result.status == "timeout" else "FAILED")
    if result.status == "missing":  # a roster student with no submission
        shown = f"{points(result.score)}/{points(result.max_score)}"
        return f"{result.id}: MISSING {shown} ({result.exercise})"
    return (
        f"{result.id}: {word} {points(result.score)}/{points(result.max_score)} "
        f"({result.exercise}, {result.duration_s:.1f} s, isolation {result.isolation})"
    )


def print_verdict(console: Console, result: SubmissionResult, report: str | None = None) -> None:
    colour = "green" if result.passed else "red"
    console.print(f"[bold {colour}]{escape(verdict_line(result))}[/bold {colour}]")
    for check in result.checks:
        shown = STATUS_MARKS[check.status]
        mark, style = shown.mark, shown.colour
        console.print(
            f"  [{style}]{mark} {check.status:<5}[/{style}] {check.id:<15} "
            f"{points(check.score)}/{points(check.max_score)}  {escape(check.message)}"
        )
    for notice in result.notices:
        console.print(f"  [yellow]note[/yellow] {escape(notice)}")
    if result.robustness is not None:
        print_seeds(console, result.robustness)
    first = result.first_failure()
    if first is not None and first.hint:
        console.print(f"\n[bold]Hint ({escape(first.id)}):[/bold] {escape(first.hint)}")
    if result.error_location is not None:
        loc = result.error_location
        console.print(f"\n[bold]Your code, {escape(loc.label())}:[/bold]")
        for number, text in loc.excerpt:
            pointer = ">" if number == loc.line else " "
            console.print(f"  {pointer} {number:4d} | {escape(text)}")
    if report:
        console.print(f"\nReport: {escape(report)}")


def print_seeds(console: Console, robustness: Robustness) -> None:
    """The seeds a borderline verdict was decided on, one line each."""
    style = "green" if robustness.agreed else "yellow"
    console.print(f"  [{style}]seeds[/{style}] {escape(robustness.summary())}")
    console.print(f"        why: {escape(robustness.reason)}")
    for run in robustness.runs:
        figures = [f"seed {run.seed}"]
        if run.test_accuracy is not None:
            figures.append(f"test {fixed_percent(run.test_accuracy)}")
        if run.reached_epoch is not None:
            figures.append(f"reached at epoch {run.reached_epoch}")
        elif run.train_accuracies:
            figures.append(f"best training {fixed_percent(max(run.train_accuracies))}")
        failing = [check for check, status in run.checks.items() if status != "pass"]
        figures.append("fails " + ", ".join(failing) if failing else "passes")
        if run.note:
            figures.append(run.note)
        console.print(f"        {escape(', '.join(figures))}")
