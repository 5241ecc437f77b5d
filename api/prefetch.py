"""Lists a compiled query (api/compile.py) already read, attached to the object they belong to."""
from __future__ import annotations

from typing import Any

from strawberry import Info

ATTRIBUTE = "_kg_prefetched"


def attach(obj: object, lists: dict[str, list[Any]]) -> None:
    """Give `obj` its lists, by the response key (alias or field name) of the field each one answers."""
    setattr(obj, ATTRIBUTE, lists)


def attached(obj: object, info: Info[Any, Any]) -> list[Any] | None:
    """The list attached to `obj` for the field `info` resolves, or None when it must be read."""
    lists: dict[str, list[Any]] | None = getattr(obj, ATTRIBUTE, None)
    return None if lists is None else lists.get(str(info.path.key))
