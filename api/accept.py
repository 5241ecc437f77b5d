"""An Accept header's media ranges, parsed by python-mimeparse, for the endpoints that rank exact types
themselves (GraphQL's two media types, SPARQL's many aliases); /resource and /rdf use mimeparse's best_match."""
from __future__ import annotations

import mimeparse


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
