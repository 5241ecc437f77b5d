"""The Cypher schema, derived from the model: a uniqueness constraint per label, the indexes it asks for.

schema/constraints.cypher holds the same statements for people to read (`python -m kg.store.schema`
writes it; a test keeps it current).
"""
from __future__ import annotations

import re
import sys

from neo4j import Driver

from kg.graph.files import SCHEMA_DIR
from kg.graph.model import BOOKKEEPING, LABELS
from kg.store.statements import DECIDED, PENDING

CONSTRAINTS_FILE = SCHEMA_DIR / "constraints.cypher"


def statements() -> list[str]:
    """Every constraint and index, each statement idempotent."""
    out = []
    for label in (*LABELS.values(), *BOOKKEEPING.values()):
        name = label.name.lower()
        out.append(f"CREATE CONSTRAINT {name}_id IF NOT EXISTS FOR (n:{label.name}) REQUIRE n.id IS UNIQUE")
        out += [f"CREATE INDEX {name}_{p.name} IF NOT EXISTS FOR (n:{label.name}) ON (n.{p.name})"
                for p in label.props if p.index]
        if label.fulltext:
            fields = ", ".join(f"n.{f}" for f in label.fulltext)
            out.append(f"CREATE FULLTEXT INDEX {name}_text IF NOT EXISTS FOR (n:{label.name}) ON EACH [{fields}]")
    out += [f"CREATE INDEX {rel.lower()}_{PENDING} IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.{PENDING})" for rel in DECIDED]
    return out


# What graphs written before the bookkeeping labels took their double underscore still hold: the lock only
# counts turns, so it goes (the next write transaction takes a new one).
LEGACY = ("MATCH (l:WriteLock) DETACH DELETE l", "DROP CONSTRAINT writelock_id IF EXISTS")

_NAMED = re.compile(r"CREATE (CONSTRAINT|(?:FULLTEXT )?INDEX) (\w+) ")


def names() -> dict[str, list[str]]:
    """The names `statements` gives its constraints and its indexes: {"constraints": [...], "indexes": [...]}."""
    out: dict[str, list[str]] = {"constraints": [], "indexes": []}
    for stmt in statements():
        found = _NAMED.match(stmt)
        assert found, stmt
        out["constraints" if found[1] == "CONSTRAINT" else "indexes"].append(found[2])
    return out


def text() -> str:
    """schema/constraints.cypher as it should read."""
    head = ("// kg graph schema, derived from kg/graph/model.py (`python -m kg.store.schema` writes this file).\n"
            "// Applied idempotently by `kg schema apply` and by every `kg ingest`: a uniqueness constraint per\n"
            "// label on its `id` (each also backs MERGE lookups), range indexes for lookups, filters and\n"
            "// orders, and full-text indexes for relevance-ordered `papers(search:)` and\n"
            "// `authors(search:)`.\n")
    return head + "".join(f"{stmt};\n" for stmt in statements())


def apply_schema(driver: Driver, database: str | None = None) -> int:
    """Create every constraint and index that is missing, wait for indexes to come online."""
    stmts = statements()
    with driver.session(database=database) as session:
        for stmt in stmts:
            session.run(stmt).consume()
        if session.run("CALL db.labels() YIELD label WHERE label = 'WriteLock' RETURN count(*) AS n").single(strict=True)["n"]:
            for stmt in LEGACY:
                session.run(stmt).consume()
        session.run("CALL db.awaitIndexes(3600)").consume()
    return len(stmts)


def wipe_graph(driver: Driver, database: str | None = None) -> None:
    """Delete every node and relationship in batches; constraints and indexes stay."""
    # CALL {...} IN TRANSACTIONS needs an implicit (auto-commit) transaction: session.run.
    # Relationships first: DETACH DELETE of a topic with 100k papers would be one huge transaction.
    with driver.session(database=database) as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS").consume()


if __name__ == "__main__":
    CONSTRAINTS_FILE.write_text(text())
    print(f"wrote {CONSTRAINTS_FILE}", file=sys.stderr)
