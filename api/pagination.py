"""Relay-style connections: opaque cursors (keyset ones, see api.keyset; offsets for Lucene's top hits), one
page query, a count query only when asked."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import Info
from strawberry.types.nodes import SelectedField, Selection

from api import keyset
from api.connections import Texts
from api.context import Context
from api.db import Row
from api.errors import UserError
from api.fields import resolver
from api.keyset import Order, Scalar
from api.limits import page_size

T = TypeVar("T")
_PREFIX = "offset:"


def encode_cursor(offset: int) -> str:
    """The opaque cursor of the item at `offset`."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset just after `cursor` (0 for none); a cursor we did not make is a UserError."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if text.startswith(_PREFIX) and text[len(_PREFIX):].isdigit():
            return int(text[len(_PREFIX):]) + 1
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise UserError("`after` is not a cursor this API gave out")


@strawberry.type(description="Where a page stands in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @resolver("How many items the whole list has (counted only when asked).")
    async def total_count(self) -> int:
        return await self.count()


# A page's Cypher (given $skip and $limit), or a function of (skip, limit) that reads the page's rows.
Page = str | Callable[[int, int], Awaitable[list[Row]]]


async def connection(ctx: Context, queries: tuple[Page, str], build: Callable[[Row], T],
                     first: int, after: str | None, **params: Any) -> Connection[T]:
    """A page of `queries` (page, count) from `after`, `first` items long."""
    skip = decode_cursor(after)
    size = page_size(first)
    page = queries[0]
    rows = await (ctx.read(page, skip=skip, limit=size + 1, **params) if isinstance(page, str)
                  else page(skip, size + 1))
    edges = [Edge(node=build(row["node"]), cursor=encode_cursor(skip + i)) for i, row in enumerate(rows[:size])]

    async def count() -> int:
        total: int = (await ctx.read(queries[1], **params))[0]["total"]
        return total

    info = PageInfo(has_next_page=len(rows) > size, has_previous_page=skip > 0,
                    start_cursor=edges[0].cursor if edges else None,
                    end_cursor=edges[-1].cursor if edges else None)
    return Connection(edges=edges, page_info=info, count=count)


def _page(rows: list[Row], size: int, order: Order, build: Callable[[Row], T], after: list[Scalar] | None,
          count: Callable[[], Awaitable[int]]) -> Connection[T]:
    """A Connection of up to `size` rows {node, key} (one more tells there is a next page)."""
    edges = [Edge(node=build(row["node"]), cursor=keyset.encode(order, row["key"])) for row in rows[:size]]
    info = PageInfo(has_next_page=len(rows) > size, has_previous_page=after is not None,
                    start_cursor=edges[0].cursor if edges else None,
                    end_cursor=edges[-1].cursor if edges else None)
    return Connection(edges=edges, page_info=info, count=count)


async def keyset_connection(ctx: Context, texts: Texts, order: Order, build: Callable[[Row], T],
                            first: int, after: str | None, total: bool = False, **params: Any) -> Connection[T]:
    """A root connection's page after the cursor `after` (see api.keyset), `first` items long; with `total`,
    its count read by the same statement."""
    key = keyset.decode(after, order)
    size = page_size(first)
    cursor = {} if key is None else {"after": key}
    known: int | None = None
    if total:  # the count in the page's own statement: one round trip, one transaction
        found = (await ctx.read(texts.counted[key is not None], limit=size + 1, **cursor, **params))[0]
        rows, known = found["rows"], int(found["total"])
    else:
        rows = await ctx.read(texts.first if key is None else texts.next, limit=size + 1, **cursor, **params)

    async def count() -> int:
        if known is not None:
            return known
        found: int = (await ctx.read(texts.count, **params))[0]["total"]
        return found

    return _page(rows, size, order, build, key, count)


def asks_total(info: Info[Any, Any]) -> bool:
    """Whether the connection field being resolved selects totalCount (directly or in a fragment)."""
    def selects(selections: list[Selection]) -> bool:
        return any(s.name == "totalCount" if isinstance(s, SelectedField) else selects(s.selections)
                   for s in selections)

    return any(selects(field.selections) for field in info.selected_fields)


async def nested_connection(ctx: Context, texts: Texts, parent: str, order: Order, build: Callable[[Row], T],
                            first: int, after: str | None, total: bool = False, **params: Any) -> Connection[T]:
    """A connection under the node `parent`, batched with its siblings' (same arguments) in one query; with
    `total`, its count read by the same statement."""
    key = keyset.decode(after, order)
    size = page_size(first)
    cursor = {} if key is None else {"after": key}
    known: int | None = None
    if total:
        row = await ctx.row(texts.counted[key is not None], parent, limit=size + 1, **cursor, **params)
        rows, known = (row["items"], int(row["total"])) if row else ([], 0)
    else:
        rows = await ctx.items(texts.first if key is None else texts.next, parent, limit=size + 1, **cursor,
                               **params)

    async def count() -> int:
        if known is not None:
            return known
        found = await ctx.items(texts.count, parent, **params)
        return int(found[0]) if found else 0

    return _page(rows, size, order, build, key, count)
