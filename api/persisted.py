"""Persisted queries: Apollo's APQ protocol (a request gives `extensions.persistedQuery.sha256Hash`; on a miss
the client sends the text with the hash, which is kept) and an allowlist mode that runs only the queries of
KG_API_PERSISTED_QUERIES (a JSON file {sha256: query}) and keeps no new ones (KG_API_PERSISTED_ONLY)."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from kg.errors import KgError
from kg.settings import settings

MAX_KEPT = 10_000  # queries registered over APQ, the least recently used dropped beyond


class Refused(Exception):
    """A persisted-query request that cannot run: its message, and the `code` of its error's extensions."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def sha256(query: str) -> str:
    """The hex SHA-256 of a query's text, as APQ clients compute it."""
    return hashlib.sha256(query.encode()).hexdigest()


class Store:
    """The queries known by hash: those of the file, and (unless `only`) those registered over APQ."""

    def __init__(self, fixed: dict[str, str], only: bool) -> None:
        self.fixed = fixed
        self.only = only
        self.kept: OrderedDict[str, str] = OrderedDict()

    def query(self, query: str | None, extensions: Any) -> str | None:
        """The text to run for a request's `query` and `extensions`; Refused when it may not run."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            if self.only and query is not None:
                raise Refused("only persisted queries run here: send extensions.persistedQuery.sha256Hash of a "
                              "query of the allowlist", "PERSISTED_QUERY_NOT_ALLOWED")
            return query
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or persisted.get("version", 1) != 1:
            raise Refused("persistedQuery needs version 1 and a sha256Hash string", "PERSISTED_QUERY_INVALID")
        known = self.fixed.get(digest) or self.kept.get(digest)
        if query is None:
            if known is None:
                raise Refused("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            if digest in self.kept:
                self.kept.move_to_end(digest)
            return known
        if sha256(query) != digest:
            raise Refused("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
        if known is None:
            if self.only:
                raise Refused("this query is not in the allowlist of persisted queries",
                              "PERSISTED_QUERY_NOT_ALLOWED")
            self.kept[digest] = query
            if len(self.kept) > MAX_KEPT:
                self.kept.popitem(last=False)
        return query


def load(path: Path | None) -> dict[str, str]:
    """The {sha256: query} of an allowlist file; KgError for a file that is missing, not that JSON, or whose
    hashes do not match their queries."""
    if path is None:
        return {}
    try:
        found = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise KgError(f"KG_API_PERSISTED_QUERIES={path}: {exc}") from None
    if not isinstance(found, dict) or not all(isinstance(q, str) and sha256(q) == h for h, q in found.items()):
        raise KgError(f"KG_API_PERSISTED_QUERIES={path}: want a JSON object of sha256 hex -> query text")
    return found


@lru_cache(maxsize=4)
def _store(path: Path | None, only: bool) -> Store:
    return Store(load(path), only)


def store() -> Store:
    """The process's store, as the settings configure it (the app keeps it: reading the settings from the
    environment took a tenth of a request's CPU)."""
    conf = settings()
    return _store(conf.persisted_queries, conf.persisted_only)
