"""The merge rules are order-free, and each rule's Cypher (run by Neo4j) agrees with its Python."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.graph.merge import author_order, combine, cypher
from kg.graph.model import Merge
from kg.store.connection import Settings

Evaluate = Callable[[str, Any, Any], Any]


@pytest.fixture
def evaluate(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> Evaluate:
    """Neo4j's value of a Cypher expression of $old and $new."""
    def run(expression: str, old: Any, new: Any) -> Any:
        records, _, _ = neo4j_driver.execute_query(f"RETURN {expression} AS v", old=old, new=new,
                                                   database_=neo4j_settings.database)
        return records[0]["v"]

    return run

INTS = st.integers(-(2**63), 2**63 - 1)
FLOATS = st.floats(allow_nan=False)
TEXTS = st.text(max_size=8) | st.sampled_from(["", "a", "b", "ab", "\uffff", "\U0001F600", "\u00e9", "e\u0301"])
TEXT_LISTS = st.lists(TEXTS, max_size=4)
DATES = st.dates().map(lambda d: d.isoformat()) | st.dates().map(lambda d: d.strftime("--%m-%d"))

# Per rule, the kinds of value it merges; every pair of values of one kind (or None) is tried.
VALUES: dict[Merge, list[st.SearchStrategy[Any]]] = {
    Merge.KEY: [TEXTS],
    Merge.MIN: [INTS, FLOATS, TEXTS],
    Merge.MAX: [INTS, FLOATS, TEXTS],
    Merge.LONGEST: [TEXTS, TEXT_LISTS],
    Merge.ANY: [st.booleans()],
    Merge.UNION: [TEXT_LISTS],
    Merge.DATE: [DATES],
}
ORDER_FREE = [rule for rule in VALUES if rule is not Merge.KEY]  # an id is the same in every sighting


def sightings(rules: list[Merge], count: int) -> st.SearchStrategy[tuple[Merge, list[Any]]]:
    """A rule and `count` values of one of its kinds, each possibly None."""
    return st.sampled_from(rules).flatmap(lambda rule: st.sampled_from(VALUES[rule]).flatmap(
        lambda kind: st.tuples(st.just(rule), st.lists(st.none() | kind, min_size=count, max_size=count))))


def typed(value: Any) -> Any:
    """A value with its type, so 1 and 1.0 (or 0.0 and -0.0) differ."""
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value).__name__, repr(value)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=sightings(list(VALUES), 2))
def test_cypher_agrees_with_python(evaluate: Evaluate, case: tuple[Merge, list[Any]]) -> None:
    rule, (old, new) = case
    assert typed(evaluate(cypher(rule, "$old", "$new"), old, new)) == typed(combine(rule, old, new))


@settings(max_examples=500)
@given(case=sightings(ORDER_FREE, 3))
def test_combine_is_commutative_and_associative(case: tuple[Merge, list[Any]]) -> None:
    rule, (a, b, c) = case
    assert combine(rule, a, b) == combine(rule, b, a)
    assert combine(rule, combine(rule, a, b), c) == combine(rule, a, combine(rule, b, c))


AUTHOR_LISTS = st.lists(st.lists(st.sampled_from([f"a-{c}" for c in "abcdefg"]), max_size=6), max_size=5)


@settings(max_examples=300)
@given(data=st.data(), lists=AUTHOR_LISTS)
def test_author_order_is_order_free(data: st.DataObject, lists: list[list[str]]) -> None:
    order = author_order(lists)
    assert order == author_order(data.draw(st.permutations(lists)))
    assert sorted(order) == sorted({a for names in lists for a in names})  # each author once: 0..n-1
    longest = max((list(dict.fromkeys(names)) for names in lists), key=len, default=[])
    assert order[:len(longest)] == min((list(dict.fromkeys(n)) for n in lists if len(set(n)) == len(longest)),
                                       default=[])
