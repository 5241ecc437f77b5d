"""Errors the API shows to its users; anything else is masked as "Unexpected error."."""
from __future__ import annotations

from graphql import GraphQLError

MASKED = "Unexpected error."


class UserError(Exception):
    """A problem with the request (bad argument, unknown name, limit exceeded), shown as is."""


RETRY_AFTER_S = 5  # what a client is told to wait while the graph database is down


class Unavailable(UserError):
    """The graph database does not answer; GraphQL shows `extensions.code` and `retryAfter` (seconds)."""

    def __init__(self, message: str = "the graph database is unavailable; try again shortly") -> None:
        super().__init__(message)
        # graphql-core copies an original error's `extensions` into the error it reports
        self.extensions = {"code": "DATABASE_UNAVAILABLE", "retryAfter": RETRY_AFTER_S}


def should_mask(error: GraphQLError) -> bool:
    """Mask errors raised by our code unless they are UserErrors; GraphQL's own errors stay."""
    return error.original_error is not None and not isinstance(error.original_error, (UserError, GraphQLError))


def masked(error: GraphQLError) -> GraphQLError:
    """`error`, or in its place "Unexpected error." (same location and path) when it must be masked."""
    if not should_mask(error):
        return error
    return GraphQLError(MASKED, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path)
