"""A root lookup compiled with its selection into one Cypher statement, the plan cached per query text.

The list fields that read a fixed `cypher.Step` (Author.papers, Paper.authors, Paper.repos...) become nested
COLLECT subqueries with the step's own order and `first`; their objects come back attached to their parents
(api/prefetch.py), so their resolvers read nothing. Any other field resolves as before, from the node's
properties or its DataLoader; a selection the compiler does not handle (fragments, directives, a field given
twice) leaves its list, or the whole root field, to the resolvers. An operation made only of lookups whose
selections compile whole is answered by `execute` straight from the rows, with no resolver at all.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values
from graphql.execution.values import get_variable_values as get_variable_values_of
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
R = TypeVar("R", bound=Callable[..., Any])
MAX_PLANS = 512  # query texts whose plans are kept, as api/schema.py keeps their parses
Raw = GraphQLResolveInfo[Context]
DEFINITION = "strawberry-definition"  # where Strawberry keeps a GraphQL type's or field's own definition


@dataclass(frozen=True)
class Level:
    """What to build from one map of a compiled row: a `cls` object, and its lists from their columns."""

    cls: type
    lists: tuple[Child, ...]
    # The answer's fields in order, when each is a property, __typename or a compiled list all the way down:
    # (key, "typename", type name), (key, "value", (property, GraphQL type)) or (key, "list", Child).
    shape: tuple[tuple[str, str, Any], ...] | None


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


class Miss(Exception):
    """A value the answer cannot hold as it is (a null where the schema says non-null, a bad scalar): the
    resolvers answer instead, with their errors."""


def _complete(kind: GraphQLOutputType, value: Any) -> Any:
    """`value` as graphql-core completes a leaf or a list of leaves of type `kind` (Miss for an error)."""
    if isinstance(kind, GraphQLNonNull):
        if value is None:
            raise Miss()
        return _complete(kind.of_type, value)
    if value is None:
        return None
    if isinstance(kind, GraphQLList):
        if not isinstance(value, list):
            raise Miss()
        return [_complete(kind.of_type, v) for v in value]
    try:
        done = kind.serialize(value)  # type: ignore[union-attr]
    except Exception:
        raise Miss() from None
    if done is None or done is Undefined:
        raise Miss()
    return done


def answer(level: Level, item: Row) -> dict[str, Any]:
    """The JSON of a compiled map, as execution would give it (Miss when it would give an error)."""
    assert level.shape is not None
    out: dict[str, Any] = {}
    for key, what, how in level.shape:
        if what == "value":
            out[key] = _complete(how[1], item.get(how[0]))
        elif what == "list":
            out[key] = [answer(how.level, m) for m in item[how.column]]
        else:
            out[key] = how
    return out


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
    """A `level.cls` object of `item`, with its compiled lists attached."""
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
        out: list[tuple[str, str, Any]] = []
        for sel in selections.selections:
            if not isinstance(sel, FieldNode) or sel.directives:
                return None
            key = (sel.alias or sel.name).value
            if key in keys:
                return None
            keys.add(key)
            if sel.name.value == "__typename":
                out.append((key, "typename", parent.name))
                continue
            field = parent.fields[sel.name.value]
            definition = field.extensions[DEFINITION]
            if definition.base_resolver is None:  # a property of the node
                if sel.selection_set is not None:
                    return None
                props.append(definition.python_name)
                out.append((key, "value", (definition.python_name, field.type)))
                continue
            compiled = self.child(var, key, field, sel, getattr(definition.base_resolver.wrapped_func, "step", None))
            if compiled is None:
                complete = True  # its own resolver reads what it needs of the node
                continue
            lists.append(compiled[0])
            columns.append(compiled[1])
            out.append((key, "list", compiled[0]))
        cls = parent.extensions[DEFINITION].origin
        fields = [".*"] if complete else [f".{p}" for p in dict.fromkeys(props)]
        whole = not complete and all(c.level.shape is not None for c in lists)
        return Level(cls, tuple(lists), tuple(out) if whole else None), f"{var} {{{', '.join(fields + columns)}}}"

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


def compile_root(field_node: FieldNode, parent: GraphQLObjectType, label: str, by_name: bool) -> Plan | None:
    """The plan of a root field returning `parent` objects, a `label` found by id (or by name); None if it
    does not compile."""
    if field_node.selection_set is None:
        return None
    compiler = _Compiler()
    root = compiler.projection("n0", parent, field_node.selection_set)
    if root is None:
        return None
    level, projection = root
    if by_name:
        head = f"UNWIND $refs AS ref\n{rule.find_ref(label)}\nWITH ref, n AS n0 WHERE n0 IS NOT NULL\n" \
               "RETURN ref.value AS key, "
    else:
        head = f"UNWIND $keys AS key\nMATCH (n0:{label} {{id: key}})\nRETURN key, "
    return Plan(f"{head}{projection} AS item", level, tuple(compiler.firsts))


_PLANS: dict[tuple[str, str | None, str, bool], Plan | None] = {}


def plan(field_node: FieldNode, parent: GraphQLObjectType, operation: OperationDefinitionNode,
         by_name: bool) -> Plan | None:
    """`compile_root`, cached per query text, operation and root field."""
    label = parent.name
    if field_node.loc is None:
        return compile_root(field_node, parent, label, by_name)
    key = (field_node.loc.source.body, operation.name.value if operation.name else None,
           (field_node.alias or field_node.name).value, by_name)
    if key not in _PLANS:
        if len(_PLANS) >= MAX_PLANS:
            del _PLANS[next(iter(_PLANS))]  # the oldest
        _PLANS[key] = compile_root(field_node, parent, label, by_name)
    return _PLANS[key]


async def _read(context: Context, found: Plan, label: str, value: str, by_name: bool,
                params: dict[str, int]) -> Row | None:
    """The item of `found` for the node `value` names, batched with the same plan's other reads."""
    if by_name:
        def to_params(keys: list[str]) -> dict[str, Any]:
            return rule.refs_params(label, keys)

        return await context.item(found.text, value, to_params=to_params, **params)
    return await context.item(found.text, value, **params)


def root_lookup(name_arg: str | None) -> Callable[[R], R]:
    """Marks a root resolver as a lookup by `id` or by `name_arg`, which `execute` may answer itself."""
    def mark(resolve: R) -> R:
        resolve.lookup = name_arg  # type: ignore[attr-defined]
        return resolve

    return mark


async def lookup(info: Info[Context, Any], cls: type[N], value: str, by_name: bool = False) -> tuple[bool, N | None]:
    """The root field `info` resolves: the `cls` node whose id (or name, by kg.store.refs) is `value`, read with
    its whole selection in one statement (batched with the same field of the same shape under other aliases).
    (True, the node or None) when it compiles; (False, None) when the resolvers must read it field by field."""
    if not info.context.compiled:
        return False, None
    raw: Raw = info._raw_info
    found = plan(raw.field_nodes[0], raw.return_type, raw.operation, by_name) if len(raw.field_nodes) == 1 else None  # type: ignore[arg-type]
    params = None if found is None else found.params(get_variable_values(raw))
    if found is None or params is None:
        return False, None
    item = await _read(info.context, found, cls.__name__, value, by_name, params)
    return True, None if item is None else found.build(item)


async def execute(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: dict[str, Any] | None, context: Context) -> ExecutionResult | None:
    """The whole operation's answer straight from compiled statements, no resolver run, when every root field
    is a lookup (`root_lookup`) whose selection is properties and compiled lists all the way down; else None,
    and execution runs as usual (so its errors, too, are execution's own)."""
    operation = get_operation_ast(document, operation_name)
    if not context.compiled or operation is None or operation.operation != OperationType.QUERY:
        return None
    coerced = get_variable_values_of(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None
    reads: dict[str, tuple[Plan, str, str, bool, dict[str, int]]] = {}  # response key -> what to read
    for sel in operation.selection_set.selections:
        if not isinstance(sel, FieldNode) or sel.directives or sel.name.value.startswith("__"):
            return None
        field = schema.query_type.fields[sel.name.value]  # type: ignore[union-attr]
        resolver = field.extensions[DEFINITION].base_resolver
        name_arg = getattr(resolver.wrapped_func, "lookup", "") if resolver else ""
        try:
            args = {} if name_arg == "" else get_argument_values(field, sel, coerced)
        except GraphQLError:
            return None
        by_id, by_name = args.get("id"), args.get(name_arg) if name_arg else None
        key, parent = (sel.alias or sel.name).value, get_named_type(field.type)
        if name_arg == "" or (by_id is None) == (by_name is None) or key in reads:
            return None
        found = plan(sel, parent, operation, by_id is None)
        params = None if found is None or found.level.shape is None else found.params(coerced.coerced)
        if found is None or params is None:
            return None
        reads[key] = (found, parent.name, str(by_id if by_id is not None else by_name), by_id is None, params)
    try:
        items = await asyncio.gather(*(_read(context, *read) for read in reads.values()))
        return ExecutionResult(data={key: None if item is None else answer(read[0].level, item)
                                     for (key, read), item in zip(reads.items(), items)})
    except Exception:  # a Miss, or a failed read the loader keeps: execution meets it again where it belongs
        return None
