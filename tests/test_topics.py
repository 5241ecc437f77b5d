"""Topics from the text (issue 13): whole noun phrases, abbreviations as aliases, one folding, and where
each topic was found, from the chunker up to the graph in Neo4j."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import neo4j
from hypothesis import given
from hypothesis import strategies as st

from kg.ingest import phrases, topics
from kg.ingest.pages import pages
from kg.ingest.text import clean
from kg.store.connection import Settings
from kg.store.load import Loader
from tests.pages import write

WORD = st.from_regex(r"[a-z]{4,9}", fullmatch=True).filter(lambda w: not phrases.is_stop(w))
STOPS = st.sampled_from(["the", "of", "we", "and", "is", "propose", "with", ",", ".", "significantly", "3"])
NOUNS = [("model", "models"), ("network", "networks"), ("query", "queries"), ("cache", "caches"),
         ("approach", "approaches"), ("policy", "policies"), ("process", "processes"), ("box", "boxes")]


@given(st.lists(st.one_of(WORD, STOPS), max_size=40))
def test_a_phrase_is_a_whole_run_of_content_words_never_cut(tokens: list[str]) -> None:
    text = " ".join(tokens)
    words = text.lower().replace(",", " | ").replace(".", " | ").split()
    runs, run = [], []
    for word in [*words, "|"]:
        if phrases.is_stop(word):
            if len(run) > 1:
                runs.append(run)
            run = []
        else:
            run.append(word)
    assert phrases.chunks(text) == runs
    for chunk in phrases.chunks(text):
        assert not any(phrases.is_stop(w) for w in chunk)


@given(st.lists(WORD, min_size=1, max_size=4), st.sampled_from(NOUNS))
def test_case_hyphens_and_plurals_fold_to_one_key(words: list[str], noun: tuple[str, str]) -> None:
    one, many = noun
    key = phrases.fold(" ".join([*words, one]))
    for variant in (" ".join([*words, many]), "-".join([*words, many]).upper(), " ".join([*words, one]).title(),
                    "-".join([*words, one])):
        assert phrases.fold(variant) == key, variant
    assert phrases.fold(key) == key


# Words whose first letter occurs nowhere else in a long form, so that its initials name it one way only.
INITIALS = st.lists(st.sampled_from("bcdfghjkmnpqrtvwz"), min_size=2, max_size=4, unique=True)
LONG = INITIALS.flatmap(lambda firsts: st.tuples(*(st.from_regex(rf"{c}[aeiou]{{3,7}}", fullmatch=True)
                                                   for c in firsts))).map(list)


@given(st.lists(WORD, max_size=6), LONG, st.booleans())
def test_an_abbreviation_a_text_defines_is_found_by_its_initials(before: list[str], long: list[str],
                                                                 plural: bool) -> None:
    short = "".join(w[0] for w in long).upper() + ("s" if plural else "")
    text = " ".join([*before, *long]) + f" ({short}) are studied; the {short} work."
    found = phrases.definitions(text)
    assert [(d.short, d.long) for d in found] == [(phrases.singular(short), " ".join(long))]
    expanded = phrases.expand(text, found)
    assert f"({short})" not in expanded and expanded.count(" ".join(long)) == 2


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_clean_folds_white_space_as_split_does(line: str) -> None:
    assert clean(line) == " ".join(unicodedata.normalize("NFC", line).split())


ABSTRACT = ("We compress the key-value (KV) cache of large language models (LLMs). Serving LLMs needs "
            "less GPU memory when the KV cache is quantised.")


def test_a_defined_abbreviation_is_an_alias_and_a_topic_of_its_own() -> None:
    found, places = topics.text_topics("Quantised Caches for Language Models", ABSTRACT)
    by_id = {t.id: t for t in found}
    assert by_id["kp:large-language-model"].aliases == ["LLM"]
    assert by_id["kp:llm"].aliases == ["large language model"] and by_id["kp:llm"].name == "LLM"
    assert by_id["kp:key-value-cache"].name == "key value cache"  # "the KV cache" spelt out, and folded
    assert places["kp:quantised-cache"] == ["title"] and places["kp:key-value-cache"] == ["abstract"]
    assert "kp:language-model" not in by_id or places["kp:language-model"] == ["title"]  # never cut from "large ..."
    other, _ = topics.text_topics("Faster Serving", "We serve LLMs on one GPU.")  # says only "LLMs"
    assert "kp:llm" in {t.id for t in other}


def test_generic_phrases_are_not_topics() -> None:
    found, _ = topics.text_topics("A Novel Approach", "Extensive experiments show the proposed method works.")
    assert found == []
    assert [t.id for t in topics.paper_topics(None, "A Novel Approach", "")[0]] == ["kp:approach"]


def test_the_graph_carries_aliases_and_where_each_topic_was_found(
        tmp_path: Path, clean_db: neo4j.Driver, neo4j_settings: Settings) -> None:
    page = write(tmp_path, "search.txt", f"""Search

Key-Value Caches for Language Models

{ABSTRACT} We also study the memory of the KV cache across twelve serving benchmarks in depth.

Serving Models Faster

Serving LLMs faster with speculative decoding is studied in this paper, on one GPU, across many prompts.
""")
    summary = Loader(clean_db, neo4j_settings.database).load(pages([page]))
    assert summary.rejected == []
    rows, _, _ = clean_db.execute_query(
        "MATCH (p:Paper)-[r:HAS_TOPIC]->(t:Topic) RETURN p.title AS paper, t.id AS topic, t.aliases AS aliases, "
        "r.found_in AS found_in ORDER BY paper, topic", database_=neo4j_settings.database)
    got = {(r["paper"], r["topic"]): (r["aliases"], r["found_in"]) for r in rows}
    first, second = "Key-Value Caches for Language Models", "Serving Models Faster"
    assert got[(first, "kp:key-value-cache")] == (None, ["abstract", "title"])
    assert got[(first, "kp:llm")] == (["large language model"], ["abstract"])
    assert got[(second, "kp:llm")] == (["large language model"], ["abstract"])  # the same topic
    assert got[(first, "kp:large-language-model")] == (["LLM"], ["abstract"])
