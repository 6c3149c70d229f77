"""Grading one submission: read it, detect its exercise, static rules, an isolated run under the
harness, the evidence it streams, the evaluator's re-measurement, and the checks.

Exactly this package (with the spec and the result model) is what the cache key hashes
(`grader.classroom.keys`): a change here re-grades, a change anywhere else re-renders.
"""
