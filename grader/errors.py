"""Errors the grader itself reports: each maps to exit code 2 with a one-line plain message."""


class GraderError(Exception):
    """A problem with the grader's inputs or environment, not with the student's code."""

    exit_code = 2


class UsageError(GraderError):
    """The command was asked for something that does not exist or makes no sense."""


class InfrastructureError(GraderError):
    """The machine lacks something the grader needs (data, a tool, a working Python)."""


class DataError(InfrastructureError):
    """A data set is missing, corrupted or different from the one the grader verified."""
