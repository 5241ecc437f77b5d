"""The merge rules: how sightings of one value combine, each rule written once in Python and once in Cypher.

Every rule is order-free, so `kg parse`, `kg ingest` and `kg ingest --bulk` give the same graph whatever
order the pages come in. A paper's author order is computed from every page's list of its authors.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from kg.graph.model import LABELS, RELATIONSHIPS, Label, Merge
from kg.graph.names import compatible_names, parse
from kg.graph.records import Paper, Source

M = TypeVar("M", bound=BaseModel)


def order_key(value: Any) -> Any:
    """A value's place in Neo4j's order: strings by UTF-16 code units, as Java compares them (so U+FFFF
    comes after U+10000, unlike in Python), lists item by item."""
    if isinstance(value, str):
        return value.encode("utf-16-be")
    if isinstance(value, list):
        return [order_key(v) for v in value]
    return value


def _date_key(value: str) -> tuple[bool, Any]:
    return value.startswith("--"), order_key(value)


def combine(rule: Merge, a: Any, b: Any) -> Any:
    """The value two sightings give together under `rule` (None means the sighting says nothing)."""
    if rule is Merge.KEY:
        return a
    if a is None or b is None:
        return normal(rule, b if a is None else a)
    if rule is Merge.MIN:
        return min(a, b, key=order_key)
    if rule is Merge.MAX:
        return max(a, b, key=order_key)
    if rule is Merge.LONGEST:
        return min(a, b, key=lambda v: (-len(v), order_key(v)))
    if rule is Merge.ANY:
        return bool(a or b)
    if rule is Merge.UNION:
        return normal(rule, [*a, *b])
    if rule is Merge.DATE:
        return min(a, b, key=_date_key)
    if rule in (Merge.LATEST, Merge.CORPUS):  # sightings with no save to date them: the largest, to stay order-free
        return max(a, b, key=order_key)
    raise ValueError(f"{rule} values are computed, not combined")


def normal(rule: Merge, value: Any) -> Any:
    """A single sighting's value as merged ones are: a union sorted (as Neo4j sorts) and distinct."""
    return sorted(set(value), key=order_key) if rule is Merge.UNION and value is not None else value


def cypher(rule: Merge, old: str, new: str) -> str:
    """A Cypher expression of the value `old` (stored) and `new` (a row's) give together under `rule`."""
    if rule is Merge.KEY:
        return old
    if rule is Merge.ORDER:
        return new
    if rule in (Merge.LATEST, Merge.CORPUS):  # set after each load (newest save, whole corpus), not by the MERGE
        return old
    if rule is Merge.MIN:
        return f"CASE WHEN {old} IS NULL OR {new} < {old} THEN {new} ELSE {old} END"
    if rule is Merge.MAX:
        return f"CASE WHEN {old} IS NULL OR {new} > {old} THEN {new} ELSE {old} END"
    if rule is Merge.LONGEST:
        return (f"CASE WHEN {old} IS NULL OR size({new}) > size({old}) "
                f"OR (size({new}) = size({old}) AND {new} < {old}) THEN {new} ELSE {old} END")
    if rule is Merge.ANY:
        return f"CASE WHEN {old} OR {new} THEN true ELSE coalesce({old}, {new}) END"
    if rule is Merge.UNION:
        return (f"CASE WHEN {old} IS NULL AND {new} IS NULL THEN null ELSE COLLECT {{ "
                f"UNWIND coalesce({old}, []) + coalesce({new}, []) AS v RETURN DISTINCT v ORDER BY v }} END")
    if rule is Merge.DATE:
        undated_old, undated_new = f"{old} STARTS WITH '--'", f"{new} STARTS WITH '--'"
        return (f"CASE WHEN {old} IS NULL OR ({new} IS NOT NULL AND (({undated_old} AND NOT {undated_new}) "
                f"OR (({undated_old}) = ({undated_new}) AND {new} < {old}))) THEN {new} ELSE {old} END")
    raise ValueError(f"no Cypher for {rule}")


SAVED = "saved"  # a sighting's "<saved_at> <snapshot id>": of two dated ones, the newer gives the LATEST values


def merge_values(label: Label, a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The property values of one node of `label` from two sightings' values, property by property;
    LATEST ones all from the newer dated sighting."""
    out = {p.name: combine(p.merge, a.get(p.name), b.get(p.name)) for p in label.props}
    saved_a, saved_b = a.get(SAVED), b.get(SAVED)
    if saved_a is None and saved_b is None:
        return out
    newer = b if saved_a is None or (saved_b is not None and saved_b > saved_a) else a
    out.update({p.name: newer.get(p.name) for p in label.props if p.merge is Merge.LATEST}, saved=newer[SAVED])
    return out


def merge_nodes(label: Label, a: M, b: M) -> M:
    """One node of `label` from two sightings of it (records), property by property."""
    return a.model_copy(update=merge_values(label, a.__dict__, b.__dict__))


def author_order(lists: Iterable[Sequence[str]]) -> list[str]:
    """A paper's authors from every page's list of them: the longest list (of equally long ones, the
    smallest), then the authors it lacks by the earliest place any list gives them, then by id."""
    distinct = [list(dict.fromkeys(names)) for names in lists if names]
    if not distinct:
        return []
    best = min(distinct, key=lambda names: (-len(names), names))
    first: dict[str, int] = {}
    for names in distinct:
        for place, author in enumerate(names):
            first[author] = min(first.get(author, place), place)
    chosen = set(best)
    return best + sorted((a for a in first if a not in chosen), key=lambda a: (first[a], a))


def same_place(lists: Iterable[Sequence[str]], names: Mapping[str, str]) -> dict[str, str]:
    """Spelling ids that stand at one place of a paper's author list on one page and at the same place on
    another page, with compatible `names` (id -> spelling) and neither page listing the other: one author
    spelled two ways. Each id of such a group but the one kept (its fullest spelling) is mapped to it."""
    distinct = [list(dict.fromkeys(ids)) for ids in lists if ids]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for i, a in enumerate(distinct):
        for b in distinct[i + 1:]:
            for x, y in zip(a, b):
                if (x != y and x in names and y in names and x not in b and y not in a
                        and compatible_names(parse(names[x]), parse(names[y]))):
                    parent[find(x)] = find(y)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    out: dict[str, str] = {}
    for root, members in groups.items():
        group = {root, *members}
        kept = min(group, key=lambda x: (-len(names[x]), order_key(names[x]), x))
        out.update({x: kept for x in group if x != kept})
    return out


def listings(sources: Iterable[Source]) -> dict[str, Source]:
    """A paper's sightings merged per save (snapshot): the earliest position, the longest author list."""
    rel = {p.name: p.merge for p in _SEEN_IN_PROPS}
    out: dict[str, Source] = {}
    for source in sources:
        key = source.snapshot or source.file
        known = out.get(key)
        out[key] = source if known is None else known.model_copy(update={
            name: combine(rule, getattr(known, name), getattr(source, name)) for name, rule in rel.items()})
    return out


def newest_day(saves: Iterable[tuple[str, str]]) -> set[str]:
    """Of a page's saves (snapshot id, saved_at), the ids of those of the newest day: its current listing."""
    saves = list(saves)
    day = max((saved for _, saved in saves), default=None)
    return {snap for snap, saved in saves if saved == day}


def newest(saves: Iterable[tuple[str, str]]) -> str | None:
    """Of a page's saves (snapshot id, saved_at), the one whose header figures are current: the newest,
    of one day's, the largest id."""
    return max(saves, key=lambda s: (s[1], s[0]), default=(None,))[0]


def current_listing(sightings: Iterable[tuple[str, str, int]]) -> list[str]:
    """A page's listing from its newest saves' sightings (snapshot id, paper id, position): each save's
    papers in order, the saves one after another by id, each paper once."""
    first: dict[str, tuple[str, int]] = {}
    for snap, paper, position in sightings:
        key = (snap, position)
        if paper not in first or order_key(list(key)) < order_key(list(first[paper])):
            first[paper] = key
    return sorted(first, key=lambda paper: order_key(list(first[paper])))


def merge_papers(a: Paper, b: Paper) -> Paper:
    """One paper from two sightings of it: its properties by their rules, its links as sets, its authors
    in the order `author_order` gives every page's list."""
    merged = merge_nodes(PAPER, a, b)
    sources = sorted({s.model_dump_json(): s for s in (*a.sources, *b.sources)}.values(),
                     key=lambda s: (s.file, s.position))
    names: dict[str, str] = {}
    for author, name in (*zip(a.author_ids, a.authors), *zip(b.author_ids, b.authors)):
        names[author] = combine(AUTHOR.prop("name").merge, names.get(author), name)
    ids = author_order(s.authors for s in listings(sources).values())
    return merged.model_copy(update={
        "author_ids": ids, "authors": [names[i] for i in ids], "sources": sources,
        **{field: sorted({*getattr(a, field), *getattr(b, field)}) for field in ("institutions", "repos", "topics")},
        "found_in": union_of_lists(a.found_in, b.found_in),
    })


def union_of_lists(a: Mapping[str, list[str]], b: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Two maps of sorted lists joined key by key, each list the sorted union of both."""
    if a == b:
        return dict(a)
    return {k: sorted({*a.get(k, ()), *b.get(k, ())}) for k in sorted({*a, *b})}


def add_nodes(table: dict[str, M], label: Label, found: Iterable[M]) -> None:
    """Merge each node of `label` into `table`, keyed by id."""
    for node in found:
        known = table.get(node.id)  # type: ignore[attr-defined]
        if known is None:
            table[node.id] = node  # type: ignore[attr-defined]
        elif known.__dict__ != node.__dict__:  # most sightings repeat what is known: nothing to merge
            table[node.id] = merge_nodes(label, known, node)  # type: ignore[attr-defined]


PAPER, AUTHOR = LABELS["Paper"], LABELS["Author"]
# The figures a profile page gives its owner, set from the page's newest save.
LATEST_FIGURES = tuple(p.name for p in AUTHOR.props if p.merge is Merge.LATEST)
_SEEN_IN_PROPS = RELATIONSHIPS["SEEN_IN"].props
