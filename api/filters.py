"""`where` filters, named as @neo4j/graphql names them: an operator object per served property
(`year: {gte: 2020}`), AND/OR/NOT, relationship filters (`authors: {some: {...}}`, none, all, single) and
counts (`authorsAggregate: {count: {gte: 2}}`), beside kg's short forms (titleContains, yearFrom, author...).

The input types are generated from the tables below, and a filter compiles into Cypher from the same tables:
operator and property names come only from them, every value is a parameter."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import strawberry

from api import refs
from api.context import Context
from api.limits import (
    MAX_FILTER_CHARS,
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_PAGE,
    MAX_SEARCH_CHARS,
    LimitError,
)

# ---------------------------------------------------------------- the tables

# Each operator's Cypher, and the operators of each operand type (the peer's IntScalarFilters and so on).
OPERATORS = {"eq": "=", "in": "IN", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=",
             "contains": "CONTAINS", "startsWith": "STARTS WITH", "endsWith": "ENDS WITH"}
TEXT = ("eq", "in", "contains", "startsWith", "endsWith")
NUMBER = ("eq", "in", "lt", "lte", "gt", "gte")
SCALARS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "ID": (strawberry.ID, TEXT), "String": (str, TEXT), "Int": (int, NUMBER), "Float": (float, NUMBER)}

# The served properties of each type that take operators: (property in the graph, operand type); the GraphQL
# field is the property's camelCase name, as on the object type. Paper.hasCode keeps its short form (below).
PROPERTIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Paper": (("id", "ID"), ("title", "String"), ("abstract", "String"), ("date", "String"), ("year", "Int"),
              ("arxiv_id", "String"), ("score", "Float"), ("category", "String"), ("upvotes", "Int"),
              ("author_count", "Int"), ("organization", "String")),
    "Author": (("id", "ID"), ("name", "String"), ("h_index", "Int"), ("citations", "Int"), ("paper_count", "Int"),
               ("novelty", "Int"), ("ai_score", "Int"), ("main_category", "String")),
    "Institution": (("id", "ID"), ("name", "String")),
    "Repo": (("id", "ID"), ("host", "String"), ("kind", "String"), ("owner", "String"), ("name", "String"),
             ("url", "String")),
    "Topic": (("id", "ID"), ("name", "String"), ("scheme", "String")),
}

# The relationships each type serves: (field, the pattern from the node to its neighbour, the neighbour's type).
RELATIONSHIPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Paper": (("authors", "<-[:AUTHORED]-", "Author"), ("repos", "-[:HAS_CODE]->", "Repo"),
              ("topics", "-[:HAS_TOPIC]->", "Topic"), ("institutions", "-[:AFFILIATED_WITH]->", "Institution")),
    "Author": (("papers", "-[:AUTHORED]->", "Paper"),),
    "Institution": (("papers", "<-[:AFFILIATED_WITH]-", "Paper"),),
    "Repo": (("papers", "<-[:HAS_CODE]-", "Paper"),),
    "Topic": (("papers", "<-[:HAS_TOPIC]-", "Paper"),),
}
QUANTIFIERS = {"some": "at least one of the related {}s matches", "none": "none of the related {}s matches",
               "all": "every related {} matches (and there is one)", "single": "exactly one related {} matches"}


@dataclass(frozen=True)
class Short:
    """A short form: its Cypher on `{v}` with its value `{x}`; a `pattern` is MATCHed at the top of a
    `where` (where the planner can start from it) and tested with EXISTS inside AND/OR/NOT or a relationship
    filter. `label`: the type a name is resolved in; otherwise text is lower-cased (case-insensitive)."""

    name: str
    type: Any
    cypher: str
    description: str | None = None
    label: str | None = None
    pattern: bool = False


SHORT_FORMS: dict[str, tuple[Short, ...]] = {
    "Paper": (
        Short("title_contains", str, "toLower({v}.title) CONTAINS {x}", "Case-insensitive."),
        Short("title_starts_with", str, "toLower({v}.title) STARTS WITH {x}", "Case-insensitive."),
        Short("year_from", int, "{v}.year >= {x}", "Published in or after this year."),
        Short("year_to", int, "{v}.year <= {x}", "Published in or before this year."),
        Short("has_code", bool, "coalesce({v}.has_code, false) = {x}", "Marked as having code, or not."),
        Short("author", str, "({v})<-[:AUTHORED]-(:Author {{id: {x}}})", label="Author", pattern=True),
        Short("institution", str, "({v})-[:AFFILIATED_WITH]->(:Institution {{id: {x}}})", label="Institution",
              pattern=True),
        Short("topic", str, "({v})-[:HAS_TOPIC]->(:Topic {{id: {x}}})", label="Topic", pattern=True),
        Short("repo", str, "({v})-[:HAS_CODE]->(:Repo {{id: {x}}})", label="Repo", pattern=True),
    ),
    "Author": (
        Short("name_contains", str, "toLower({v}.name) CONTAINS {x}", "Case-insensitive."),
        Short("name_starts_with", str, "toLower({v}.name) STARTS WITH {x}", "Case-insensitive."),
        Short("institution", str, "EXISTS {{ ({v})-[:AUTHORED]->(:Paper)-[:AFFILIATED_WITH]->(:Institution "
              "{{id: {x}}}) }}", "Wrote a paper affiliated with it.", label="Institution"),
        Short("topic", str, "EXISTS {{ ({v})-[:AUTHORED]->(:Paper)-[:HAS_TOPIC]->(:Topic {{id: {x}}}) }}",
              "Wrote a paper on it.", label="Topic"),
    ),
}
DESCRIPTIONS = {
    "Paper": "Conditions on papers, all of which must hold. Short forms (titleContains...) as before; names: "
             "an id or a name (a repository's owner/name), a name that matches nothing is an error.",
    "Author": "Conditions on authors, all of which must hold.",
}

# ---------------------------------------------------------------- the input types, generated from the tables


def _field(python: str, annotation: Any, description: str | None = None, name: str | None = None) -> Any:
    """A dataclass field spec of an input type: optional, null by default."""
    return python, annotation, strawberry.field(default=None, description=description, name=name)


def _input(name: str, description: str | None, fields: list[Any]) -> Any:
    """An input type `name`, kept in this module's namespace, where its string annotations are resolved."""
    body = {"__annotations__": {f[0]: f[1] for f in fields}, "__module__": __name__, **{f[0]: f[2] for f in fields}}
    globals()[name] = strawberry.input(type(name, (), body), description=description)
    return globals()[name]


def _python(name: str) -> str:
    """The Python name of a GraphQL field ("in" and "AND" are keywords: `in_`, `and_`)."""
    return f"{name.lower()}_" if name.lower() in ("in", "and", "or", "not") else name


for _scalar, (_type, _ops) in SCALARS.items():
    _input(f"{_scalar}ScalarFilters", f"Operators on {_scalar} values, all of which must hold"
           + ("; case-sensitive." if _ops == TEXT else "."),
           [_field(_python(op), list[_type] | None if op == "in" else _type | None, name=op)  # type: ignore[valid-type]
            for op in _ops])
_input("CountFilters", "How many related nodes there are.", [_field("count", "IntScalarFilters | None")])

for _label in PROPERTIES:
    _input(f"{_label}RelationshipFilters", f"Conditions on the related {_label}s.",
           [_field(q, f"{_label}Where | None", f"True when {text.format(_label)}.") for q, text in QUANTIFIERS.items()])
for _label, _props in PROPERTIES.items():
    _input(f"{_label}Where", DESCRIPTIONS.get(_label, f"Conditions on {_label.lower()}s, all of which must hold."), [
        *(_field(s.name, s.type | None, s.description) for s in SHORT_FORMS.get(_label, ())),
        *(_field(prop, f"{scalar}ScalarFilters | None") for prop, scalar in _props),
        _field("and_", f"list[{_label}Where] | None", "All of these hold.", "AND"),
        _field("or_", f"list[{_label}Where] | None", "One of these holds at least.", "OR"),
        _field("not_", f"{_label}Where | None", "This does not hold.", "NOT"),
        *(_field(rel, f"{target}RelationshipFilters | None") for rel, _, target in RELATIONSHIPS[_label]),
        *(_field(f"{rel}_aggregate", "CountFilters | None") for rel, _, _ in RELATIONSHIPS[_label])])

WHERE: dict[str, Any] = {label: globals()[f"{label}Where"] for label in PROPERTIES}  # the input type of each
if TYPE_CHECKING:  # made at import, so to mypy they are Any
    PaperWhere = Any
    AuthorWhere = Any
else:
    PaperWhere = WHERE["Paper"]
    AuthorWhere = WHERE["Author"]

# ---------------------------------------------------------------- compiling


@dataclass(frozen=True)
class Filters:
    """The Cypher lines of a `where` (after the match, on `p` or `a`) and their parameters."""

    lines: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()


class _Compiler:
    """Walks a `where`, naming each value's parameter $w0, $w1... and each related node v1, v2... in the
    order met, so that filters of one shape compile to one text."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.params: dict[str, Any] = {}
        self.vars = 0
        self.conditions = 0
        self.matches: list[str] = []  # the short-form patterns at the top of the `where`, MATCHed

    def param(self, value: Any, chars: int = MAX_FILTER_CHARS) -> str:
        """A new parameter holding `value` (text bounded in length, lists in size)."""
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and len(text) > chars:
                raise LimitError("filter", f"text in `where` is limited to {chars} characters")
        if isinstance(value, list) and len(value) > MAX_PAGE:
            raise LimitError("filter", f"`in` takes at most {MAX_PAGE} values (got {len(value)})")
        self.conditions += 1
        if self.conditions > MAX_FILTER_CONDITIONS:
            raise LimitError("filter", f"a `where` may hold at most {MAX_FILTER_CONDITIONS} conditions")
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    async def short(self, short: Short, value: Any, var: str) -> str:
        """A short form's Cypher on `var`: names resolved to ids, text lower-cased."""
        if short.label is not None:
            value = (await refs.require(self.ctx, short.label, value))["id"]
        elif isinstance(value, str):
            value = value.lower()
        return short.cypher.format(v=var, x=self.param(value, MAX_SEARCH_CHARS))

    def operators(self, expr: str, given: Any) -> list[str]:
        """`expr` compared by each operator given in an operator object."""
        found = []
        for op in OPERATORS:
            value = getattr(given, _python(op), None)
            if value is not None:
                # Neo4j 5.26 may plan CONTAINS over a range index and then fail ("A STRING_CONTAINS predicate is
                # not allowed for a RANGE index"); toString() keeps such indexes, which cannot serve it, out.
                subject = f"toString({expr})" if op in ("contains", "endsWith") else expr
                found.append(f"{subject} {OPERATORS[op]} {self.param(value)}")
        return found

    async def conditions_of(self, label: str, where: Any, var: str, depth: int, top: bool = False) -> list[str]:
        """The conditions of a `where` on `var`, to be joined by AND; at the `top`, a short-form pattern goes
        to `matches` instead."""
        if depth > MAX_FILTER_DEPTH:
            raise LimitError("filter", f"`where` nests AND/OR/NOT and relationship filters at most "
                                       f"{MAX_FILTER_DEPTH} deep")
        found: list[str] = []
        for short in SHORT_FORMS.get(label, ()):
            value = getattr(where, short.name)
            if value is None:
                continue
            cypher = await self.short(short, value, var)
            if short.pattern and top:
                self.matches.append(f"MATCH {cypher}")
            else:
                found.append(f"EXISTS {{ {cypher} }}" if short.pattern else cypher)
        for prop, _ in PROPERTIES[label]:
            if getattr(where, prop) is not None:
                found += self.operators(f"{var}.{prop}", getattr(where, prop))
        found += await self.logic(label, where, var, depth)
        for rel, arrow, target in RELATIONSHIPS[label]:
            if getattr(where, rel) is not None:
                found += await self.related(f"({var}){arrow}", target, getattr(where, rel), depth)
            count = getattr(where, f"{rel}_aggregate")
            if count is not None and count.count is not None:
                found += self.operators(f"COUNT {{ ({var}){arrow}(:{target}) }}", count.count)
        return found

    async def joined(self, label: str, where: Any, var: str, depth: int) -> str | None:
        """A `where`'s conditions as one predicate; None for none (the peer drops an empty filter too)."""
        found = await self.conditions_of(label, where, var, depth)
        return " AND ".join(f"({c})" for c in found) if found else None

    async def logic(self, label: str, where: Any, var: str, depth: int) -> list[str]:
        """AND, OR and NOT; an empty member is left out, as the peer leaves it out."""
        found = []
        for op, members in (("AND", where.and_), ("OR", where.or_)):
            if members is not None:
                parts = [p for m in members if (p := await self.joined(label, m, var, depth + 1)) is not None]
                if parts:
                    found.append(f" {op} ".join(f"({p})" for p in parts))
        if where.not_ is not None:
            inner = await self.joined(label, where.not_, var, depth + 1)
            if inner is not None:
                found.append(f"NOT ({inner})")
        return found

    async def related(self, start: str, target: str, given: Any, depth: int) -> list[str]:
        """A relationship filter as the peer compiles it: some/none an EXISTS; single exactly one related
        node matching; all at least one matching and none failing (a null condition neither). An empty
        filter is no condition, as in the peer."""
        self.vars += 1
        pattern = f"MATCH {start}(v{self.vars}:{target})"
        found = []
        for quantifier in QUANTIFIERS:
            where = getattr(given, quantifier)
            inner = None if where is None else await self.joined(target, where, f"v{self.vars}", depth + 1)
            if inner is None:
                continue
            if quantifier in ("some", "none"):
                found.append(f"{'NOT ' if quantifier == 'none' else ''}EXISTS {{ {pattern} WHERE {inner} }}")
            elif quantifier == "single":
                found.append(f"COUNT {{ {pattern} WHERE {inner} }} = 1")
            else:
                found.append(f"EXISTS {{ {pattern} WHERE {inner} }} AND NOT EXISTS {{ {pattern} WHERE NOT ({inner}) }}")
        return found


def var(label: str) -> str:
    """The variable a `where` on `label` is compiled on: p for papers, a for authors..."""
    return label[0].lower()


async def filters(ctx: Context, where: Any, label: str) -> Filters:
    """The Filters of a `where` on `label` (PaperWhere...), on `var(label)` (None: no filter); names resolved
    to ids. A GraphQL error (LimitError) when it nests too deep or holds too many conditions."""
    if where is None:
        return Filters()
    compiler = _Compiler(ctx)
    found = await compiler.conditions_of(label, where, var(label), 1, top=True)
    lines = [*compiler.matches, *(["WITH * WHERE " + " AND ".join(f"({c})" for c in found)] if found else [])]
    return Filters(tuple(lines), tuple(compiler.params.items()))
