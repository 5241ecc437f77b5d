"""The digest of each named graph of the SPARQL store's master, kept beside it in SQLite: a refresh
rewrites only the graphs whose lines differ from those they were loaded from.

At 1M, most nodes a load batch writes (the topics, repositories and known authors it names) come out as
they were, and removing a graph from the store costs about as much as loading it.
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

PER_QUERY = 500  # graph names in one SELECT, below SQLite's limit on parameters


def digest(lines: Iterable[str]) -> bytes:
    """The digest of a graph's lines, whatever their order."""
    return hashlib.blake2b("".join(sorted(lines)).encode(), digest_size=16).digest()


class GraphDigests:
    """Graph name -> digest, in one SQLite file; changes are kept when `commit` is called."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS graph (name TEXT PRIMARY KEY, digest BLOB NOT NULL) WITHOUT ROWID")

    def known(self, names: list[str]) -> dict[str, bytes]:
        """The digests of those of `names` the file holds."""
        out: dict[str, bytes] = {}
        for start in range(0, len(names), PER_QUERY):
            part = names[start:start + PER_QUERY]
            out.update(self.db.execute(f"SELECT name, digest FROM graph WHERE name IN ({','.join('?' * len(part))})",
                                       part))
        return out

    def set(self, pairs: Iterable[tuple[str, bytes]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO graph VALUES (?, ?)", pairs)

    def drop(self, names: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM graph WHERE name = ?", ((n,) for n in names))

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.close()
