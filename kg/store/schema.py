"""The Cypher schema in `schema/constraints.cypher`, applied idempotently."""
from __future__ import annotations

from pathlib import Path

from neo4j import Driver

from kg.graph.files import SCHEMA_DIR


def statements(path: Path = SCHEMA_DIR / "constraints.cypher") -> list[str]:
    """The schema statements, comments dropped."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//"))
    return [stmt.strip() for stmt in text.split(";") if stmt.strip()]


def apply_schema(driver: Driver, database: str | None = None) -> int:
    """Create every constraint and index that is missing, wait for indexes to come online."""
    stmts = statements()
    with driver.session(database=database) as session:
        for stmt in stmts:
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
