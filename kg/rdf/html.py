"""A small readable HTML page of one resource's triples, with links to its neighbours."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from html import escape
from typing import cast

from pyoxigraph import Literal, NamedNode, Triple

from kg.rdf.picture import STYLE as PICTURE_STYLE
from kg.rdf.vocab import RDF, VOCAB_PREFIXES, Iris

_MEMBER = re.compile(re.escape(RDF.iri) + r"_(\d+)\Z")
LINKED_SCHEMES = ("http://", "https://")  # an IRI of another scheme is shown, not linked
BASE_STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}
td:first-child{white-space:nowrap;color:#555;width:12rem}code{font-size:90%}a{color:#0645ad}
.iri{color:#666;font-size:90%;word-break:break-all}"""
STYLE = BASE_STYLE + PICTURE_STYLE  # every HTML page's one <style>; its hash is in their CSP (api/access.py)


def short(iri: str) -> str:
    """A vocabulary IRI in prefixed form (schema:name), or as it is."""
    for prefix, namespace in VOCAB_PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


class Page:
    """The HTML of one resource, from its triples and the names of the nodes they mention."""

    def __init__(self, iris: Iris, subject: NamedNode, names: Mapping[str, str]) -> None:
        self.iris = iris
        self.subject = subject.value
        self.names = names

    def term(self, term: NamedNode | Literal) -> str:
        """A value cell: a link for an IRI (a local path for our resources), escaped text otherwise."""
        if isinstance(term, Literal):
            return escape(term.value)
        iri = term.value
        if iri.startswith(self.subject + "#"):  # one of this resource's lists or parts: its section below
            fragment = iri.partition("#")[2]
            label = self.names.get(iri) or f"{fragment} (in order)"
            return f'<a href="#{escape(fragment)}">{escape(label)}</a>'
        local = self.iris.parse(iri)
        label = self.names.get(iri) or (f"{local[0]} {local[1]}" if local else short(iri))
        if not local and not iri.startswith(LINKED_SCHEMES):  # javascript:, data: and the like stay text
            return escape(label)
        href = iri[len(self.iris.base):] if local else iri
        return f'<a href="{escape(href)}">{escape(label)}</a>'

    def render(self, triples: Iterable[Triple], alternates: Mapping[str, str], picture: str = "") -> str:
        """The page: a picture (SVG, already escaped), the resource's properties, its ordered lists, and what
        refers to it."""
        subject = NamedNode(self.subject)
        own: dict[str, list[str]] = defaultdict(list)
        lists: dict[str, list[tuple[int, str]]] = defaultdict(list)
        incoming: dict[str, list[str]] = defaultdict(list)
        parts_of: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            # A description's triples (kg/rdf/triples.py) have IRI subjects and IRI or literal objects.
            t_subject = cast(NamedNode, t.subject)
            t_object = cast("NamedNode | Literal", t.object)
            predicate = t.predicate.value
            if t_subject == subject:
                own[short(predicate)].append(self.term(t_object))
            elif t_subject.value.startswith(subject.value + "#") and (m := _MEMBER.match(predicate)):
                fragment = t_subject.value.partition("#")[2]
                lists[fragment].append((int(m.group(1)), self.term(t_object)))
            elif t_subject.value.startswith(subject.value + "#"):  # a part of it, e.g. one spelling's evidence
                parts_of[t_subject.value][short(predicate)].append(self.term(t_object))
            elif t_object == subject and not _MEMBER.match(predicate):  # positions show as kg:listedOn
                incoming[short(predicate)].append(self.term(t_subject))
        title = self.names.get(subject.value) or subject.value
        parts = [f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title>",
                 f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>",
                 f"<p class=iri>{escape(subject.value)}</p><p>Also as: {_links(alternates)}</p>", picture,
                 _table(own)]
        for fragment, members in lists.items():
            items = "".join(f"<li value={n}>{cell}</li>" for n, cell in sorted(members))
            parts.append(f'<h2 id="{escape(fragment)}">{escape(fragment)} (in order)</h2><ol>{items}</ol>')
        for iri, rows in parts_of.items():
            fragment = iri.partition("#")[2]
            if fragment in lists:  # its rdf:type rdf:Seq; the list is shown above
                continue
            label = self.names.get(iri) or fragment
            parts.append(f'<h2 id="{escape(fragment)}">{escape(label)}</h2>' + _table(rows))
        if incoming:
            parts.append("<h2>Referred to by</h2>" + _table(incoming))
        parts.append("</body></html>")
        return "".join(parts)


def _table(rows: Mapping[str, list[str]]) -> str:
    cells = "".join(f"<tr><td>{escape(key)}</td><td>{'<br>'.join(values)}</td></tr>"
                    for key, values in rows.items())
    return f"<table>{cells}</table>"


def _links(targets: Mapping[str, str]) -> str:
    return " · ".join(f'<a href="{escape(href)}">{escape(name)}</a>' for name, href in targets.items())
