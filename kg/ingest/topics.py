"""Topics: arXiv categories from profile pages, and the concepts a paper's title and abstract name.

A concept is a whole noun phrase (kg/ingest/phrases.py), folded so that case, hyphens and a plural
give one topic. An abbreviation the abstract defines ("large language models (LLMs)") is an alias of
its concept, and the paper also gets the abbreviation's own topic, which papers that only say "LLMs"
share. Everything is decided per sighting of a paper, so the topics never depend on page order.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from kg.graph.abbrev import long_form_id
from kg.graph.ids import text_key, topic_id
from kg.graph.records import Graph, Paper, Topic
from kg.ingest import phrases

_CS = {
    "AI", "AR", "CC", "CE", "CG", "CL", "CR", "CV", "CY", "DB", "DC", "DL", "DM", "DS", "ET", "FL", "GL",
    "GR", "GT", "HC", "IR", "IT", "LG", "LO", "MA", "MM", "MS", "NA", "NE", "NI", "OH", "OS", "PF", "PL",
    "RO", "SC", "SD", "SE", "SI", "SY",
}
_OTHER = {"ML": "stat.ML", "IV": "eess.IV", "AS": "eess.AS", "SP": "eess.SP", "OC": "math.OC",
          "ST": "stat.ST", "ME": "stat.ME", "QM": "q-bio.QM", "NC": "q-bio.NC"}
# Acronyms too common to say what a paper is about.
_GENERIC_ACRONYMS = {"ai", "ml", "sota", "us", "uk", "eu", "api", "url", "id", "ii", "iii", "iv", "vs"}
TITLE, ABSTRACT, CATEGORY = "title", "abstract", "category"
MAX_CONCEPTS = 12  # per sighting: the title's, then the abstract's most repeated, then the longest; and acronyms
# A paper's topics as one sighting gives them: the topics, and for each topic id where it was found.
Found = tuple[list[Topic], dict[str, list[str]]]


def arxiv_category(code: str) -> str:
    """The full arXiv category for a page's short code: LG -> cs.LG, ML -> stat.ML."""
    if "." in code:
        return code
    upper = code.upper()
    if upper in _CS:
        return "cs." + upper
    return _OTHER.get(upper, code)


@lru_cache(maxsize=256)
def category_topic(code: str) -> Topic:
    """The topic node of an arXiv category."""
    name = arxiv_category(code)
    return Topic(id=topic_id("arxiv", name), name=name, scheme="arxiv", aliases=[])


def normalise_phrase(phrase: str) -> str:
    """The key of a phrase (phrases.fold): "Large Language-Models" -> "large language model"."""
    return phrases.fold(phrase)


@lru_cache(maxsize=1 << 16)
def _topic(key: str, name: str, aliases: tuple[str, ...] = ()) -> Topic:
    return Topic(id=topic_id("keyphrase", key), name=name, scheme="keyphrase", aliases=list(aliases))


@lru_cache(maxsize=1 << 18)
def concept(phrase: str) -> tuple[str, str] | None:
    """(key, name) of a candidate phrase (phrases.noun_phrases), or None: a generic phrase, a too-common
    acronym, a run of more than four words."""
    if phrases.is_acronym(phrase):
        name = phrases.singular(phrase)
        key = text_key(name)
        return None if key in _GENERIC_ACRONYMS or phrases.is_stop(key) or len(key) < 2 else (key, name)
    words = phrase.split()
    if len(words) > 2 and words[0].endswith("ing"):  # "Training Large Language Models": a verb
        del words[0]
    if len(words) > phrases.MAX_WORDS or phrases.is_generic(words):
        return None
    key = phrases.fold(" ".join(words))
    return (key, key) if " " in key else None


_PLACES = {1: [TITLE], 2: [ABSTRACT], 3: [ABSTRACT, TITLE]}  # bit 1: in the title, bit 2: in the abstract


@lru_cache(maxsize=1 << 16)  # the same paper is listed on several pages
def text_topics(title: str, abstract: str) -> Found:
    """The concept topics of a title and abstract, and where each was found."""
    defined = phrases.definitions(abstract)
    seen: dict[str, list[int]] = {}  # key -> [places bits, count]
    names: dict[str, str] = {}
    for bit, text in ((1, title), (2, phrases.expand(abstract, defined) if defined else abstract)):
        for found, n in Counter(map(concept, phrases.noun_phrases(text))).items():
            if found is None:
                continue
            key, name = found
            if (known := seen.get(key)) is None:
                seen[key] = [bit, n]
                names[key] = name
            else:
                known[0] |= bit
                known[1] += n
                if name < names[key]:
                    names[key] = name
    aliases: dict[str, set[str]] = {}
    for d in defined:  # the concept with its abbreviation as an alias, and the abbreviation's own topic
        long, short = phrases.fold(d.long), concept(d.short)
        if " " not in long or short is None:
            continue
        for key, name, alias in ((long, long, d.short), (short[0], short[1], long)):
            known = seen.setdefault(key, [0, 0])
            known[0] |= 2
            known[1] += 2
            names[key] = min(names.get(key, name), name)
            aliases.setdefault(key, set()).add(alias)
    ranked = sorted(seen, key=lambda k: (not seen[k][0] & 1, -seen[k][1], -len(k), k))
    # Every abbreviation stays, past the cap: a paper that writes only "LLMs" gets its long form's topic through
    # it wherever the corpus defines it (kg/graph/abbrev.py).
    chosen = ranked[:MAX_CONCEPTS] + [k for k in ranked[MAX_CONCEPTS:] if " " not in k]
    topics = [_topic(k, names[k], tuple(sorted(aliases[k])) if k in aliases else ()) for k in chosen]
    return topics, dict(sorted((t.id, _PLACES[seen[k][0]]) for t, k in zip(topics, chosen)))


def paper_topics(category: str | None, title: str, abstract: str = "") -> Found:
    """A paper's topics as one page gives them: its arXiv category, then the concepts of its title and
    abstract, or its title's longest word when there are none; and where each was found."""
    found, places = text_topics(title, abstract)
    if category:
        arxiv = category_topic(category)
        return [arxiv, *found], dict(sorted({arxiv.id: [CATEGORY], **places}.items()))
    if not found:
        fallback = fallback_topic(title)
        return [fallback], {fallback.id: [TITLE]}
    return found, places


def fallback_topic(title: str) -> Topic:
    """A topic for a title with no concept in it: its longest word."""
    word = max(re.findall(r"\w+", text_key(title)) or ["untitled"], key=len)
    return _topic(text_key(word), word)


def census(papers: list[Paper], found: list[Topic]) -> list[tuple[Topic, int]]:
    """Each concept topic (not an arXiv category) with how many of `papers` have it, most papers first."""
    counts: dict[str, int] = {}
    for paper in papers:
        for topic in paper.topics:
            counts[topic] = counts.get(topic, 0) + 1
    return sorted(((t, counts.get(t.id, 0)) for t in found if t.scheme != "arxiv"), key=lambda tc: (-tc[1], tc[0].id))


def written(title: str, abstract: str) -> tuple[set[str], set[str]]:
    """The topic ids of the acronyms a title and abstract write, and of every concept they name (no cap)."""
    defined = phrases.definitions(abstract)
    found = [concept(p) for text in (title, phrases.expand(abstract, defined)) for p in phrases.noun_phrases(text)]
    found += [concept(d.short) for d in defined] + [(phrases.fold(d.long), "") for d in defined]
    keys = {c[0] for c in found if c is not None}
    return ({topic_id("keyphrase", k) for k in keys if " " not in k},
            {topic_id("keyphrase", k) for k in keys if " " in k})


def abbreviation_share(graph: Graph) -> dict[str, tuple[int, int]]:
    """Per abbreviation the corpus defines (by name), and for all of them ("" ): how many papers write it
    without naming any of its long forms, and how many of those have its long form's topic."""
    defined = {t.id: t for t in graph.topics if t.stands_for}
    counts: dict[str, list[int]] = {"": [0, 0]}
    for paper in graph.papers:
        acronyms, named = written(paper.title, paper.abstract)
        only = [defined[a] for a in sorted(acronyms) if a in defined
                and not any(long_form_id(f) in named for f in defined[a].aliases)]
        has = [long_form_id(t.stands_for or "") in paper.found_in for t in only]
        for t, ok in zip(only, has):
            tally = counts.setdefault(t.name, [0, 0])
            tally[0] += 1
            tally[1] += ok
        if only:
            counts[""][0] += 1
            counts[""][1] += all(has)
    return {name: (n, k) for name, (n, k) in counts.items()}
