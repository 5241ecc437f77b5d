"""Finding a node from what a user typed: its id, or its name (an author's, a topic's, a repo's owner/name)."""
from __future__ import annotations

from collections.abc import Callable

from api import cypher
from api.context import Context
from api.errors import UserError, quoted
from kg.graph.ids import author_id, slug, topic_id


def _repo_ids(value: str) -> list[str]:
    full = value.lower()
    return [full, "hf:" + full]


# label -> the ids a user's string may stand for (the loader derives ids from names the same way)
CANDIDATE_IDS: dict[str, Callable[[str], list[str]]] = {
    "Author": lambda v: [v, author_id(v)],
    "Institution": lambda v: [v, slug(v)],
    "Repo": _repo_ids,
    "Topic": lambda v: [v, topic_id("keyphrase", v), "arxiv:" + v],
}
REF_QUERIES = {label: cypher.by_ref(label) for label in CANDIDATE_IDS}


def ref(label: str, value: str) -> dict:
    """The `ref` parameter of cypher.find_ref: the user's value and the ids it may stand for."""
    return {"value": value, "ids": CANDIDATE_IDS[label](value)}


def unknown(label: str, value: str) -> UserError:
    """The error for a value that names no node."""
    return UserError(f"no {label.lower()} has the id or name {quoted(value)}")


async def find(ctx: Context, label: str, value: str) -> dict | None:
    """The node of `label` whose id, derived id or name is `value`, or None."""
    def to_params(keys: list[str]) -> dict:
        return {"refs": [ref(label, key) for key in keys]}

    return await ctx.item(REF_QUERIES[label], value, to_params=to_params)


async def require(ctx: Context, label: str, value: str) -> dict:
    """Like `find`, but an unknown value is a UserError naming it."""
    found = await find(ctx, label, value)
    if found is None:
        raise unknown(label, value)
    return found
