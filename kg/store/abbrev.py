"""A load's abbreviations (kg/graph/abbrev.py) in Neo4j: each transaction keeps them as if all were loaded at once.

The cost follows the load: the abbreviations its papers have get their `stands_for` again (a lookup for one
with a single long form, a count over its papers for one with several), and its papers their long-form links;
only when an abbreviation's `stands_for` changes (its first definition, or another long form overtaking)
are its other papers linked again.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from neo4j import ManagedTransaction

from kg.graph import abbrev
from kg.graph.merge import cypher
from kg.graph.model import ABBREVIATION, FOUND_IN, RELATIONSHIPS

_FOUND_IN = next(p for p in RELATIONSHIPS["HAS_TOPIC"].props if p.name == FOUND_IN)

# Each abbreviation with long forms the given papers have: what it stands for, and how many papers name each
# long form beside it (whether any does, for one with a single long form, which needs no count).
COUNTS = f"""
UNWIND $ids AS id
MATCH (:Paper {{id: id}})-[:HAS_TOPIC]->(a:Topic) WHERE {abbrev.defines_cypher('a')}
WITH DISTINCT a
RETURN a.id AS id, a.stands_for AS was, [form IN a.aliases | [form, CASE WHEN size(a.aliases) = 1
  THEN CASE WHEN EXISTS {{ MATCH (a)<-[r:HAS_TOPIC]-(p:Paper)-[s:HAS_TOPIC]->(:Topic {{name: form}})
                           WHERE {abbrev.text_link('r')} AND {abbrev.text_link('s')} }} THEN 1 ELSE 0 END
  ELSE COUNT {{ MATCH (a)<-[r:HAS_TOPIC]-(p:Paper)-[s:HAS_TOPIC]->(:Topic {{name: form}})
               WHERE {abbrev.text_link('r')} AND {abbrev.text_link('s')} }} END]] AS counts
"""
SET_STANDS_FOR = "UNWIND $rows AS row MATCH (a:Topic {id: row.id}) SET a.stands_for = row.stands_for"
PAPERS_OF = "UNWIND $ids AS id MATCH (:Topic {id: id})<-[:HAS_TOPIC]-(p:Paper) RETURN DISTINCT p.id AS id"
# Each paper's links, each with what its topic stands for (an abbreviation's long form and long forms).
LINKS = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})
RETURN id, COLLECT { MATCH (p)-[r:HAS_TOPIC]->(t:Topic) RETURN [t.id, r.found_in, t.stands_for, t.aliases] } AS links
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


def update(tx: ManagedTransaction, paper_ids: Iterable[str]) -> set[str]:
    """After a transaction's writes: the `stands_for` of the abbreviations the papers `paper_ids` have (the papers
    a page adds to name them, or their long forms, beside them), then the long-form links of those papers and of
    the papers of every abbreviation whose `stands_for` changed. Returns the ids of the papers whose links changed."""
    papers = sorted(set(paper_ids))
    changed, rows = [], []
    for r in tx.run(COUNTS, ids=papers):
        now = abbrev.choose(dict(map(tuple, r["counts"])))
        if now != r["was"]:
            changed.append(r["id"])
            rows.append({"id": r["id"], "stands_for": now})
    if rows:
        tx.run(SET_STANDS_FOR, rows=rows).consume()
    if changed:
        papers = sorted({*papers, *tx.run(PAPERS_OF, ids=changed).value("id")})
    return relink(tx, papers)


def relink(tx: ManagedTransaction, paper_ids: list[str]) -> set[str]:
    """Give each paper the long-form links its abbreviations call for, and only those; the papers changed."""
    add: list[dict[str, Any]] = []
    drop: list[dict[str, Any]] = []
    for paper, links in tx.run(LINKS, ids=paper_ids).values():
        found = {t: places for t, places, _, _ in links}
        defined = {t: (long, frozenset(map(abbrev.long_form_id, forms))) for t, _, long, forms in links if long}
        want = set(abbrev.derived(found, defined))
        have = {t for t, places in found.items() if ABBREVIATION in (places or ())}
        add += [{"from": paper, "to": t} for t in sorted(want - have)]
        drop += [{"from": paper, "to": t} for t in sorted(have - want)]
    if add:
        tx.run(LINK, rows=add).consume()
    if drop:
        tx.run(UNLINK, rows=drop).consume()
    return {r["from"] for r in (*add, *drop)}
