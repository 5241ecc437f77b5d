"""How each export format writes terms and statements: N-Triples, Turtle, expanded JSON-LD.

The Describer (kg/rdf/triples.py) builds one subject's predicate-object pairs as `predicate + object`
from a syntax's terms (strings for N-Triples and Turtle, 1-tuples for JSON-LD, whose sum is a
(key, value) pair), and the syntax writes a page of (subject, pairs) statements as bytes. A subject
may come back in a later statement (a listing's rdf:Seq gains a member in each paper's row):
repeated subjects are valid Turtle, and JSON-LD processors merge node objects with the same @id.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from pyoxigraph import Literal, NamedNode

from kg.rdf.vocab import RDF, XSD, Iris, encode_id

Term = Any  # str in N-Triples and Turtle, a 1-tuple in JSON-LD: see the module's docstring
Statement = tuple[Any, list[Any]]  # a subject and its predicate-object pairs

# The characters pyoxigraph escapes in a quoted string, escaped as it does.
_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F, 0xFFFE, 0xFFFF]} | {
    0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_NEEDS_ESCAPE = re.compile("[" + "".join(re.escape(chr(c)) for c in _ESCAPES) + "]")
# A Turtle PN_LOCAL needing no escape, of the characters encode_id leaves: no '.' or '-' first, no '.'
# last; '~' would need one, so such an IRI is written whole.
_PLAIN_LOCAL = re.compile(r"(?:[A-Za-z0-9_:]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_:.-]|%[0-9A-Fa-f]{2})*(?<!\.)\Z")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MONTH_DAY = re.compile(r"--\d{2}-\d{2}\Z")


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[ord(match[0])]


def quoted(value: str) -> str:
    """A string as an N-Triples (and Turtle) quoted string: an xsd:string literal."""
    if _NEEDS_ESCAPE.search(value):
        value = _NEEDS_ESCAPE.sub(_escape, value)
    return f'"{value}"'


def canonical_double(value: float) -> str:
    """An xsd:double's lexical form as pyoxigraph writes it (Neo4j may hand back an int for a whole number)."""
    return str(Literal(float(value)).value)


class Cache(dict[str, Term]):
    """Terms by key, made on first use; cleared when it holds `size`, so memory stays bounded."""

    def __init__(self, make: Callable[[str], Term], size: int = 1 << 16) -> None:
        super().__init__()
        self.make = make
        self.size = size

    def __missing__(self, key: str) -> Term:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.make(key)
        return value


class NTriples:
    """N-Triples, as pyoxigraph writes it: a predicate term ends with a space, so `predicate + object`
    is "<p> o"."""

    name = "nt"
    subjects_are_objects = True  # a resource IRI is the same term as subject and as object
    head = b""  # before the first statement
    between = b""  # between two pages' statements
    foot = b""  # after the last

    def __init__(self, iris: Iris) -> None:
        self.iris = iris

    def whole(self, iri: str) -> Term:
        """A valid IRI as an object, written whole."""
        return f"<{iri}>"

    def resource(self, prefix: str, local: str) -> Term:
        """A resource IRI (its type's prefix, and its encoded id and fragment) as an object."""
        return self.whole(self.iris.prefixes[prefix] + local)

    def subject_resource(self, prefix: str, local: str) -> Term:
        """A resource IRI as a subject."""
        return self.resource(prefix, local)

    def resources(self, kind: str, fragment: str = "", size: int = 1 << 16, subject: bool = False) -> Cache:
        """The IRIs of one resource type (and fragment) by id, as objects (or subjects); the last `size`
        or so cached. Only unreserved characters, ':' and %XX follow the namespace, which Iris checks."""
        make, tail = self.subject_resource if subject else self.resource, f"#{fragment}" if fragment else ""
        return Cache(lambda node_id: make(kind, encode_id(node_id) + tail), size)

    def iri(self, node: NamedNode) -> Term:
        """A vocabulary IRI as an object."""
        return self.whole(node.value)

    def predicate(self, node: NamedNode) -> Term:
        """A predicate, to which an object term is added."""
        return self.iri(node) + " "

    def named(self, iri: str) -> Term:
        """An IRI as an object (ValueError when it is not a valid IRI)."""
        NamedNode(iri)
        return self.whole(iri)

    def link(self, value: str) -> Term:
        """A URL as an IRI, or as an xsd:anyURI literal when it is not a valid IRI."""
        try:
            return self.named(value)
        except ValueError:
            return self.typed(value, XSD.anyURI)

    def string(self, value: str) -> Term:
        """An xsd:string literal."""
        return quoted(value)

    def text(self, value: str) -> Term | None:
        """A non-empty string as an xsd:string literal."""
        return self.string(value) if value else None

    def typed(self, value: str, datatype: NamedNode) -> Term:
        """A literal of `datatype`."""
        return f"{quoted(value)}^^{self.iri(datatype)}"

    def integer(self, value: int) -> Term:
        """An xsd:integer."""
        return f'"{int(value)}"^^<{XSD.integer.value}>'

    def double(self, value: float) -> Term:
        """An xsd:double, in pyoxigraph's canonical form."""
        return self.typed(canonical_double(value), XSD.double)

    def boolean(self, value: bool) -> Term:
        """An xsd:boolean."""
        return self.typed("true" if value else "false", XSD.boolean)

    def date(self, value: str) -> Term:
        """YYYY-MM-DD as xsd:date, --MM-DD (no year on the page) as xsd:gMonthDay; else a plain string."""
        if _FULL_DATE.match(value):
            return self.typed(value, XSD.date)
        if _MONTH_DAY.match(value):
            return self.typed(value, XSD.gMonthDay)
        return self.string(value)  # the SHACL shape reports it

    def statement(self, subject: Term, pairs: list[Term]) -> str:
        """One subject's triples."""
        return f"{subject} " + f" .\n{subject} ".join(pairs) + " .\n"

    def lines(self, subject: Term, pairs: list[Term]) -> list[str]:
        """One subject's triples, a line each."""
        return [f"{subject} {pair} .\n" for pair in pairs]

    def render(self, statements: Sequence[Statement]) -> bytes:
        """A page's statements."""
        statement = self.statement
        return "".join([statement(subject, pairs) for subject, pairs in statements]).encode()


class Turtle(NTriples):
    """Turtle: a subject's pairs joined by ';', and prefixed names where the local part needs no escape."""

    name = "turtle"

    def __init__(self, iris: Iris) -> None:
        super().__init__(iris)
        # Longest namespace first: a resource type's prefix wins over a shorter namespace it extends.
        self.namespaces = sorted(iris.prefixes.items(), key=lambda item: -len(item[1]))
        self.head = "".join(f"@prefix {prefix}: <{namespace}> .\n"
                            for prefix, namespace in iris.prefixes.items()).encode()

    def resource(self, prefix: str, local: str) -> Term:
        plain, hashed, fragment = local.partition("#")
        if _PLAIN_LOCAL.match(plain):  # a fragment of ours is a plain word, and '#' is escaped
            return f"{prefix}:{plain}" + (f"\\#{fragment}" if hashed else "")
        return super().resource(prefix, local)

    def iri(self, node: NamedNode) -> Term:
        iri = node.value
        for prefix, namespace in self.namespaces:
            if iri.startswith(namespace) and _PLAIN_LOCAL.match(local := iri[len(namespace):]):
                return f"{prefix}:{local}"
        return self.whole(iri)

    def predicate(self, node: NamedNode) -> Term:
        return "a " if node == RDF.type else self.iri(node) + " "

    def integer(self, value: int) -> Term:
        return str(int(value))

    def boolean(self, value: bool) -> Term:
        return "true" if value else "false"

    def statement(self, subject: Term, pairs: list[Term]) -> str:
        return f"{subject} " + " ;\n\t".join(pairs) + " .\n"


class JsonLd(NTriples):
    """Expanded JSON-LD, as pyoxigraph writes it: one node object per statement in a JSON array,
    no @context, full IRIs."""

    name = "jsonld"
    subjects_are_objects = False
    head = b"[\n"
    between = b",\n"
    foot = b"\n]\n"

    def whole(self, iri: str) -> Term:
        return ({"@id": iri},)

    def subject_resource(self, prefix: str, local: str) -> Term:
        return self.iris.prefixes[prefix] + local

    def predicate(self, node: NamedNode) -> Term:
        return (node.value,)

    def string(self, value: str) -> Term:
        return ({"@value": value},)

    def typed(self, value: str, datatype: NamedNode) -> Term:
        return ({"@type": datatype.value, "@value": value},)

    def integer(self, value: int) -> Term:
        return ({"@type": XSD.integer.value, "@value": str(int(value))},)

    @staticmethod
    def node(subject: Term, pairs: list[Term]) -> dict[str, Any]:
        """One subject's node object."""
        node: dict[str, Any] = {"@id": subject}
        for key, value in pairs:
            if (values := node.get(key)) is None:
                node[key] = [value]
            else:
                values.append(value)
        return node

    def render(self, statements: Sequence[Statement]) -> bytes:
        node, dumps = self.node, orjson.dumps
        return b",\n".join([dumps(node(subject, pairs)) for subject, pairs in statements])


SYNTAXES: dict[str, type[NTriples]] = {s.name: s for s in (NTriples, Turtle, JsonLd)}
