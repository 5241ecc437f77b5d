"""What a load has left to refresh in the SPARQL store, in SQLite beside it (`journal.sqlite`): so a load
that is stopped leaves the ids to refresh, not a store to rebuild.

A load writes a transaction's ids here before Neo4j commits it, and removes them once a refresh that
read them after the commit is published; a row of a transaction that never committed costs a refresh
that changes nothing. Author resolution's transactions say what they changed only after their commit,
so a load writes the name blocks it resolves first (`BLOCK` rows) and removes them when it ends.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

BLOCK = "block"  # the label of a row that names an author name block rather than a node

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, pid INTEGER NOT NULL, label TEXT NOT NULL,
                                    id TEXT NOT NULL)
"""


class Journal:
    """The ids (by label) that loads, by process id, have left to refresh."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Rows are written by a load's writer and removed by its refresh thread; two loads may share the file.
        self.db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self.lock = threading.Lock()
        with self.lock:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # durable when the process is killed, not the machine
            self.db.execute(_SCHEMA)

    def add(self, pid: int, touched: Mapping[str, Iterable[str]]) -> int:
        """Record the ids of `pid`; the sequence number of the last row (0 when none was added)."""
        rows = [(pid, label, node_id) for label, ids in touched.items() for node_id in ids]
        with self.lock, self.db:
            self.db.executemany("INSERT INTO pending (pid, label, id) VALUES (?, ?, ?)", rows)
        return self.last(pid) if rows else 0

    def last(self, pid: int) -> int:
        """The sequence number of `pid`'s newest row (0 when it has none)."""
        with self.lock:
            return int(self.db.execute("SELECT coalesce(max(seq), 0) FROM pending WHERE pid = ?", (pid,)).fetchone()[0])

    def refreshed(self, pid: int, upto: int) -> None:
        """Remove `pid`'s node rows up to `upto`: a published refresh read them after their commit."""
        with self.lock, self.db:
            self.db.execute("DELETE FROM pending WHERE pid = ? AND seq <= ? AND label != ?", (pid, upto, BLOCK))

    def pending(self, pids: Iterable[int]) -> dict[str, set[str]]:
        """What these processes left, by label (name blocks under BLOCK)."""
        out: dict[str, set[str]] = {}
        with self.lock:
            for pid in pids:
                for label, node_id in self.db.execute("SELECT label, id FROM pending WHERE pid = ?", (pid,)):
                    out.setdefault(label, set()).add(node_id)
        return out

    def drop(self, pids: Iterable[int]) -> None:
        """Remove every row of these processes."""
        with self.lock, self.db:
            self.db.executemany("DELETE FROM pending WHERE pid = ?", ((pid,) for pid in pids))

    def close(self) -> None:
        self.db.close()
