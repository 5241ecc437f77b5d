"""The pages a graph holds, and forgetting one: the graph as if the page had never been loaded.

Forgetting a page deletes its saves, its papers and every node they name (authors, institutions,
repositories, keyphrases), and every paper those nodes name in turn; then it reloads, from their stored
content, the other saves that listed any of those papers. What comes back is exactly what the other pages
say, merged by the same rules, and the name blocks it touched are resolved again (kg/store/authors.py), so
the graph equals one loaded without the page. All in one transaction.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from neo4j import Driver, ManagedTransaction

from kg.errors import KgError, PageError
from kg.graph.ids import author_id
from kg.ingest.identities import weights
from kg.ingest.pages import content_bytes, page_id, parse_bytes
from kg.store import abbrev, authors
from kg.store.load import write_rows
from kg.store.rows import Rows
from kg.store.schema import apply_schema
from kg.store.statements import TAKE_TURN

LIST = """
MATCH (g:Page) WHERE $format IS NULL OR g.format = $format
OPTIONAL MATCH (g)<-[:SNAPSHOT_OF]-(s:Snapshot)
WITH g, count(s) AS saves, max(s.saved_at) AS newest
RETURN g.id AS id, g.format AS format, g.title AS title, saves, newest,
       COUNT { (g)<-[:LISTED_ON]-(:Paper) } AS listed
ORDER BY format, title, id
"""
FIND = "MATCH (g:Page) WHERE g.id = $ref OR g.title = $ref RETURN g.id AS id ORDER BY id LIMIT 2"
# The page's papers, and the nodes whose values its sightings may have given: arXiv topics are left out,
# their values being their id's (so they only go when no paper is left on them).
NEIGHBOURS = """
MATCH (:Page {id: $page})<-[:SNAPSHOT_OF]-(:Snapshot)<-[:SEEN_IN]-(p:Paper)
WITH collect(DISTINCT p) AS mine
CALL (mine) {
  UNWIND mine AS p
  MATCH (p)-[:AUTHORED|HAS_CODE|AFFILIATED_WITH|HAS_TOPIC]-(x)
  WHERE NOT x.id STARTS WITH 'arxiv:'
  RETURN collect(DISTINCT x) AS named
}
OPTIONAL MATCH (:Page {id: $page})-[:PROFILE_OF]->(owner:Author)
WITH mine, named + CASE WHEN owner IS NULL THEN [] ELSE [owner] END AS named
CALL (mine, named) {
  UNWIND named AS x
  MATCH (x)-[:AUTHORED|HAS_CODE|AFFILIATED_WITH|HAS_TOPIC]-(p:Paper)
  RETURN collect(DISTINCT p) AS theirs
}
RETURN [p IN mine | p.id] + [p IN theirs | p.id] AS papers, [x IN named | elementId(x)] AS named,
       COLLECT { UNWIND mine + theirs AS p MATCH (p)<-[:AUTHORED]-(a:Author) WHERE a.block IS NOT NULL
                 RETURN DISTINCT a.block } AS blocks,
       COLLECT { UNWIND mine AS p MATCH (p)-[:HAS_TOPIC]->(t:Topic) WHERE t.id STARTS WITH 'arxiv:'
                 RETURN DISTINCT t.id } AS topics
"""
OTHER_SAVES = """
UNWIND $papers AS id
MATCH (:Paper {id: id})-[:SEEN_IN]->(s:Snapshot)-[:SNAPSHOT_OF]->(g:Page) WHERE g.id <> $page
RETURN DISTINCT s.id AS id, s.saved_at AS saved_at, s.content AS content
"""
DELETE = """
MATCH (g:Page {id: $page}) OPTIONAL MATCH (g)<-[:SNAPSHOT_OF]-(s:Snapshot) DETACH DELETE g, s
WITH count(*) AS done
UNWIND $papers AS id MATCH (p:Paper {id: id}) DETACH DELETE p
WITH count(*) AS done
UNWIND $named AS element MATCH (x) WHERE elementId(x) = element DETACH DELETE x
"""
OWNER = "MATCH (g:Page {id: $page, format: 'profile'}) RETURN g.title AS title"
ORPHANS = "UNWIND $topics AS id MATCH (t:Topic {id: id}) WHERE NOT (t)<-[:HAS_TOPIC]-() DELETE t"


def list_pages(driver: Driver, database: str | None = None, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Each page: id, format, title, how many saves, the newest save's date, how many papers it lists now."""
    with driver.session(database=database) as session:
        for record in session.run(LIST, format=fmt):
            yield record.data()


def forget(driver: Driver, ref: str, database: str | None = None) -> dict[str, int]:
    """Remove the page `ref` (its id, or its title when one page has it) and all it alone gave the graph;
    how many papers were deleted and how many other saves reloaded."""
    apply_schema(driver, database)
    with driver.session(database=database) as session:
        found = session.execute_read(lambda tx: tx.run(FIND, ref=ref).value("id"))
        if not found:
            raise KgError(f"no page {ref!r}: `kg pages list` shows the pages")
        if len(found) > 1:
            raise KgError(f"more than one page is titled {ref!r}: name it by its id")
        return session.execute_write(_forget, found[0])


def _forget(tx: ManagedTransaction, page: str) -> dict[str, int]:
    tx.run(TAKE_TURN).consume()
    owner = tx.run(OWNER, page=page).value("title")
    record = tx.run(NEIGHBOURS, page=page).single()
    papers = sorted(set(record["papers"])) if record else []
    saves = tx.run(OTHER_SAVES, papers=papers, page=page).data()
    tx.run(DELETE, page=page, papers=papers, named=record["named"] if record else []).consume()
    tx.run(abbrev.FORGET_COUNTS).consume()
    rows = Rows()
    for save in saves:
        try:
            rows.add_page(parse_bytes(content_bytes(save["content"]), Path(f"snapshot {save['id']}"),
                                      save["saved_at"]))
        except PageError as exc:  # a save that loaded once parses again; this would be a bug
            raise KgError(f"cannot reload {save['id']}: {exc}") from None
    if owner and owner[0]:  # its namesakes' pages are matched again without it
        rows.rematch[page_id("profile", author_id(owner[0]))] = author_id(owner[0])
    if rows.pages or rows.rematch:
        write_rows(tx, rows)
    if record:
        tx.run(ORPHANS, topics=record["topics"]).consume()
    # The blocks whose mentions changed (the deleted papers' authors', the reloaded ones'), resolved again as
    # a load resolves what it wrote (kg/store/authors.py), so identities are those of a graph without the page.
    blocks = set(record["blocks"] if record else [])
    blocks.update(a.block for a in rows.nodes("authors").values() if a.block)  # type: ignore[attr-defined]
    if blocks:
        authors.resolve_in(tx, blocks, weights())
    return {"papers": len(papers), "reloaded": len(saves)}
