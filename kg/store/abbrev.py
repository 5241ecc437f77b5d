"""A load's abbreviations (kg/graph/abbrev.py) in Neo4j: each transaction keeps them as if all were loaded at once.

The cost follows the load: how many papers name each long form beside an abbreviation is kept (`__Abbreviation`),
and a transaction adds what its own papers changed of it; the abbreviations its papers have get their
`stands_for` again from those counts, and its papers their long-form links. An abbreviation is counted over
the graph only when it has no counts yet (a graph `--bulk` wrote, a page forgotten) or a new long form was
defined; and only when its `stands_for` changes (its first definition, or another long form overtaking) are
its other papers linked again.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from neo4j import ManagedTransaction

from kg.graph import abbrev
from kg.graph.merge import cypher
from kg.graph.model import ABBREVIATION, BOOKKEEPING, FOUND_IN, INTERNAL, RELATIONSHIPS

_FOUND_IN = next(p for p in RELATIONSHIPS["HAS_TOPIC"].props if p.name == FOUND_IN)

COUNTED = BOOKKEEPING[f"{INTERNAL}Abbreviation"].name
# Each given abbreviation counted over the graph: for each long form (its topic id), the papers naming it beside.
RECOUNT = f"""
UNWIND $rows AS row
MATCH (a:Topic {{id: row.id}})
RETURN row.id AS id, [form IN row.forms | COUNT {{
  MATCH (a)<-[r:HAS_TOPIC]-(:Paper)-[s:HAS_TOPIC]->(:Topic {{id: form}})
  WHERE {abbrev.text_link('r')} AND {abbrev.text_link('s')} }}] AS papers
"""
COUNTS = f"UNWIND $ids AS id MATCH (c:{COUNTED} {{id: id}}) RETURN id, c.forms AS forms, c.papers AS papers"
KEEP_COUNTS = f"UNWIND $rows AS row MERGE (c:{COUNTED} {{id: row.id}}) SET c.forms = row.forms, c.papers = row.papers"
FORGET_COUNTS = f"MATCH (c:{COUNTED}) DELETE c"  # after papers are deleted: counted again when next needed
SET_STANDS_FOR = "UNWIND $rows AS row MATCH (a:Topic {id: row.id}) SET a.stands_for = row.stands_for"
PAPERS_OF = "UNWIND $ids AS id MATCH (:Topic {id: id})<-[:HAS_TOPIC]-(p:Paper) RETURN DISTINCT p.id AS id"
# Each paper's links, each with what its topic stands for (an abbreviation's long form and long forms) and its name.
LINKS = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})
RETURN id, COLLECT { MATCH (p)-[r:HAS_TOPIC]->(t:Topic) RETURN [t.id, r.found_in, t.stands_for, t.aliases, t.name] }
  AS links
"""
LINK = f"""
UNWIND $rows AS row
MATCH (p:Paper {{id: row.from}}) MATCH (t:Topic {{id: row.to}})
MERGE (p)-[r:HAS_TOPIC]->(t)
SET r.found_in = {cypher(_FOUND_IN.merge, "r.found_in", f"['{ABBREVIATION}']")}
"""
UNLINK = f"""
UNWIND $rows AS row
MATCH (:Paper {{id: row.from}})-[r:HAS_TOPIC]->(:Topic {{id: row.to}})
WITH r, [v IN r.found_in WHERE v <> '{ABBREVIATION}'] AS rest
CALL (r, rest) {{ WITH r WHERE rest = [] DELETE r }}
CALL (r, rest) {{ WITH r, rest WHERE rest <> [] SET r.found_in = rest }}
"""


def held(tx: ManagedTransaction, paper_ids: Iterable[str]) -> dict[str, abbrev.Links]:
    """The topic links the given papers have, before a transaction writes theirs (`update` counts the change)."""
    return {paper: {t: places for t, places, *_ in links} for paper, links in tx.run(LINKS, ids=sorted(set(paper_ids))).values()}


def update(tx: ManagedTransaction, paper_ids: Iterable[str], before: Mapping[str, abbrev.Links]) -> set[str]:
    """After a transaction's writes: the `stands_for` of the abbreviations the papers `paper_ids` have (the papers
    a page adds to name them, or their long forms, beside them), from their counts and what these papers changed
    of them since `before` (`held`); then the long-form links of those papers and of the papers of every
    abbreviation whose `stands_for` changed. Returns the ids of the papers whose links changed."""
    papers = sorted(set(paper_ids))
    now = dict(tx.run(LINKS, ids=papers).values())
    topics = {t[0]: t for links in now.values() for t in links}
    aliases = {t: sorted(forms) for t, _, _, forms, name in topics.values() if abbrev.defines(name, forms)}
    counts = _counts(tx, aliases, [({t: places for t, places, *_ in links}, before.get(paper, {}))
                                   for paper, links in now.items()])
    changed = {}
    for a, forms in aliases.items():
        chosen = abbrev.choose(dict(zip(forms, counts[a])))
        if chosen != topics[a][2]:
            changed[a] = chosen
    if changed:
        tx.run(SET_STANDS_FOR, rows=[{"id": a, "stands_for": v} for a, v in sorted(changed.items())]).consume()
        papers = sorted({*papers, *tx.run(PAPERS_OF, ids=sorted(changed)).value("id")})
    return relink(tx, papers)


def _counts(tx: ManagedTransaction, aliases: Mapping[str, list[str]],
            papers: list[tuple[abbrev.Links, abbrev.Links]]) -> dict[str, list[int]]:
    """Each abbreviation's papers per long form (in `aliases`' order), from its kept counts and what `papers`
    (each paper's links now and before) changed, or counted over the graph; the counts kept again."""
    delta: dict[tuple[str, str], int] = {}
    for after, before in papers:
        for pair in abbrev.named_beside(after, aliases):
            delta[pair] = delta.get(pair, 0) + 1
        for pair in abbrev.named_beside(before, aliases):
            delta[pair] = delta.get(pair, 0) - 1
    kept = {r["id"]: r for r in tx.run(COUNTS, ids=sorted(aliases)) if r["forms"] == aliases[r["id"]]}
    out = {a: [n + delta.get((a, form), 0) for form, n in zip(forms, kept[a]["papers"])]
           for a, forms in aliases.items() if a in kept}
    recount = [{"id": a, "forms": [abbrev.long_form_id(f) for f in forms]} for a, forms in sorted(aliases.items())
               if a not in kept]
    out.update((r["id"], r["papers"]) for r in tx.run(RECOUNT, rows=recount))
    rows = [{"id": a, "forms": aliases[a], "papers": out[a]} for a in sorted(aliases)
            if a not in kept or any(delta.get((a, form), 0) for form in aliases[a])]
    if rows:
        tx.run(KEEP_COUNTS, rows=rows).consume()
    return out


def relink(tx: ManagedTransaction, paper_ids: list[str]) -> set[str]:
    """Give each paper the long-form links its abbreviations call for, and only those; the papers changed."""
    add: list[dict[str, Any]] = []
    drop: list[dict[str, Any]] = []
    for paper, links in tx.run(LINKS, ids=paper_ids).values():
        found = {t: places for t, places, *_ in links}
        defined = {t: (long, frozenset(map(abbrev.long_form_id, forms))) for t, _, long, forms, _ in links if long}
        want = set(abbrev.derived(found, defined))
        have = {t for t, places in found.items() if ABBREVIATION in (places or ())}
        add += [{"from": paper, "to": t} for t in sorted(want - have)]
        drop += [{"from": paper, "to": t} for t in sorted(have - want)]
    if add:
        tx.run(LINK, rows=add).consume()
    if drop:
        tx.run(UNLINK, rows=drop).consume()
    return {r["from"] for r in (*add, *drop)}
