"""Topics: arXiv categories from profile pages, and keyphrases of each title (YAKE)."""
from __future__ import annotations

import re
from functools import lru_cache

import yake_rust

from kg.graph.ids import text_key, topic_id
from kg.graph.records import Topic

_CS = {
    "AI", "AR", "CC", "CE", "CG", "CL", "CR", "CV", "CY", "DB", "DC", "DL", "DM", "DS", "ET", "FL", "GL",
    "GR", "GT", "HC", "IR", "IT", "LG", "LO", "MA", "MM", "MS", "NA", "NE", "NI", "OH", "OS", "PF", "PL",
    "RO", "SC", "SD", "SE", "SI", "SY",
}
_OTHER = {"ML": "stat.ML", "IV": "eess.IV", "AS": "eess.AS", "SP": "eess.SP", "OC": "math.OC",
          "ST": "stat.ST", "ME": "stat.ME", "QM": "q-bio.QM", "NC": "q-bio.NC"}
_GENERIC = {"model", "models", "learning", "approach", "method", "methods", "paper", "study", "towards",
            "via", "using", "based", "new", "large", "efficient", "data", "framework", "analysis"}
KEYPHRASES_PER_PAPER = 3


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
    return Topic(id=topic_id("arxiv", name), name=name, scheme="arxiv")


@lru_cache(maxsize=1)
def _extractor() -> yake_rust.Yake:
    return yake_rust.Yake(language="en", ngrams=2)


@lru_cache(maxsize=1 << 16)  # the same paper is listed on several pages
def keyphrase_topics(title: str, limit: int = KEYPHRASES_PER_PAPER) -> list[Topic]:
    """Up to `limit` keyphrases of a title, normalised so one phrase is one topic everywhere.

    Titles only: YAKE on title + abstract costs ~2 ms a paper against ~0.1 ms for the title.
    """
    topics: dict[str, Topic] = {}
    chosen: list[set[str]] = []
    for phrase, _score in _extractor().get_n_best(title, n=limit * 3):
        name = normalise_phrase(phrase)
        words = set(name.split())
        if not name or name in _GENERIC or len(name) < 3 or any(words <= c or c <= words for c in chosen):
            continue
        chosen.append(words)
        topic = Topic(id=topic_id("keyphrase", name), name=name, scheme="keyphrase")
        topics.setdefault(topic.id, topic)
        if len(topics) == limit:
            break
    return list(topics.values())


def normalise_phrase(phrase: str) -> str:
    """Lower case, plain spacing, a plural last word made singular ("language models" -> "language model")."""
    words = text_key(phrase).split()
    if not words:
        return ""
    last = words[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is", "as", "os", "ics")):
        words[-1] = last[:-1]
    return " ".join(words)


def paper_topics(category: str | None, title: str) -> list[Topic]:
    """A paper's topics as one page gives them: its arXiv category, then its title's keyphrases, or its
    longest word when there are none. A paper's topics are the union over every page's."""
    found = [category_topic(category)] if category else []
    found += keyphrase_topics(title)  # cached: shared, never mutated
    if not found:
        found.append(fallback_topic(title))
    return found


def fallback_topic(title: str) -> Topic:
    """A topic for a title YAKE finds nothing in: its longest word."""
    word = max(re.findall(r"\w+", text_key(title)) or ["untitled"], key=len)
    return Topic(id=topic_id("keyphrase", word), name=word, scheme="keyphrase")
