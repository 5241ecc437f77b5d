"""The loader's Cypher, derived from the model: one MERGE per label and per relationship type.

Each property is set by its merge rule (kg/graph/merge.py), so a page loaded twice changes nothing and
pages loaded in any order give the same graph.
"""
from __future__ import annotations

from kg.graph.merge import cypher
from kg.graph.model import BOOKKEEPING, INTERNAL, LABELS, RELATIONSHIPS, Label, Merge, Rel


def merge_node(label: Label) -> str:
    """`UNWIND $rows` MERGE of `label`'s nodes, every property set by its rule."""
    sets = ",\n    ".join(f"n.{p.name} = {cypher(p.merge, f'n.{p.name}', f'row.{p.name}')}"
                           for p in label.props if p.merge is not Merge.KEY)
    return f"UNWIND $rows AS row\nMERGE (n:{label.name} {{id: row.id}})\nSET {sets}"


# A load's AUTHORED and PROFILE_OF links name authors by spelling: each new one is marked until the load gives
# it to a person (kg/store/assign.py), so a stopped load's rerun finds what is left to decide.
PENDING = "pending"
DECIDED = ("AUTHORED", "PROFILE_OF")


def merge_rel(rel: Rel) -> str:
    """`UNWIND $rows` MERGE of `rel` between nodes given by id (`row.from`, `row.to`)."""
    query = (f"UNWIND $rows AS row\nMATCH (s:{rel.start} {{id: row.from}}) MATCH (e:{rel.end} {{id: row.to}})\n"
             f"MERGE (s)-[r:{rel.type}]->(e)")
    sets = [f"r.{p.name} = {cypher(p.merge, f'r.{p.name}', f'row.{p.name}')}" for p in rel.props]
    if rel.type in DECIDED:  # a decided link's place is the load's to number (kg/store/assign.py)
        placed = [s for p, s in zip(rel.props, sets) if p.merge is Merge.ORDER]
        sets = [s for s in sets if s not in placed]
        query += "\nON CREATE SET " + ", ".join([f"r.{PENDING} = true", *placed])
    if sets:
        query += "\nSET " + ", ".join(sets)
    return query


def unlink(rel: Rel) -> str:
    """`UNWIND $rows` delete of `rel` between nodes given by id (`row.from`, `row.to`)."""
    return (f"UNWIND $rows AS row\nMATCH (:{rel.start} {{id: row.from}})-[r:{rel.type}]->(:{rel.end} {{id: row.to}})\n"
            "DELETE r")


def set_latest(label: Label) -> str:
    """The LATEST properties of each profile owner `row.author`, from the save `row.snapshot`; the ids of
    the owners whose properties changed."""
    names = [p.name for p in label.props if p.merge is Merge.LATEST]
    same = " AND ".join(f"coalesce(a.{n} = s.{n}, a.{n} IS NULL AND s.{n} IS NULL)" for n in names)
    sets = ", ".join(f"a.{n} = s.{n}" for n in names)
    return (f"UNWIND $rows AS row\nMATCH (a:{label.name} {{id: row.author}})\n"
            f"MATCH (s:Snapshot {{id: row.snapshot}})\nWITH a, s WHERE NOT ({same})\nSET {sets}\nRETURN a.id AS id")


NODE_QUERIES = {label.plural: merge_node(label) for label in LABELS.values()}
# Written in this order: AUTHORED's positions come from the SEEN_IN author lists, LISTED_ON from the saves
# (only the links a page's current listing adds or moves: a feed page lists thousands, and a save changes few).
LINK_QUERIES = {rel.key: merge_rel(rel) for rel in sorted(RELATIONSHIPS.values(), key=lambda r: (r.type == "LISTED_ON", r.type == "AUTHORED"))}
UNLIST = unlink(RELATIONSHIPS["LISTED_ON"])  # the papers that left a page's current listing
LATEST_QUERY = set_latest(LABELS["Author"])
# The first statement of every write transaction of a load (kg/store/load.py, authors.py, pages.py): the
# lock node's write lock is held until commit, so a second process's transaction waits here. Two loads then
# interleave whole transactions, each reading what the other committed; the count of turns tells a load
# whether another wrote since its own last transaction.
LOCK = BOOKKEEPING[f"{INTERNAL}WriteLock"].name
TAKE_TURN = f"MERGE (l:{LOCK} {{id: 'kg'}}) SET l.turns = coalesce(l.turns, 0) + 1 RETURN l.turns AS turn"
TURNS = f"OPTIONAL MATCH (l:{LOCK} {{id: 'kg'}}) RETURN coalesce(l.turns, 0) AS turn"  # the last turn taken, read only
# Nodes of kg's data, not its bookkeeping (kg/graph/model.py INTERNAL): what digests and counts read.
DATA_NODE = f"NOT any(label IN labels(n) WHERE label STARTS WITH '{INTERNAL}')"
AUTHOR_LISTS = """
UNWIND $ids AS id
MATCH (:Paper {id: id})-[l:SEEN_IN]->()
RETURN id, collect(l.authors) AS lists
"""
# The owners of the given pages, and every save of every profile page of theirs (one person may have
# several once author identity joins spellings).
OWNER_SAVES = """
UNWIND $ids AS id
MATCH (:Page {id: id})-[:PROFILE_OF]->(a:Author)
WITH DISTINCT a
RETURN a.id AS author, COLLECT {
  MATCH (a)<-[:PROFILE_OF]-(:Page)<-[:SNAPSHOT_OF]-(s:Snapshot) RETURN [s.id, s.saved_at]
} AS saves
"""
# Each page's saves, the sightings of those of its newest day, and the papers it lists so far at their places.
PAGE_SAVES = """
UNWIND $ids AS id
MATCH (g:Page {id: id})<-[:SNAPSHOT_OF]-(s:Snapshot)
WITH g, collect([s.id, s.saved_at]) AS saves, max(s.saved_at) AS day
RETURN g.id AS page, saves, COLLECT {
  MATCH (g)<-[:SNAPSHOT_OF]-(s:Snapshot {saved_at: day})<-[v:SEEN_IN]-(p:Paper) RETURN [s.id, p.id, v.position]
} AS sightings, COLLECT { MATCH (g)<-[l:LISTED_ON]-(p:Paper) RETURN [p.id, l.position] } AS listed
"""
# Every save the graph holds of the profile pages of the given bases (kg/ingest/pages.py `Page.base`): the
# base's own page and its namesakes' (`<base>-<digest>`), each save with what `match_saves` reads of it.
PROFILE_SAVES = """
UNWIND $bases AS base
MATCH (g:Page) WHERE g.id STARTS WITH base
MATCH (g)<-[:SNAPSHOT_OF]-(s:Snapshot)
RETURN base, g.id AS page, s.id AS snapshot, s.saved_at AS saved_at,
  COLLECT { MATCH (p:Paper)-[:SEEN_IN]->(s) RETURN p.id } AS papers,
  COLLECT { MATCH (:Paper)-[v:SEEN_IN]->(s) UNWIND v.authors AS a RETURN DISTINCT a } AS names
"""
# Held saves moved to the page they match now, with the old page's values merged in and its PROFILE_OF copied
# (author resolution sets those again); then the pages left without a save go.
MOVE_SAVES = """
UNWIND $rows AS row
MATCH (s:Snapshot {id: row.snapshot})-[r:SNAPSHOT_OF]->(old:Page)
MERGE (g:Page {id: row.page})
SET """ + ", ".join(f"g.{p.name} = {cypher(p.merge, f'g.{p.name}', f'old.{p.name}')}"
                    for p in LABELS["Page"].props if p.merge is not Merge.KEY) + """
DELETE r
MERGE (s)-[:SNAPSHOT_OF]->(g)
WITH DISTINCT old, g
CALL (old, g) {
  MATCH (old)-[:PROFILE_OF]->(a:Author)
  MERGE (g)-[:PROFILE_OF]->(a)
}
"""
DROP_EMPTY_PAGES = """
UNWIND $ids AS id
MATCH (g:Page {id: id}) WHERE NOT EXISTS { (g)<-[:SNAPSHOT_OF]-(:Snapshot) }
DETACH DELETE g
"""
