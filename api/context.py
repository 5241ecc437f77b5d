"""The per-request context: the database, its query count, and DataLoaders created on first use."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from strawberry.dataloader import DataLoader

from api.db import Database, Row


def _keys(keys: list[str]) -> dict[str, Any]:
    return {"keys": keys}


class Context:
    """One request's view of the graph: every Cypher query of the request goes through `read`."""

    def __init__(self, db: Database, compiled: bool = True) -> None:
        self.db = db
        self.compiled = compiled  # root lookups read with their selection in one statement (api/compile.py)
        self.queries = 0  # Cypher round trips of this request, reported in the response's extensions
        self._loaders: dict[tuple[str, str], DataLoader[str, Row | None]] = {}

    async def read(self, text: str, **params: Any) -> list[Row]:
        """Rows of one query, counted."""
        self.queries += 1
        return await self.db.read(text, **params)

    def loader(self, text: str, to_params: Callable[[list[str]], dict[str, Any]] = _keys,
               **params: Any) -> DataLoader[str, Row | None]:
        """The request's loader for `text`: keys batched into one query, rows {key, ...} by key."""
        cache_key = (text, repr(sorted(params.items())))
        found = self._loaders.get(cache_key)
        if found is None:
            async def load(keys: list[str]) -> list[Row | None]:
                rows = await self.read(text, **to_params(list(keys)), **params)
                by_key = {row["key"]: row for row in rows}
                return [by_key.get(key) for key in keys]

            found = self._loaders[cache_key] = DataLoader(load_fn=load)
        return found

    async def row(self, text: str, key: str, **params: Any) -> Row | None:
        """`text`'s row for `key`, batched with the request's other keys for the same query."""
        # The loader hands every caller of a key one future. Execution cancels the resolvers beside a failed
        # non-null field; a cancelled caller would cancel that shared future, and with it the other callers'.
        return await asyncio.shield(self.loader(text, **params).load(key))

    async def item(self, text: str, key: str, **params: Any) -> Row | None:
        """The `item` column of `text`'s row for `key` (null when there is none)."""
        row = await self.row(text, key, **params)
        return row["item"] if row else None

    async def items(self, text: str, key: str, **params: Any) -> list[Any]:
        """The `items` column of `text`'s row for `key` (empty when there is none): maps, or a count."""
        row = await self.row(text, key, **params)
        return row["items"] if row else []
