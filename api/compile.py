"""A root lookup compiled with its selection into one Cypher statement, the plan cached per query text.

The list fields that read a fixed `cypher.Step` (Author.papers, Paper.authors, Paper.repos...) become nested
COLLECT subqueries with the step's own order and `first`; their objects come back attached to their parents
(api/prefetch.py), so their resolvers read nothing. Any other field resolves as before, from the node's
properties or its DataLoader; a selection the compiler does not handle (fragments, directives, a field given
twice) leaves its list, or the whole root field, to the resolvers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry import Info
from strawberry.types.nodes import get_variable_values

from api import cypher
from api.context import Context
from api.db import Row
from api.limits import MAX_PAGE
from api.prefetch import attach
from api.types import node
from kg.store import refs as rule

N = TypeVar("N")
MAX_PLANS = 512  # query texts whose plans are kept, as api/schema.py keeps their parses
Raw = GraphQLResolveInfo[Context]
DEFINITION = "strawberry-definition"  # where Strawberry keeps a GraphQL type's or field's own definition


@dataclass(frozen=True)
class Level:
    """What to build from one map of a compiled row: a `cls` object, and its lists from their columns."""

    cls: type
    lists: tuple[Child, ...]


@dataclass(frozen=True)
class Child:
    """A compiled list field: its response key, its column in the parent's map, its `first` parameter."""

    key: str
    column: str
    level: Level
    first: tuple[str, GraphQLField, FieldNode] | None  # the parameter, and the field its value is read from


@dataclass(frozen=True)
class Plan:
    """A root field's compiled statement (rows {key, item}, batched over $keys or $refs) and its objects."""

    text: str
    level: Level
    firsts: tuple[tuple[str, GraphQLField, FieldNode], ...]

    def params(self, variables: dict[str, Any]) -> dict[str, int] | None:
        """The `first` of each compiled list; None when one is out of range (its resolver says so)."""
        params: dict[str, int] = {}
        for name, field, field_node in self.firsts:
            first = _first(field, field_node, variables)
            if first is None or not 0 <= first <= MAX_PAGE:
                return None
            params[name] = first
        return params

    def build(self, item: Row) -> Any:
        """The root object of a row's item, its compiled lists attached all the way down."""
        return _build(self.level, item)


def _first(field: GraphQLField, field_node: FieldNode, variables: dict[str, Any]) -> int | None:
    """The `first` a field is given: a literal, a variable's value or the default; None for anything else."""
    default = field.args["first"].default_value
    given = next((a.value for a in field_node.arguments or () if a.name.value == "first"), None)
    if isinstance(given, IntValueNode):
        value = int(given.value)
    elif isinstance(given, VariableNode):
        value = variables.get(given.name.value, default)
    else:
        value = default
    return value if type(value) is int else None


def _build(level: Level, item: Row) -> Any:
    found: Any = node(level.cls, item)
    if level.lists:
        attach(found, {c.key: [_build(c.level, m) for m in item[c.column]] for c in level.lists})
    return found


class _Compiler:
    """Writes one statement's map projections, naming its variables and parameters in order."""

    def __init__(self) -> None:
        self.count = 0
        self.firsts: list[tuple[str, GraphQLField, FieldNode]] = []

    def projection(self, var: str, parent: GraphQLObjectType,
                   selections: SelectionSetNode) -> tuple[Level, str] | None:
        """The Level of `parent` objects bound to `var` and the map projection that reads them."""
        props, complete, lists, columns, keys = ["id"], False, [], [], set()
        for sel in selections.selections:
            if not isinstance(sel, FieldNode) or sel.directives:
                return None
            key = (sel.alias or sel.name).value
            if key in keys:
                return None
            keys.add(key)
            if sel.name.value == "__typename":
                continue
            field = parent.fields[sel.name.value]
            definition = field.extensions[DEFINITION]
            if definition.base_resolver is None:  # a property of the node
                if sel.selection_set is not None:
                    return None
                props.append(definition.python_name)
                continue
            compiled = self.child(var, key, field, sel, getattr(definition.base_resolver.wrapped_func, "step", None))
            if compiled is None:
                complete = True  # its own resolver reads what it needs of the node
                continue
            lists.append(compiled[0])
            columns.append(compiled[1])
        cls = parent.extensions[DEFINITION].origin
        fields = [".*"] if complete else [f".{p}" for p in dict.fromkeys(props)]
        return Level(cls, tuple(lists)), f"{var} {{{', '.join(fields + columns)}}}"

    def child(self, var: str, key: str, field: GraphQLField, sel: FieldNode,
              step: cypher.Step | None) -> tuple[Child, str] | None:
        """A list field read by `step` as a COLLECT subquery, and its column; None if it stays a resolver's."""
        if step is None or sel.selection_set is None or any(a.name.value != "first" for a in sel.arguments or ()):
            return None
        self.count += 1
        n = self.count
        y, r, param, column = f"n{n}", f"r{n}", f"first_{n}", f"_{n}"
        inner = self.projection(y, get_named_type(field.type), sel.selection_set)  # type: ignore[arg-type]
        if inner is None:
            return None
        first = (param, field, sel) if step.limited else None
        if first:
            self.firsts.append(first)
        limit = f" LIMIT ${param}" if first else ""
        subquery = (f"{column}: COLLECT {{ {step.match(var, y, r)} WITH {y} ORDER BY {step.order_by(y, r)}{limit} "
                    f"RETURN {inner[1]} }}")
        return Child(key, column, inner[0], first), subquery


def compile_root(info: Raw, label: str, by_name: bool) -> Plan | None:
    """The plan of the root field `info` resolves, a `label` found by id (or by name); None if it does not
    compile."""
    if len(info.field_nodes) != 1 or info.field_nodes[0].selection_set is None:
        return None
    compiler = _Compiler()
    root = compiler.projection("n0", info.return_type, info.field_nodes[0].selection_set)  # type: ignore[arg-type]
    if root is None:
        return None
    level, projection = root
    if by_name:
        head = f"UNWIND $refs AS ref\n{rule.find_ref(label)}\nWITH ref, n AS n0 WHERE n0 IS NOT NULL\n" \
               "RETURN ref.value AS key, "
    else:
        head = f"UNWIND $keys AS key\nMATCH (n0:{label} {{id: key}})\nRETURN key, "
    return Plan(f"{head}{projection} AS item", level, tuple(compiler.firsts))


_PLANS: dict[tuple[str, str | None, str, str, bool], Plan | None] = {}


def plan(info: Raw, label: str, by_name: bool) -> Plan | None:
    """`compile_root`, cached per query text, operation and root field."""
    loc = info.field_nodes[0].loc
    if loc is None:
        return compile_root(info, label, by_name)
    name = info.operation.name.value if info.operation.name else None
    key = (loc.source.body, name, str(info.path.key), label, by_name)
    if key not in _PLANS:
        if len(_PLANS) >= MAX_PLANS:
            del _PLANS[next(iter(_PLANS))]  # the oldest
        _PLANS[key] = compile_root(info, label, by_name)
    return _PLANS[key]


async def lookup(info: Info[Context, Any], cls: type[N], value: str, by_name: bool = False) -> tuple[bool, N | None]:
    """The root field `info` resolves: the `cls` node whose id (or name, by kg.store.refs) is `value`, read with
    its whole selection in one statement (batched with the same field of the same shape under other aliases).
    (True, the node or None) when it compiles; (False, None) when the resolvers must read it field by field."""
    if not info.context.compiled:
        return False, None
    raw: Raw = info._raw_info
    found = plan(raw, cls.__name__, by_name)
    params = None if found is None else found.params(get_variable_values(raw))
    if found is None or params is None:
        return False, None
    if by_name:
        def to_params(keys: list[str]) -> dict[str, Any]:
            return rule.refs_params(cls.__name__, keys)

        item = await info.context.item(found.text, value, to_params=to_params, **params)
    else:
        item = await info.context.item(found.text, value, **params)
    return True, None if item is None else found.build(item)
