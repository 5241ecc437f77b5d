"""A page of a full-text search without filters, from Lucene's top hits, in one order even at ties.

Lucene hands back its top n hits by score, but hits of equal score in no fixed order, so a page cut
from them could repeat a paper of the page before and miss another. More hits are read until every
hit scoring as high as the page's last is in hand; then they are ordered by score, then id.
"""
from __future__ import annotations

from api import cypher
from api.context import Context
from api.db import Row

TIE_SLACK = 16  # hits read beyond the page, so that one read is enough unless many tie at its edge


async def top_hits(ctx: Context, search: str, skip: int, limit: int) -> list[Row]:
    """Hits skip..skip+limit of `search` by score, then id: rows {node, score}."""
    want = skip + limit
    n = want + TIE_SLACK
    while True:
        rows = await ctx.read(cypher.PAPERS_SEARCH_TOP, search=search, n=n)
        if len(rows) < n or want == 0 or rows[want - 1]["score"] > rows[-1]["score"]:
            break
        n *= 2
    rows.sort(key=lambda row: (-row["score"], row["node"]["id"]))
    return rows[skip:want]
