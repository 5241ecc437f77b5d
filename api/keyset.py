"""Keyset pagination: a cursor holds the sort key of the row it stands on, and the next page is the rows
after that key in the same order (WHERE key > $after ORDER BY key LIMIT n), so page 1,000 reads what page 1
reads instead of skipping 20,000 rows. Every order ends with the node's id, so keys are unique."""
from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

import orjson

from api.errors import UserError

_KEY = "k:"
Scalar = str | int | float | bool


@dataclass(frozen=True)
class Order:
    """A total order: (Cypher expression, descending) pairs, the last one the node's id. Expressions are
    fixed text of this package (never user input) and never null (coalesce what may be missing)."""

    keys: tuple[tuple[str, bool], ...]

    def order_by(self) -> str:
        """The ORDER BY list."""
        return ", ".join(f"{expr} DESC" if desc else expr for expr, desc in self.keys)

    def key(self) -> str:
        """A list expression of the row's sort key, which its cursor encodes."""
        return "[" + ", ".join(expr for expr, _ in self.keys) + "]"

    def after(self) -> str:
        """A predicate true for rows strictly after the key in `$after`; it starts with a range on the first
        key, which the planner can seek in a range index when that key is an indexed property."""
        terms = []
        for i, (expr, desc) in enumerate(self.keys):
            ties = [f"{e} = $after[{j}]" for j, (e, _) in enumerate(self.keys[:i])]
            terms.append("(" + " AND ".join([*ties, f"{expr} {'<' if desc else '>'} $after[{i}]"]) + ")")
        first, desc = self.keys[0]
        return f"{first} {'<=' if desc else '>='} $after[0] AND (" + " OR ".join(terms) + ")"

    def projected(self) -> tuple[str, Order]:
        """A `WITH *, expr AS _k0` line for each key computed by a subquery (COUNT {...}), and the order on
        those names, so the planner computes each once per row rather than once per comparison."""
        computed = [(i, expr) for i, (expr, _) in enumerate(self.keys) if "{" in expr]
        if not computed:
            return "", self
        line = "WITH *, " + ", ".join(f"{expr} AS _k{i}" for i, expr in computed) + "\n"
        names = dict((i, f"_k{i}") for i, _ in computed)
        return line, Order(tuple((names.get(i, expr), desc) for i, (expr, desc) in enumerate(self.keys)))

    @property
    def tag(self) -> int:
        """A short checksum of the order, kept in cursors so that one order's cursor is refused by another."""
        return zlib.crc32(self.order_by().encode()) & 0xFFFF


def encode(order: Order, key: list[Scalar]) -> str:
    """The opaque cursor of a row whose sort key in `order` is `key`."""
    return base64.urlsafe_b64encode(_KEY.encode() + orjson.dumps([order.tag, *key])).decode()


def decode(cursor: str | None, order: Order) -> list[Scalar] | None:
    """The sort key in `cursor` (None for none); a cursor this API did not give for `order` is a UserError."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii"))
        if raw.startswith(_KEY.encode()):
            tag, *key = orjson.loads(raw[len(_KEY):])
            if (tag == order.tag and len(key) == len(order.keys)
                    and all(isinstance(v, (str, int, float, bool)) for v in key)):
                return list(key)
    except (binascii.Error, UnicodeError, ValueError, TypeError, orjson.JSONDecodeError):
        pass
    raise UserError("`after` is not a cursor this API gave out")
