"""Relay-style connections: opaque offset cursors, one page query, a count query only when asked."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from api.context import Context
from api.db import Row
from api.errors import UserError
from api.limits import page_size
from api.types import resolver

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

    @resolver("How many items the whole list has (one extra query, only when asked).")
    async def total_count(self) -> int:
        return await self.count()


# A page's Cypher (given $skip and $limit), or a function of (skip, limit) that reads the page's rows.
Page = str | Callable[[int, int], Awaitable[list[Row]]]


async def connection(ctx: Context, queries: tuple[Page, str], build: Callable[[Row], T],
                     first: int, after: str | None, **params: Any) -> Connection[T]:
    """A page of `queries` (page, count; see cypher.page_queries) from `after`, `first` items long."""
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
