"""What a request may ask for: depth, cost, page sizes, path hops, search text; refusals are UserErrors."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from strawberry.types import ExecutionContext

from api.errors import UserError

MAX_DEPTH = 10
MAX_COST = 25_000
MAX_TOKENS = 3_000
MAX_ALIASES = 30
MAX_BODY_BYTES = 64 * 1024
DEFAULT_PAGE = 20
MAX_PAGE = 100
LIST_COST = 10  # assumed length of a list field without `first` (a paper's repos, topics...)
MIN_HOPS, MAX_HOPS = 1, 8
MAX_PATHS = 50
MAX_PATH_AUTHORS = 20  # in coauthorPath's `avoid` and `through`
MAX_SEARCH_CHARS = 300
MAX_FILTER_DEPTH = 4  # a `where` and its AND/OR/NOT members and relationship filters, nested
MAX_FILTER_CONDITIONS = 40  # operators and short forms in one `where`, however nested
MAX_FILTER_CHARS = 2_000  # an operator's text (an abstract can be matched whole); a short form's is MAX_SEARCH_CHARS
RELATED_FANOUT = 500  # see cypher.PAPER_RELATED

# Refusals graphql-core and Strawberry's validators make, by the words of their messages.
REFUSALS = {"depth": "exceeds maximum operation depth", "aliases": " aliases found. Allowed: ",
            "tokens": "Document contains more than "}

_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


class LimitError(UserError):
    """A request refused by one of the limits (`limit`: page, hops, search, filter, cost)."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


def limit_of(error: GraphQLError) -> str | None:
    """The limit that `error` is the refusal of, if any."""
    if isinstance(error.original_error, LimitError):
        return error.original_error.limit
    return next((limit for limit, words in REFUSALS.items() if words in error.message), None)


def page_size(first: int, cap: int = MAX_PAGE) -> int:
    """`first`, checked to be within 0..cap."""
    if not 0 <= first <= cap:
        raise LimitError("page", f"first must be between 0 and {cap} (got {first})")
    return first


def hops(max_hops: int) -> int:
    """`maxHops`, checked to be within MIN_HOPS..MAX_HOPS."""
    if not MIN_HOPS <= max_hops <= MAX_HOPS:
        raise LimitError("hops", f"maxHops must be between {MIN_HOPS} and {MAX_HOPS} (got {max_hops})")
    return max_hops


def lucene_query(text: str) -> str:
    """A user's search words as a Lucene query matching any of them, every operator escaped."""
    if len(text) > MAX_SEARCH_CHARS:
        raise LimitError("search", f"search is limited to {MAX_SEARCH_CHARS} characters")
    # Lower case turns AND/OR/NOT/TO into plain words; the index's analyzer lowercases anyway.
    words = [_LUCENE_SPECIAL.sub(r"\\\1", w) for w in text.lower().split()]
    words = [w for w in words if any(ch.isalnum() for ch in w)]
    if not words:
        raise UserError("search needs at least one word of letters or digits")
    return " ".join(words)


def _multiplier(node: FieldNode, field: Any, variables: dict[str, Any]) -> int:
    """How many times a field's selection is resolved: its `first`, or LIST_COST for a plain list."""
    for given in node.arguments or ():
        if given.name.value == "ids":  # nodes(ids:): one object per id
            ids = given.value.values if isinstance(given.value, ListValueNode) else (
                variables.get(given.value.name.value) if isinstance(given.value, VariableNode) else None)
            return min(len(ids), MAX_PAGE) if isinstance(ids, (list, tuple)) else MAX_PAGE
    arg = field.args.get("first")
    if arg is None:
        inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        return LIST_COST if isinstance(inner, GraphQLList) else 1
    value = arg.default_value
    for given in node.arguments or ():
        if given.name.value != "first":
            continue
        if isinstance(given.value, IntValueNode):
            value = int(given.value.value)
        elif isinstance(given.value, VariableNode):
            value = variables.get(given.value.name.value, value)
    return max(0, min(int(value) if isinstance(value, int) else MAX_PAGE, MAX_PAGE))


class _Coster:
    """Walks an operation, fragments expanded, summing 1 per field times its parents' multipliers."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def fields(self, selections: SelectionSetNode, parent: GraphQLObjectType,
               seen: frozenset[str]) -> Iterator[tuple[FieldNode, GraphQLObjectType]]:
        """The fields a selection set asks of `parent`, through inline fragments and spreads."""
        for sel in selections.selections:
            if isinstance(sel, FieldNode):
                yield sel, parent
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                yield from self.fields(sel.selection_set, target, seen)  # type: ignore[arg-type]
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    target = self.schema.get_type(frag.type_condition.name.value)
                    yield from self.fields(frag.selection_set, target,  # type: ignore[arg-type]
                                           seen | {sel.name.value})

    def cost(self, selections: SelectionSetNode, parent: GraphQLObjectType,
             seen: frozenset[str] = frozenset()) -> int:
        """The cost of resolving `selections` once on `parent`."""
        total = 0
        for node, owner in self.fields(selections, parent, seen):
            name = node.name.value
            if name.startswith("__") or not hasattr(owner, "fields") or name not in owner.fields:
                continue  # introspection costs nothing here; its depth is bounded by the schema
            field = owner.fields[name]
            child = 0
            if node.selection_set is not None:
                child = self.cost(node.selection_set, get_named_type(field.type), seen)
            # A connection's edges are already multiplied by the connection's `first`.
            times = 1 if owner.name.endswith("Connection") else _multiplier(node, field, self.variables)
            total += 1 + times * child
        return total


def query_cost(schema: GraphQLSchema, document: Any, operation_name: str | None,
               variables: dict[str, Any] | None) -> int:
    """An upper bound of the objects an operation can resolve, `first` and lists multiplied out."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Coster(schema, fragments, variables or {}).cost(operation.selection_set, root)  # type: ignore[arg-type]


def refuse_costly(ctx: ExecutionContext) -> int:
    """The operation's cost; above MAX_COST, its result becomes the refusal, so no resolver runs."""
    cost = query_cost(ctx.schema._schema, ctx.graphql_document, ctx.operation_name, ctx.variables)
    if cost > MAX_COST:
        message = (f"query cost {cost} is above the limit of {MAX_COST}: ask for fewer items "
                   f"(smaller `first`) or fewer nested lists")
        ctx.result = ExecutionResult(data=None, errors=[GraphQLError(message,
                                                                     original_error=LimitError("cost", message))])
    return cost
