"""Errors the API shows to its users; anything else is masked as "Unexpected error."."""
from __future__ import annotations

from graphql import GraphQLError

MASKED = "Unexpected error."
MAX_ECHO = 80  # characters of a user's value quoted back in an error message


class UserError(Exception):
    """A problem with the request (bad argument, unknown name, limit exceeded), shown as is."""


def quoted(value: str) -> str:
    """A user's value, quoted and cut short, safe to put in an error message."""
    return repr(value if len(value) <= MAX_ECHO else value[:MAX_ECHO] + "…")


def should_mask(error: GraphQLError) -> bool:
    """Mask errors raised by our code unless they are UserErrors; GraphQL's own errors stay."""
    return error.original_error is not None and not isinstance(error.original_error, (UserError, GraphQLError))


def masked(error: GraphQLError) -> GraphQLError:
    """`error`, or in its place "Unexpected error." (same location and path) when it must be masked."""
    if not should_mask(error):
        return error
    return GraphQLError(MASKED, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path)
