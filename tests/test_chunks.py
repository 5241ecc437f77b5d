"""kg.graph.chunks.bounded: the one rule that cuts parse tasks and load transactions."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kg.graph.chunks import bounded


@given(sizes=st.lists(st.integers(0, 50)), most=st.integers(1, 6), size=st.integers(1, 80))
def test_chunks_keep_order_and_bounds(sizes: list[int], most: int, size: int) -> None:
    items = list(enumerate(sizes))
    chunks = list(bounded(items, most, size))
    assert [i for chunk in chunks for i in chunk] == [i for i, _ in items]
    for chunk in chunks:
        assert 1 <= len(chunk) <= most
        assert len(chunk) == 1 or sum(sizes[i] for i in chunk) <= size
    for chunk, after in zip(chunks, chunks[1:]):  # a chunk ends only where the next item would break a bound
        assert len(chunk) == most or sum(sizes[i] for i in chunk) + sizes[after[0]] > size
