"""Content negotiation on its own (python-mimeparse underneath): any Accept header gives a format, a 406 or a
400, never an exception of another kind; q=0 is a refusal whatever wildcard follows it."""
from __future__ import annotations

import pytest
from fastapi import HTTPException
from hypothesis import given
from hypothesis import strategies as st

from api.linked_data import MEDIA_TYPES, OFFERED, OFFERED_RDF, negotiate
from kg.rdf.export import FORMATS

TYPES = st.sampled_from([*OFFERED, "*/*", "text/*", "application/*", "image/png", "application/xml", "*"])
RANGE = st.builds(lambda t, q: t if q is None else f"{t};q={q}", TYPES,
                  st.none() | st.sampled_from(["0", "0.0", "0.5", "1", "1.0", "2", "-1", "x", ""]))
HEADERS = st.lists(RANGE, max_size=6).map(", ".join) | st.text(max_size=60)


@given(HEADERS, st.sampled_from([OFFERED, OFFERED_RDF]))
def test_any_accept_header_gives_a_format_a_406_or_a_400(accept: str, offered: list[str]) -> None:
    try:
        chosen = negotiate(accept, offered)
    except HTTPException as exc:
        assert exc.status_code in (400, 406)
        return
    if chosen is None:
        assert offered is OFFERED
    # a format refused with q=0 under each of its names (and not also listed without it) is never the answer
    mentions = [(r.split(";")[0].strip().lower(), r.replace(" ", "").lower()) for r in accept.split(",")]
    zero = [(t, raw.endswith((";q=0", ";q=0.0"))) for t, raw in mentions]
    refused = {t for t, is_zero in zero if is_zero} - {t for t, is_zero in zero if not is_zero}
    names = {t for t in offered if MEDIA_TYPES[t] is chosen}
    assert not names <= refused


@pytest.mark.parametrize("accept", ["text/turtle;q=0, */*", "text/turtle;q=0,application/x-turtle;q=0,*/*"])
def test_a_refused_turtle_is_never_served(accept: str) -> None:
    assert negotiate(accept) is FORMATS["jsonld"]


def test_no_header_or_a_blank_one_is_turtle() -> None:
    assert negotiate(None) is negotiate("") is negotiate("  ") is FORMATS["turtle"]
