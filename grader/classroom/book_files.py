"""The gradebook's memory of a class's files: each file on disk as stat last saw it (device,
inode, size, modification and change times) and what its bytes hashed to, so that a re-run
reads and hashes again only the files whose stat changed (grader.classroom.groups.FileMemo)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from grader.classroom.book_store import Connected


class FileHashes(Connected):
    def file_hashes(self, paths: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """path -> (its stat stamp, content key, sha256) for the files of `paths` known."""
        listed = json.dumps(list(paths), ensure_ascii=False)
        return {
            path: (stamp, content, sha)
            for path, stamp, content, sha in self.db.execute(
                "SELECT path, stamp, content_key, sha256 FROM file_hashes "
                "WHERE path IN (SELECT value FROM json_each(?))",
                (listed,),
            )
        }

    def remember_files(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """(path, stat stamp, content key, sha256) of files hashed in this run, one transaction."""
        rows = list(rows)
        if not rows:
            return
        with self._transaction():
            self.db.executemany("INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?)", rows)
