"""The grader's version: one home, read by the package, the CLI, the reports and the cache key."""

__version__ = "0.1.0"
