"""Who may call the API and how often: a bearer API key, per-client rate limits (429 with Retry-After),
the whole-graph /rdf limited or off, and a Content-Security-Policy on every HTML page.

Rates are moving windows of the `limits` library, kept in memory per process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time
from collections import Counter
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import front, graphiql, guide, sparql, yasgui
from api.ops.context import refused
from api.pictures import SVG
from kg.rdf.html import STYLE
from kg.rdf.picture import STYLE as PICTURE_STYLE
from kg.rdf.vocab import base_iri
from kg.settings import Settings, env_name

# Paths anyone may fetch without the key: the editors' static files (a browser cannot add a header to them).
OPEN_PREFIXES = (graphiql.ASSET_URL + "/", yasgui.ASSET_URL + "/", "/healthz", "/readyz")
EDITORS = (graphiql.PATH, sparql.PATH)  # their pages hold no data: a browser opens them without the key
REJECTED: Counter[str] = Counter()  # "unauthorized", "rate_limited", "rdf_limited", "rdf_off"


def rejections() -> dict[str, int]:
    """Requests refused since the process started, by reason (for /metrics)."""
    return dict(REJECTED)


def _reject(reason: str, limit: str) -> None:
    """Count a refusal here and in /metrics' rejected-queries series (as `limit`)."""
    REJECTED[reason] += 1
    refused(limit)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# The resource and path pages: their one stylesheet, inline SVG and links; no script, image, font or form.
PAGE_CSP = ("default-src 'none'; style-src " + _sha256(STYLE) + "; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
SVG_CSP = "default-src 'none'; style-src " + _sha256(PICTURE_STYLE)  # a picture alone (/path as SVG)
GUIDE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"  # Browser styles it


def html_csp(path: str) -> str:
    """The Content-Security-Policy of the HTML page at `path`: the editors' and the front page's own scripts,
    or none at all."""
    if path == graphiql.PATH:
        return graphiql.csp()
    if path == sparql.PATH:
        return yasgui.csp(base_iri())
    if path == front.PATH:
        return front.csp()
    if path == guide.GUIDE_PATH:
        return GUIDE_CSP
    return PAGE_CSP


@dataclass(frozen=True)
class Policy:
    """What the access guard enforces, from the settings."""

    api_key: str
    rate: RateLimitItem | None
    rdf_export: str
    rdf_rate: RateLimitItem

    @classmethod
    def from_settings(cls, conf: Settings) -> Policy:
        """KG_API_KEY, KG_API_RATE / KG_API_BURST (a burst, refilled at the rate), KG_API_RDF."""
        rate = None
        if conf.rate > 0:  # `burst` requests in any window of burst/rate seconds
            rate = RateLimitItemPerSecond(conf.burst, max(1, math.ceil(conf.burst / conf.rate)))
        return cls(conf.api_key, rate, conf.rdf_export, RateLimitItemPerMinute(conf.rdf_per_minute))


class Limiter:
    """Moving-window counters per client key."""

    def __init__(self) -> None:
        self.windows = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, item: RateLimitItem, key: str) -> int | None:
        """None if `key` may make one more request under `item` (counted), else seconds to wait."""
        if self.windows.hit(item, key):
            return None
        reset = self.windows.get_window_stats(item, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def client_key(scope: Scope) -> str:
    """Who a request comes from: its API key's digest when it sends one, else its address."""
    auth = _bearer(scope)
    if auth:
        return "key:" + hashlib.sha256(auth.encode()).hexdigest()[:16]
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


def _bearer(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text: str = value.decode("latin-1")
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return ""


def _error(status: int, message: str, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}], "detail": message}, status_code=status, headers=headers)


class AccessGuard:
    """ASGI middleware: the API key, the per-client rate, and a CSP on HTML responses."""

    def __init__(self, app: ASGIApp, policy: Policy, limiter: Limiter) -> None:
        self.app = app
        self.policy = policy
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not path.startswith(OPEN_PREFIXES):
            refusal = self.refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return

        async def send_with_csp(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                kind = headers.get("content-type", "")
                if kind.startswith(("text/html", SVG)):
                    headers["Content-Security-Policy"] = html_csp(path) if kind.startswith("text/html") else SVG_CSP
                    headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_with_csp)

    def refusal(self, scope: Scope) -> JSONResponse | None:
        """A 401 without the key, a 429 above the client's rate; None to let the request through."""
        key = self.policy.api_key
        if key and not _is_editor_page(scope) and not hmac.compare_digest(_bearer(scope).encode(), key.encode()):
            _reject("unauthorized", "key")
            return _error(401, f"this API needs its key: send `Authorization: Bearer <{env_name('api_key')}>`",
                          {"WWW-Authenticate": "Bearer"})
        if self.policy.rate is not None:
            wait = self.limiter.retry_after(self.policy.rate, client_key(scope))
            if wait is not None:
                _reject("rate_limited", "rate")
                return _error(429, f"too many requests: try again in {wait} s", {"Retry-After": str(wait)})
        return None


def _is_editor_page(scope: Scope) -> bool:
    """A browser opening GraphiQL or YASGUI (GET /graphql or /sparql, no query): the page holds no data."""
    return scope["path"] in EDITORS and scope["method"] == "GET" and b"query=" not in scope["query_string"]


def check_whole_graph_export(request: Request) -> None:
    """For an unfiltered /rdf: 403 when KG_API_RDF=off, 429 past KG_API_RDF_PER_MINUTE when limited."""
    policy: Policy | None = getattr(request.app.state, "access_policy", None)
    if policy is None or policy.rdf_export == "open":
        return
    if policy.rdf_export == "off":
        _reject("rdf_off", "rdf_off")
        raise HTTPException(403, f"the whole-graph export is turned off here ({env_name('rdf_export')}=off); "
                                 "filter it by author, topic, institution, repo or year")
    limiter: Limiter = request.app.state.access_limiter
    wait = limiter.retry_after(policy.rdf_rate, "rdf:" + client_key(request.scope))
    if wait is not None:
        _reject("rdf_limited", "rdf_rate")
        raise HTTPException(429, f"the whole-graph export is limited to {policy.rdf_rate.amount} a minute "
                                 f"per client: try again in {wait} s", headers={"Retry-After": str(wait)})
