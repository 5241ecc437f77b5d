"""The Strawberry schema with its limits; `python -m api.schema` writes schema/schema.graphql."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions import max_aliases, query_depth_limiter
from strawberry.types import ExecutionContext

from api.errors import should_mask
from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, CostLimiter
from api.query import Query

CACHED_QUERIES = 512
# Built once: ValidationCache keys on the rule classes, and QueryDepthLimiter/MaxAliasesLimiter make new
# ones per request (extensions are instantiated per request), which made every request validate afresh.
LIMIT_RULES = [query_depth_limiter.create_validator(MAX_DEPTH, None),
               max_aliases.create_validator(MAX_ALIASES)]
SDL_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


class QueryCounter(SchemaExtension):
    """Reports the Cypher round trips a request made, as `extensions.cypherQueries`."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        return {"cypherQueries": getattr(context, "queries", 0)}


class Schema(strawberry.Schema):
    """Logs only the errors it masks (our bugs, database failures), not users' mistakes."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        super().process_errors([e for e in errors if should_mask(e)], execution_context)


schema = Schema(query=Query, extensions=[
    # Clients repeat the same query text with other variables: parse and validate it once.
    lambda: ParserCache(maxsize=CACHED_QUERIES),
    lambda: ValidationCache(maxsize=CACHED_QUERIES),
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    lambda: AddValidationRules(LIMIT_RULES),
    CostLimiter,
    QueryCounter,
    lambda: MaskErrors(should_mask_error=should_mask),
])


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
