"""The one shape of every registry (checks, static rules, exporters, executors): named entries,
listed explicitly in one place by the package that owns them, read by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from grader.errors import UsageError

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """Entries of one kind, in the order they were listed; names are unique."""

    def __init__(self, kind: str, entries: Iterable[tuple[str, T]]) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        for name, entry in entries:
            if name in self._entries:
                raise ValueError(f"{kind} {name!r} is registered twice")
            self._entries[name] = entry

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_explain(self, name: str) -> T:
        """The entry called `name`, or a usage error that lists the known names."""
        if name not in self._entries:
            known = ", ".join(self._entries) or "none"
            raise UsageError(f"unknown {self.kind} {name!r} (known: {known})")
        return self._entries[name]
