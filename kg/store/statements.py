"""The loader's Cypher, derived from the model: one MERGE per label and per relationship type.

Each property is set by its merge rule (kg/graph/merge.py), so a page loaded twice changes nothing and
pages loaded in any order give the same graph.
"""
from __future__ import annotations

from kg.graph.merge import cypher
from kg.graph.model import LABELS, RELATIONSHIPS, Label, Merge, Rel


def merge_node(label: Label) -> str:
    """`UNWIND $rows` MERGE of `label`'s nodes, every property set by its rule."""
    sets = ",\n    ".join(f"n.{p.name} = {cypher(p.merge, f'n.{p.name}', f'row.{p.name}')}"
                           for p in label.props if p.merge is not Merge.KEY)
    return f"UNWIND $rows AS row\nMERGE (n:{label.name} {{id: row.id}})\nSET {sets}"


def merge_rel(rel: Rel) -> str:
    """`UNWIND $rows` MERGE of `rel` between nodes given by id (`row.from`, `row.to`)."""
    query = (f"UNWIND $rows AS row\nMATCH (s:{rel.start} {{id: row.from}}) MATCH (e:{rel.end} {{id: row.to}})\n"
             f"MERGE (s)-[r:{rel.type}]->(e)")
    if rel.props:
        query += "\nSET " + ", ".join(f"r.{p.name} = {cypher(p.merge, f'r.{p.name}', f'row.{p.name}')}"
                                      for p in rel.props)
    return query


NODE_QUERIES = {label.plural: merge_node(label) for label in LABELS.values()}
# AUTHORED goes last: its positions are computed from the LISTED_ON author lists written before it.
LINK_QUERIES = {rel.key: merge_rel(rel) for rel in sorted(RELATIONSHIPS.values(), key=lambda r: r.type == "AUTHORED")}
AUTHOR_LISTS = """
UNWIND $ids AS id
MATCH (:Paper {id: id})-[l:LISTED_ON]->()
RETURN id, collect(l.authors) AS lists
"""
