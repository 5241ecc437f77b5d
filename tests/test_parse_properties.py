"""Property-based tests: mutated and random pages never crash the parser or the extractor."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import PageError
from kg.graph.ids import paper_id, text_key
from kg.ingest.links import NOT_OWNERS, extract_links
from kg.ingest.pages import parse_file
from kg.ingest.resolve import Resolver
from tests.pages import FEED, PROFILE, SEARCH

PAGES = [PROFILE, FEED, SEARCH]
LINE_JUNK = st.sampled_from(["", "·", "  • 3 authors", "Mar 3", "12.0LGMar 3, 2024Code", "Subscribe",
                             "et al. · meta-ai", "https://github.com/x/y.", "\t", "\u00a0", "…", "ÿ"])


@st.composite
def mutated_pages(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(PAGES)).splitlines()
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["drop", "dup", "insert", "swap", "chop"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(st.one_of(LINE_JUNK, st.text(max_size=80))))
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines)


def parse_text(text: str | bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        try:
            return parse_file(path)
        except PageError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mutated_pages())
def test_mutated_pages_parse_or_fail_cleanly(text: str) -> None:
    page = parse_text(text)
    if page is not None:
        resolver = Resolver()
        for record in page.records:
            paper = record.paper
            assert paper.title.strip() and paper.id == paper_id(paper.title)
            assert len(paper.authors) == len(paper.author_ids) == len(record.authors)
            assert len(set(paper.repos)) == len(paper.repos)
            assert paper.date is None or len(paper.date) in (7, 10)
            resolver.add(record)
        assert all(paper.topics for paper in resolver.papers())  # resolution gives every paper a topic


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    parse_text(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_extractor_total_on_any_text(text: str) -> None:
    links = extract_links(text)
    ids = [r.id for r in links.repos]
    assert len(ids) == len(set(ids))
    for repo in links.repos:
        assert repo.url.startswith("https://") and repo.id == repo.id.lower()


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True), st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True),
       st.sampled_from(["https://", "http://", "", "www."]), st.sampled_from(["", ".git", "/", "/tree/main/x", "."]),
       st.sampled_from(["", ".", ",", ")", ";"]))
def test_any_github_url_form_gives_owner_slash_name(owner, name, scheme, suffix, trail) -> None:
    if name.endswith("-") and suffix in ("", "."):
        return  # reads as a URL the page cut off
    text = f"code: {scheme}github.com/{owner}/{name}{suffix}{trail} now"
    ids = [r.id for r in extract_links(text).repos]
    if owner.lower() in NOT_OWNERS:
        return
    assert ids == [f"{owner}/{name}".lower()]


@given(st.text(max_size=200))
def test_text_key_is_idempotent(text: str) -> None:
    assert text_key(text_key(text)) == text_key(text)
