"""The export's vocabulary (schema.org first, dcterms where it fits, kg: for the rest) and resource IRIs.

foaf and prov have no term here that schema.org lacks (schema:mainEntity is foaf:primaryTopic).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import quote, unquote

from pyoxigraph import NamedNode

from kg.graph.model import LABELS as MODEL_LABELS
from kg.settings import Settings, env_name, settings

BASE_ENV = env_name("base_iri")
DEFAULT_BASE = Settings.model_fields["base_iri"].default
KG_NS = "https://kg.example.org/vocab#"  # the ontology's fixed namespace, see schema/ontology.ttl


class Namespace:
    """Terms of one namespace as attributes: `SCHEMA.name` is the NamedNode `https://schema.org/name`."""

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, local: str) -> NamedNode:
        if local.startswith("__"):  # copy/pickle probe dunders; they are not terms
            raise AttributeError(local)
        term = NamedNode(self.iri + local)
        setattr(self, local, term)  # cache: later lookups skip __getattr__
        return term

    def __getitem__(self, local: str) -> NamedNode:
        term: NamedNode = getattr(self, local)
        return term


SCHEMA = Namespace("https://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
KG = Namespace(KG_NS)

VOCAB_PREFIXES = {
    "schema": SCHEMA.iri, "dcterms": DCTERMS.iri,
    "rdf": RDF.iri, "rdfs": RDFS.iri, "xsd": XSD.iri, "kg": KG.iri,
}

# The `{type}` of `{base}/resource/{type}/{id}`, and the Neo4j label it names.
LABELS = {name.lower(): name for name in MODEL_LABELS}
TYPES = {label: kind for kind, label in LABELS.items()}


def base_iri() -> str:
    """The base of every resource IRI: KG_BASE_IRI, default http://localhost:8000 (no trailing slash)."""
    return settings().base_iri.rstrip("/")


_PLAIN_ID = re.compile(r"[A-Za-z0-9._~:-]+\Z")


def encode_id(node_id: str) -> str:
    """An id as one IRI path segment: everything but unreserved characters and ':' percent-encoded."""
    return node_id if _PLAIN_ID.match(node_id) else quote(node_id, safe=":")


def _iri(namespace: str, node_id: str, fragment: str) -> str:
    return namespace + encode_id(node_id) + (f"#{fragment}" if fragment else "")


@lru_cache(maxsize=1 << 16)  # authors, topics and pages recur across a batch's papers
def _named(namespace: str, node_id: str, fragment: str) -> NamedNode:
    return NamedNode(_iri(namespace, node_id, fragment))


class NtIris(dict[str, str]):
    """IRIs of one resource type (and fragment) in N-Triples syntax, by id; a cache of up to `size`."""

    def __init__(self, namespace: str, fragment: str = "", size: int = 1 << 16) -> None:
        super().__init__()
        self.namespace = namespace
        self.fragment = fragment
        self.size = size

    def __missing__(self, node_id: str) -> str:
        if len(self) >= self.size:
            self.clear()
        # Only unreserved characters, ':' and %XX follow the namespace, which Iris checks.
        value = self[node_id] = f"<{_iri(self.namespace, node_id, self.fragment)}>"
        return value


def decode_id(segment: str) -> str:
    """The id an `encode_id` segment came from."""
    return unquote(segment)


@dataclass(frozen=True)
class Iris:
    """Resource IRIs under one base: `{base}/resource/{type}/{percent-encoded id}`."""

    base: str

    @cached_property
    def namespaces(self) -> dict[str, str]:
        """The IRI prefix of each resource type, by type (ValueError when the base makes no valid IRI)."""
        namespaces = {kind: f"{self.base}/resource/{kind}/" for kind in LABELS}
        for namespace in namespaces.values():
            NamedNode(namespace)
        return namespaces

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """Turtle prefixes: the vocabularies, and one per resource type (`paper:p-…`)."""
        return {**VOCAB_PREFIXES, **self.namespaces}

    def resource(self, kind: str, node_id: str, fragment: str = "") -> NamedNode:
        """The IRI of one node of a resource type (or of a part of it: `…/paper/p-1#authors`)."""
        return _named(self.namespaces[kind], node_id, fragment)

    def nt(self, kind: str, fragment: str = "", size: int = 1 << 16) -> NtIris:
        """`resource`'s IRIs in N-Triples syntax by id, the last `size` or so cached:
        `iris.nt("paper")["p-1"]` is `<…/paper/p-1>`."""
        return NtIris(self.namespaces[kind], fragment, size)

    def parse(self, iri: str) -> tuple[str, str] | None:
        """(type, id) of a resource IRI under this base (a fragment ignored), or None."""
        head = f"{self.base}/resource/"
        if not iri.startswith(head):
            return None
        kind, _, segment = iri[len(head):].partition("#")[0].partition("/")
        return (kind, decode_id(segment)) if kind in LABELS and segment else None
