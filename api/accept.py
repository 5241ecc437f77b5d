"""An Accept header's media ranges, parsed by python-mimeparse, for the endpoints that rank exact types
themselves (GraphQL's two media types, SPARQL's many aliases); /resource and /rdf use mimeparse's best_match."""
from __future__ import annotations

from collections.abc import Sequence

import mimeparse

HTML = "text/html"


def ranges(accept: str) -> list[tuple[float, int, str]]:
    """(q, position, "type/subtype") of each range, lower-cased; a malformed q counts as 0 (refused)."""
    out = []
    for order, part in enumerate(accept.split(",")):
        if not part.strip():
            continue
        try:
            kind, sub, params = mimeparse.parse_media_range(part)
        except (mimeparse.MimeTypeParseException, ValueError):
            continue
        try:
            q = float(params.get("q", 1))
        except ValueError:
            q = 0.0
        out.append((q, order, f"{kind}/{sub}".lower()))
    return out


def prefers(accept: str | None, wanted: str, others: Sequence[str]) -> bool:
    """Does Accept rank `wanted` above each of `others` (by mimeparse's best_match; a tie, `*/*` or no Accept
    goes to them)?"""
    if not accept or not accept.strip():
        return False
    try:
        best: str = mimeparse.best_match([wanted, *others], accept.lower())
    except (mimeparse.MimeTypeParseException, ValueError):
        return False
    return best == wanted


def prefers_html(accept: str | None, others: Sequence[str] = ("application/json",)) -> bool:
    """Does Accept rank text/html above each of `others`? A browser's navigation does; API clients, curl and
    SPARQL clients do not."""
    return prefers(accept, HTML, others)
