"""`kg authors merge|split`: a user's decision, stored as an Override node and applied at once and on every
later resolution of its name block (kg/store/authors.py), so it survives every ingest."""
from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from kg.errors import KgError, quoted
from kg.graph.ids import author_id, digest
from kg.graph.names import block_key
from kg.ingest.identities import weights
from kg.store import refs
from kg.store.authors import OnCommit, resolve_authors

FIND = refs.by_ref("Author")
MENTIONS = """
MATCH (a:Author {id: $id})-[r:AUTHORED]->(p:Paper)
UNWIND coalesce(r.names, [a.id]) AS name
RETURN p.id AS paper, name ORDER BY paper, name
"""
SPELLINGS = "MATCH (a:Author {id: $id}) RETURN a.aliases AS aliases, a.block AS block"
SAVE = """
MERGE (o:Override {id: $id})
SET o.kind = $kind, o.blocks = $blocks, o.groups = $groups,
    o.made = coalesce(o.made, COUNT { MATCH (:Override) }) + 0
"""
LIST = "MATCH (o:Override) RETURN o {.*} AS o ORDER BY o.made, o.id"
AFTER = "MATCH (a:Author) WHERE a.id IN $ids OR any(x IN coalesce(a.aliases, []) WHERE x IN $names) RETURN a.id AS id"


@dataclass(frozen=True)
class Person:
    """An author as a user named them: the node's id, block and mentions (paper, spelling id)."""

    id: str
    block: str
    aliases: list[str]
    mentions: list[tuple[str, str]]


def find(db: Driver, database: str | None, value: str) -> Person:
    """The author whose id or name is `value`; KgError when none is."""
    records, _, _ = db.execute_query(FIND, refs.refs_params("Author", [value]), database_=database)
    node = records[0]["item"] if records else None
    if node is None:
        raise KgError(refs.message("Author", value))
    found, _, _ = db.execute_query(MENTIONS, id=node["id"], database_=database)
    return Person(node["id"], node.get("block") or block_key(node["name"]), node.get("aliases") or [node["name"]],
                  [(r["paper"], r["name"]) for r in found])


def save(db: Driver, database: str | None, kind: str, groups: list[list[tuple[str, str]]], blocks: list[str],
         on_commit: OnCommit | None = None) -> str:
    """Store one override and re-resolve its blocks (on_commit: as `resolve_authors` takes it); its id."""
    lines = sorted(f"{g}\t{paper}\t{name}" for g, group in enumerate(groups) for paper, name in group)
    override = "override-" + digest(kind + "\n" + "\n".join(lines))
    db.execute_query(SAVE, id=override, kind=kind, blocks=sorted(set(blocks)), groups=lines, database_=database)
    resolve_authors(db, database, blocks, weights(), on_commit=on_commit)
    return override


def merge(db: Driver, database: str | None, values: list[str],
          on_commit: OnCommit | None = None) -> tuple[str, list[str]]:
    """Make the authors `values` name one person; (the override, the authors now holding their mentions)."""
    people = [find(db, database, v) for v in values]
    if len({p.id for p in people}) < 2:
        raise KgError("name at least two different authors to merge")
    blocks = sorted({p.block for p in people})
    if len(blocks) > 1:
        raise KgError(f"{', '.join(quoted(p.id) for p in people)} are in different name blocks "
                      f"({', '.join(blocks)}): kg merges authors within one block (family name and first initial)")
    override = save(db, database, "merge", [[m for p in people for m in p.mentions]], blocks, on_commit)
    return override, holders(db, database, people)


def split(db: Driver, database: str | None, value: str, names: list[str],
          on_commit: OnCommit | None = None) -> tuple[str, list[str]]:
    """Make the mentions of `value` spelled as one of `names` a person of their own; (override, authors)."""
    person = find(db, database, value)
    wanted = {author_id(n) for n in names}
    known = {m[1] for m in person.mentions}
    if missing := sorted(n for n in names if author_id(n) not in known):
        spelled = ", ".join(quoted(a) for a in person.aliases)
        raise KgError(f"{quoted(person.id)} is never named {', '.join(quoted(n) for n in missing)} "
                      f"(its spellings: {spelled})")
    apart = [m for m in person.mentions if m[1] in wanted]
    rest = [m for m in person.mentions if m[1] not in wanted]
    if not rest:
        raise KgError(f"every mention of {quoted(person.id)} is spelled so: nothing would be left to split from")
    override = save(db, database, "split", [apart, rest], [person.block], on_commit)
    return override, holders(db, database, [person])


def holders(db: Driver, database: str | None, people: list[Person]) -> list[str]:
    """The authors that hold the given people's spellings now."""
    records, _, _ = db.execute_query(AFTER, ids=[p.id for p in people],
                                     names=[a for p in people for a in p.aliases], database_=database)
    return sorted(r["id"] for r in records)


def overrides(db: Driver, database: str | None) -> list[dict[str, object]]:
    """Every stored override, oldest first."""
    records, _, _ = db.execute_query(LIST, database_=database)
    return [r["o"] for r in records]
