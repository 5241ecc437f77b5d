"""Checks of a loaded graph for the order-free tests: `kg synth` corpora, `kg parse`, positions, rdf:Seq."""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import neo4j
from pyoxigraph import NamedNode, RdfFormat, parse

from kg.graph.model import LABELS
from kg.graph.records import Graph
from kg.ingest.pages import Page, expand
from kg.ingest.resolve import KINDS, Resolver
from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.vocab import DEFAULT_BASE, RDF, Iris
from kg.store.digest import canonical
from kg.store.rows import row
from kg.synth.corpus import synthesize


@dataclass(frozen=True)
class Db:
    """A driver and its database; shown without the settings (whose password hypothesis would print)."""

    driver: neo4j.Driver
    database: str | None

    def __repr__(self) -> str:
        return f"Db({self.database})"

    def query(self, cypher: str, **params: object) -> list[neo4j.Record]:
        records, _, _ = self.driver.execute_query(cypher, params, database_=self.database)
        return records


def synth(out: Path, papers: int, seed: int, workers: int = 1) -> list[Path]:
    """The page files of a `kg synth` corpus written under `out` (replaced if there), in `kg`'s order."""
    synthesize(out, papers, seed, workers=workers, force=True)
    return list(expand([out / "pages"]))


def resolve(pages: Iterable[Page]) -> Graph:
    """What `kg parse` prints for these pages."""
    resolver = Resolver()
    for page in pages:
        resolver.add_page(page)
    return resolver.graph()


def parsed_nodes(graph: Graph) -> list[str]:
    """The digest lines (see kg/store/digest.py) of the nodes `kg parse` gives, as the loaders store them."""
    lines = []
    for kind, label in KINDS.items():
        for node in getattr(graph, kind):
            props = {k: v for k, v in row(LABELS[label], node).items() if v is not None}
            lines.append(canonical(["node", [label], node.id, props]))
    return sorted(lines)


def graph_nodes(db: Db) -> list[str]:
    """The digest lines of the graph's nodes but pages and their saves (which `kg parse` does not print) and the lock."""
    records = db.query("MATCH (n) WHERE NOT n:Page AND NOT n:Snapshot AND NOT any(l IN labels(n) WHERE l STARTS WITH '__') RETURN labels(n) AS labels, n.id AS id, properties(n) AS props")
    return sorted(canonical(["node", sorted(r["labels"]), r["id"], r["props"]]) for r in records)


AUTHOR_ORDER = """
MATCH (p:Paper)
RETURN p.id AS paper, COLLECT { MATCH (a:Author)-[r:AUTHORED]->(p) RETURN [r.position, a.id] ORDER BY r.position } AS authors
"""


def author_positions(db: Db) -> dict[str, list[list]]:
    """Each paper's [position, author id] pairs, by position."""
    return {r["paper"]: r["authors"] for r in db.query(AUTHOR_ORDER)}


def position_problems(positions: dict[str, list[list]]) -> list[str]:
    """Papers whose authors' positions are not 0..n-1, each used once."""
    return [f"{paper}: {pairs}" for paper, pairs in positions.items()
            if [position for position, _ in pairs] != list(range(len(pairs)))]


def export_nt(db: Db) -> bytes:
    """The graph as `kg export --format nt` writes it."""
    out, iris = io.BytesIO(), Iris(DEFAULT_BASE)
    write(triple_batches(db.driver, db.database, iris), out, FORMATS["nt"], iris)
    return out.getvalue()


def seq_problems(nt: bytes) -> list[str]:
    """Each rdf:Seq whose members are not rdf:_1..rdf:_n, each used once, and members of no rdf:Seq."""
    member = RDF.iri + "_"
    seqs: set[str] = set()
    members: dict[str, list[int]] = defaultdict(list)
    for triple in parse(nt, RdfFormat.N_TRIPLES):
        subject, predicate = str(triple.subject), triple.predicate.value
        if predicate == RDF.type.value and triple.object == RDF.Seq:
            seqs.add(subject)
        elif predicate.startswith(member) and predicate[len(member):].isdigit():
            members[subject].append(int(predicate[len(member):]))
    problems = [f"{seq}: members {sorted(members[seq])}" for seq in sorted(seqs)
                if sorted(members[seq]) != list(range(1, len(members[seq]) + 1))]
    return problems + [f"{subject}: members but no rdf:Seq" for subject in sorted(set(members) - seqs)]


def seqs(nt: bytes) -> dict[str, int]:
    """How many rdf:Seq the export has, by kind of resource (`paper`, `page`)."""
    counts: dict[str, int] = defaultdict(int)
    for triple in parse(nt, RdfFormat.N_TRIPLES):
        if triple.predicate == RDF.type and triple.object == RDF.Seq and isinstance(triple.subject, NamedNode):
            counts[triple.subject.value.split("/resource/")[1].split("/")[0]] += 1
    return dict(counts)
