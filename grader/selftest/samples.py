"""The exercise's sample class against its manifest, `samples/<id>.toml`: what each sample
demonstrates, whether it passes, and the checks it must fail. Every class keeps a passing one."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.locations import IMPORT_ROOT
from grader.results import SubmissionResult
from grader.selftest.outcome import FAILED, SampleVerdict
from grader.spec.exercise import ExerciseSpec

SAMPLES_ROOT = IMPORT_ROOT / "samples"


@dataclass(frozen=True)
class SampleClaim:
    id: str
    demonstrates: str
    passes: bool
    fails: tuple[str, ...]


def sample_folder(spec: ExerciseSpec) -> Path | None:
    folder = SAMPLES_ROOT / spec.id
    return folder if folder.is_dir() else None


def manifest_path(spec: ExerciseSpec) -> Path:
    return SAMPLES_ROOT / f"{spec.id}.toml"


def read_manifest(path: Path, spec: ExerciseSpec) -> list[SampleClaim]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    claims = []
    for sample_id, table in raw.items():
        if not isinstance(table, dict) or "demonstrates" not in table or "passes" not in table:
            raise UsageError(f"{path} [{sample_id}]: needs `demonstrates` and `passes`")
        fails = tuple(table.get("fails", ()))
        unknown = [c for c in fails if c not in spec.points]
        if unknown:
            raise UsageError(
                f"{path} [{sample_id}]: `fails` names checks {spec.id} lacks: {unknown}"
            )
        claims.append(
            SampleClaim(sample_id, str(table["demonstrates"]), bool(table["passes"]), fails)
        )
    return claims


def check_samples(
    spec: ExerciseSpec, results: list[SubmissionResult] | None
) -> tuple[list[SampleVerdict], list[str]]:
    """Each graded sample against its claim (`results` None: the manifest alone), and the
    problems: a sample without a claim, a claim without a sample, no passing sample."""
    folder = sample_folder(spec)
    if folder is None:
        return [], []
    path = manifest_path(spec)
    if not path.is_file():
        return [], [f"{path}: missing; it says what each sample of {folder} demonstrates"]
    claims = {c.id: c for c in read_manifest(path, spec)}
    present = {p.stem for p in folder.iterdir() if p.suffix in (".py", ".ipynb")}
    problems = [f"{path}: no claim for sample {s}" for s in sorted(present - set(claims))]
    problems += [
        f"{path}: [{s}] names no sample in {folder}" for s in sorted(set(claims) - present)
    ]
    if not any(c.passes for c in claims.values()):
        problems.append(f"{path}: the sample class has no passing submission")
    verdicts = []
    for result in results or []:
        claim = claims.get(result.id)
        if claim is None:
            continue
        failed = [c.id for c in result.checks if c.status in FAILED]
        agrees = result.passed == claim.passes and all(c in failed for c in claim.fails)
        verdicts.append(
            SampleVerdict(
                result.id, claim.demonstrates, claim.passes, list(claim.fails), result.passed,
                failed, agrees,
            )
        )  # fmt: skip
    if results is not None and not any(v.passed for v in verdicts):
        problems.append(f"{folder}: no sample passes: the class lost its passing example")
    return verdicts, problems
