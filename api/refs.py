"""Finding a node from what a user typed, by the rule of kg.store.refs, batched per request."""
from __future__ import annotations

from typing import Any

from api.context import Context
from api.errors import UserError
from kg.store import refs as rule

REF_QUERIES = {label: rule.by_ref(label) for label in rule.LABELS}


def ref(label: str, value: str) -> dict[str, Any]:
    """The `ref` parameter of kg.store.refs.find_ref: the user's value and the ids it may stand for."""
    return rule.ref(label, value)


def unknown(label: str, value: str) -> UserError:
    """The error for a value that names no node."""
    return UserError(rule.message(label, value))


async def find(ctx: Context, label: str, value: str) -> dict[str, Any] | None:
    """The node of `label` whose id, derived id or name is `value`, or None."""
    def to_params(keys: list[str]) -> dict[str, Any]:
        return rule.refs_params(label, keys)

    return await ctx.item(REF_QUERIES[label], value, to_params=to_params)


async def require(ctx: Context, label: str, value: str) -> dict[str, Any]:
    """Like `find`, but an unknown value is a UserError naming it."""
    found = await find(ctx, label, value)
    if found is None:
        raise unknown(label, value)
    return found
