"""GraphQL over HTTP's media types: `application/graphql-response+json` when the client's Accept prefers it,
with 400 for request errors (no `data`), else `application/json` with 200 (the spec's legacy behaviour);
and persisted queries (api.persisted) resolved before a request runs."""
from __future__ import annotations

import dataclasses
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from api import persisted
from api.accept import ranges

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str:
    """The media type to answer in: GRAPHQL_RESPONSE when Accept ranks it at least as high as JSON (a tie goes
    to it, the spec's type), else JSON (also for no Accept, */*, or nothing acceptable)."""
    if not accept:
        return JSON
    best: dict[str, float] = {}
    for q, _, media in ranges(accept):
        best[media] = max(best.get(media, 0.0), q)
    ours = best.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if ours > 0 and ours >= best.get(JSON, 0.0) else JSON


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never ran (a parse, validation, variable or limit error): no data, and no
    error has a path into the result."""
    return result.data is None and bool(result.errors) and all(not e.path for e in result.errors or ())


class GraphQLOverHTTP:
    """A mixin for strawberry's ASGI view (put before it): answers in the negotiated media type."""

    async def run(self, request: Request | WebSocket, context: Any = None, root_value: Any = None) -> Any:
        if isinstance(request, WebSocket):
            return await super().run(request)  # type: ignore[misc]
        media = request.state.graphql_media = negotiate(request.headers.get("accept"))
        request.state.graphql_request_error = False
        response = await super().run(request)  # type: ignore[misc]
        if media == GRAPHQL_RESPONSE and isinstance(response, Response) and response.media_type == JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if request.state.graphql_request_error:
                response.status_code = 400
        return response

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Any, context: Any,
                             root_value: Any, request_data: Any) -> ExecutionResult:
        try:
            query = request.app.state.persisted.query(request_data.query, request_data.extensions)
        except persisted.Refused as exc:
            return ExecutionResult(data=None, errors=[GraphQLError(str(exc), extensions={"code": exc.code})])
        result: ExecutionResult = await super().execute_single(  # type: ignore[misc]
            request=request, request_adapter=request_adapter, sub_response=sub_response, context=context,
            root_value=root_value, request_data=dataclasses.replace(request_data, query=query))
        return result

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed: GraphQLHTTPResponse = await super().process_result(request, result)  # type: ignore[misc]
        if request.state.graphql_media == GRAPHQL_RESPONSE and is_request_error(result):
            request.state.graphql_request_error = True
            processed.pop("data", None)
        return processed
