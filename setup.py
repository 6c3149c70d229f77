"""Ships `exercises/` inside the package as `grader._exercises`, one package per exercise folder.

All package data is listed here: a `[tool.setuptools.package-data]` table in pyproject.toml
would silently replace this one. Everything else is in pyproject.toml. The exercise folders are
listed from the disk, so that adding an exercise needs no edit and setuptools sees each folder as
a package it was told about (it warns about every data folder it was not told about).
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

EXERCISES = Path("exercises")
exercise_packages = {
    "grader._exercises" + "".join("." + part for part in folder.relative_to(EXERCISES).parts): str(
        folder
    )
    for folder in [EXERCISES, *sorted(p for p in EXERCISES.rglob("*") if p.is_dir())]
    if "__pycache__" not in folder.parts
}
setup(
    packages=find_namespace_packages(include=["grader", "grader.*"], exclude=["*.__pycache__"])
    + list(exercise_packages),
    package_dir=exercise_packages,
    package_data={
        "grader.grading": ["hints.toml"],
        "grader.report.templates": ["*.j2"],
        "grader.web.templates": ["*.j2"],
        "grader.selftest.templates": ["*.j2"],
        "grader.web.static": ["*.js"],
        **{name: ["*"] for name in exercise_packages},
    },
)
