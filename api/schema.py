"""The Strawberry schema with its limits; `python -m api.schema` writes schema/schema.graphql."""
from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Any

import strawberry
from graphql import GraphQLError, parse
from strawberry.extensions import SchemaExtension, max_aliases, query_depth_limiter
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from api.compile import execute as compiled
from api.context import Context
from api.errors import masked, should_mask
from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, limit_of, refuse_costly
from api.ops.context import current, refused
from api.query import Query
from kg.graph.files import SCHEMA_DIR

# Clients repeat the same query text with other variables: parse and validate it once.
CACHED_QUERIES = 512
PARSE = lru_cache(maxsize=CACHED_QUERIES)(parse)
VALIDATE = lru_cache(maxsize=CACHED_QUERIES)(validate_document)
# Built once, as VALIDATE keys on the rule classes (strawberry's QueryDepthLimiter and MaxAliasesLimiter
# make new ones for every request, so no request was ever validated from the cache).
LIMIT_RULES = (query_depth_limiter.create_validator(MAX_DEPTH, None), max_aliases.create_validator(MAX_ALIASES))
SDL_PATH = SCHEMA_DIR / "schema.graphql"


def traced(ctx: ExecutionContext, errors: list[GraphQLError] | None) -> None:
    """Tell the request's trace (for its log line and metrics) the operation, its errors and refusals."""
    if trace := current():
        trace.graphql, trace.operation, trace.errors = True, ctx.operation_name, bool(errors)
        for limit in filter(None, map(limit_of, errors or ())):
            refused(limit)


class Guard(SchemaExtension):
    """Every per-request step in one extension (each extension adds hooks to every request): parse and
    validate through the caches, within the token, depth and alias limits; refuse an operation above
    MAX_COST before any resolver runs; answer compiled lookups without resolvers (api/compile.py); report `cost` and `cypherQueries`; mask unexpected errors."""

    cost = 0

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = (*ctx.validation_rules, *LIMIT_RULES)
        try:
            yield
        except GraphQLError as exc:  # raised by on_parse (too many tokens, bad syntax): no result follows
            traced(ctx, [exc])
            raise
        errors = getattr(ctx.result, "errors", None)
        traced(ctx, errors)
        if errors:
            ctx.result.errors = [masked(e) for e in errors]  # type: ignore[union-attr]

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.graphql_document = PARSE(ctx.query, max_tokens=MAX_TOKENS)
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.pre_execution_errors = VALIDATE(ctx.schema._schema, ctx.graphql_document, ctx.validation_rules)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        self.cost = refuse_costly(ctx)
        if ctx.result is None and isinstance(ctx.context, Context):  # lookups answered by compiled statements
            ctx.result = await compiled(ctx.schema._schema, ctx.graphql_document,  # type: ignore[arg-type]
                                        ctx.operation_name, ctx.variables, ctx.context)
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost, "cypherQueries": getattr(self.execution_context.context, "queries", 0)}


class Schema(strawberry.Schema):
    """Logs only the errors it masks (our bugs, database failures), not users' mistakes."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        super().process_errors([e for e in errors if should_mask(e)], execution_context)


schema = Schema(query=Query, extensions=[Guard])


def sdl() -> str:
    """The schema in GraphQL SDL, as committed in schema/schema.graphql."""
    return schema.as_str() + "\n"


def main() -> None:
    """Write (or with --check, compare) schema/schema.graphql."""
    if "--check" in sys.argv[1:]:
        sys.exit(0 if SDL_PATH.read_text() == sdl() else f"{SDL_PATH} is out of date: python -m api.schema")
    SDL_PATH.write_text(sdl())
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
