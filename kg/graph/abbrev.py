"""Abbreviations the corpus defines: a paper that writes only "LLMs" gets the topic of the long form.

An abbreviation's topic (`kp:llm`, named "LLM") lists in `aliases` every long form an abstract defines it as
("large language model", "large scale language model"). Its `stands_for` is the long form most papers name
beside the abbreviation (each as a topic of its text; of equally many, the smallest), among those at least
one paper names. Every paper that has the abbreviation's topic and names none of its long forms gets a
HAS_TOPIC to that long form, `found_in` ["abbreviation"]. All of it is a function of the set of papers, so
`kg parse`, `kg ingest` in any order and `kg ingest --bulk` agree; the Neo4j side is kg/store/abbrev.py.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from kg.graph.ids import topic_id
from kg.graph.merge import order_key
from kg.graph.model import ABBREVIATION
from kg.graph.records import Graph, Topic

Links = Mapping[str, list[str] | None]  # a paper's topics: topic id -> found_in
# An abbreviation the corpus defines, by topic id: its stands_for, and the topic ids of all its long forms.
Defined = Mapping[str, tuple[str, frozenset[str]]]


def defines(name: str, aliases: Iterable[str] | None) -> bool:
    """Whether a topic is an abbreviation with long forms: a word ("LLM") with aliases (a concept's name has
    spaces; its aliases are its abbreviations)."""
    return bool(aliases) and " " not in name


def defines_cypher(topic: str) -> str:
    """`defines` as a Cypher condition on the Topic `topic`."""
    return f"{topic}.aliases IS NOT NULL AND NOT {topic}.name CONTAINS ' '"


def long_form_id(long_form: str) -> str:
    """The topic id of a long form as aliases name it (a concept's key)."""
    return topic_id("keyphrase", long_form)


def is_text(found_in: Iterable[str] | None) -> bool:
    """Whether a link says the paper names the topic itself (not only through an abbreviation)."""
    return any(place != ABBREVIATION for place in found_in or ())


def text_link(rel: str) -> str:
    """A Cypher condition on the HAS_TOPIC `rel`: the paper names the topic itself."""
    return f"any(place IN coalesce({rel}.found_in, []) WHERE place <> '{ABBREVIATION}')"


def choose(counts: Mapping[str, int]) -> str | None:
    """The long form of most papers (`counts`: long form -> papers naming it beside the abbreviation), of
    equally many the smallest; None when no paper names any."""
    named = [(n, form) for form, n in counts.items() if n > 0]
    if not named:
        return None
    return min(named, key=lambda nf: (-nf[0], order_key(nf[1])))[1]


def named_beside(links: Links, aliases: Mapping[str, Iterable[str]]) -> Iterator[tuple[str, str]]:
    """(abbreviation id, long form) for each long form a paper names beside an abbreviation of `aliases`
    (abbreviation id -> its long forms) it has: what `choose` counts."""
    for abbreviation, found_in in links.items():
        if abbreviation in aliases and is_text(found_in):
            for form in aliases[abbreviation]:
                if is_text(links.get(long_form_id(form))):
                    yield abbreviation, form


def writes_only(links: Links, abbreviation: str, forms: Iterable[str]) -> bool:
    """Whether a paper has an abbreviation's topic and names none of its long forms (`forms`: topic ids)."""
    return is_text(links.get(abbreviation)) and not any(is_text(links.get(f)) for f in forms)


def derived(links: Links, defined: Defined) -> list[str]:
    """The long forms' topic ids a paper with these links gets through the abbreviations it writes only."""
    return sorted({long_form_id(long) for a, (long, forms) in defined.items() if writes_only(links, a, forms)})


def stands_for(papers: Iterable[Links], topics: Iterable[Topic]) -> dict[str, str]:
    """Each abbreviation's `stands_for` over `papers` (each paper's links), by topic id."""
    aliases = {t.id: t.aliases for t in topics if defines(t.name, t.aliases)}
    counts: dict[str, Counter[str]] = {a: Counter() for a in aliases}
    for links in papers:
        for abbreviation, form in named_beside(links, aliases):
            counts[abbreviation][form] += 1
    return {a: long for a, c in counts.items() if (long := choose(c)) is not None}


def defined_by(topics: Iterable[Topic], chosen: Mapping[str, str]) -> dict[str, tuple[str, frozenset[str]]]:
    """The abbreviations with a `stands_for` (`chosen`), each with its long forms' topic ids."""
    return {t.id: (chosen[t.id], frozenset(map(long_form_id, t.aliases))) for t in topics if t.id in chosen}


def with_long_forms(graph: Graph) -> Graph:
    """`graph` with each abbreviation's `stands_for` set and each paper linked to the long forms of the
    abbreviations it writes only (`kg parse`: what the loaders write)."""
    chosen = stands_for((p.found_in for p in graph.papers), graph.topics)
    if not chosen:
        return graph
    defined = defined_by(graph.topics, chosen)
    papers = []
    for paper in graph.papers:
        gained = [t for t in derived(paper.found_in, defined) if t not in paper.found_in]
        if gained:
            found_in = dict(sorted({**paper.found_in, **{t: [ABBREVIATION] for t in gained}}.items()))
            paper = paper.model_copy(update={"topics": sorted(found_in), "found_in": found_in})
        papers.append(paper)
    topics = [t.model_copy(update={"stands_for": chosen[t.id]}) if t.id in chosen else t for t in graph.topics]
    return graph.model_copy(update={"papers": papers, "topics": topics})
