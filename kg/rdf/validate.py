"""SHACL validation of an export against schema/shapes.ttl, with pyshacl."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import SH

from kg.graph.files import SCHEMA_DIR
from kg.rdf.vocab import LABELS, VOCAB_PREFIXES

SHAPES = SCHEMA_DIR / "shapes.ttl"
RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld"}


@dataclass(frozen=True)
class Finding:
    """One SHACL result: the node, the property path, the offending value and the message."""

    severity: str  # Violation | Warning | Info
    focus: str
    path: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}".rstrip()
        value = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: {where}: {self.message}{value}"


@dataclass
class Report:
    """The outcome: conforming when there is no violation (warnings are reported, not failing)."""

    triples: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations


def load(path: Path) -> rdflib.Graph:
    """An export file as an rdflib graph, its format from the suffix (.ttl, .nt, .jsonld)."""
    fmt = RDFLIB_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown RDF format; use .ttl, .nt or .jsonld")
    return rdflib.Graph().parse(path, format=fmt)


def validate(data: rdflib.Graph, shapes: Path = SHAPES) -> Report:
    """Run the shapes over `data`."""
    import pyshacl  # slow to import: only when validating

    shapes_graph = rdflib.Graph().parse(shapes, format="turtle")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph, allow_warnings=True)
    report = Report(triples=len(data))
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        def one(predicate: rdflib.URIRef) -> str:
            term = results.value(result, predicate)
            return "" if term is None else _short(term)

        focus, value = one(SH.focusNode), one(SH.value)
        report.findings.append(Finding(
            severity=str(results.value(result, SH.resultSeverity)).rpartition("#")[2], focus=focus,
            path=one(SH.resultPath), value="" if value == focus else value,
            message=str(results.value(result, SH.resultMessage) or "")))
    report.findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path, f.message))
    return report


def _short(term: rdflib.term.Node) -> str:
    """A term as a reader wants it: `paper:p-…` for a resource, `schema:name` for a known term."""
    if isinstance(term, rdflib.URIRef):
        iri = str(term)
        head, sep, rest = iri.partition("/resource/")
        kind, slash, node = rest.partition("/")
        if sep and slash and kind in LABELS:
            return f"{kind}:{node}"
        for prefix, namespace in VOCAB_PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return f"<{iri}>"
    if isinstance(term, rdflib.BNode):
        return "[]"
    return term.n3()
