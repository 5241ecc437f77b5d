"""The corpora of pages the tests load, and the facts the tests check about each.

SYNTH is written by kg itself and committed under tests/fixtures/synth (regenerate it with the command
of tests/fixtures/README.md; test_corpora.py checks that command still writes the same bytes). Its
numbers come from the generator: its manifest and its census of profile owners; the few facts the
generator does not state (an institution, a topic, the size of the RDF export) were read off the graph
it loads. SEEDS, the three sample pages of ../shared/seeds, joins it where that folder exists: the tests
that check a corpus run on each corpus of CORPORA, so a clone without the seeds runs every test once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kg.graph.ids import author_id
from kg.ingest.pages import expand, parse_file
from kg.synth.corpus import census, world_for

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SYNTH_DIR = FIXTURES / "synth"
SYNTH_ARGS = {"papers": 30, "seed": 1}  # `kg synth --papers 30 --seed 1 -o tests/fixtures/synth`
SEEDS_DIR = ROOT.parent / "shared" / "seeds"


class Paper(NamedTuple):
    """A paper of the main profile owner, with several authors and an arXiv topic."""

    id: str
    title: str
    authors: int
    topic: str


class Institution(NamedTuple):
    """An institution some of the main owner's papers name, and how many papers name it."""

    id: str
    name: str
    papers: int


class Topic(NamedTuple):
    """A keyphrase topic several papers share, and a year in which one of them appeared."""

    id: str
    name: str
    papers: int
    year: int


@dataclass(frozen=True)
class Corpus:
    """A folder of pages and what the tests know it holds."""

    name: str
    pages: Path
    listings: dict[str, int]  # paper listings per page format
    papers: int  # distinct papers
    authors: int
    profiles: dict[str, int]  # profile owner -> the papers their profile lists
    feed: Path  # a feed page, which some tests load alone
    feed_papers: int
    triples: int  # in the RDF export of the whole graph
    paper: Paper
    institution: Institution
    alias: tuple[str, str]  # an organisation as a page spells it, and its institution's id
    shared_repo: tuple[str, int]  # a repository several papers link, and how many
    model_repo: tuple[str, str]  # a Hugging Face model as a page spells it, and its id; one paper links it
    topic: Topic
    coauthors: tuple[str, str]  # two authors who wrote a paper together
    search: tuple[str, str]  # a full-text search, and a word of its best hit's title
    answers: tuple[tuple[str, dict], ...] = ()  # more GraphQL queries and their known `data`

    def __str__(self) -> str:
        return self.name

    def files(self) -> list[Path]:
        """The page files, in the order kg reads a folder."""
        return list(expand([self.pages]))

    @property
    def save_count(self) -> int:
        """The page files: each one save (Snapshot) of a page."""
        return len(self.files())

    @property
    def page_count(self) -> int:
        """The pages the files are saves of (a long profile saved as several files is one page)."""
        return len({parse_file(f).id for f in self.files()})

    @property
    def owner(self) -> str:
        """The owner of the largest profile."""
        return max(sorted(self.profiles), key=lambda name: self.profiles[name])

    @property
    def owner_id(self) -> str:
        return author_id(self.owner)


def synth_profiles(papers: int, seed: int) -> dict[str, int]:
    """Profile owner -> their papers, as the generator of `kg synth` chose them."""
    world = world_for(papers, seed)
    return {world.name(owner): len(listed) for owner, listed in census(world).owner_papers.items()}


def synth_corpus() -> Corpus:
    """The committed `kg synth` corpus, its facts from its manifest where the manifest states them."""
    manifest = json.loads((SYNTH_DIR / "manifest.json").read_text(encoding="utf-8"))
    facts, expected = manifest["facts"], manifest["expected"]
    [feed] = (SYNTH_DIR / "pages" / "feed").rglob("*.txt")
    two_hop = facts["two_hop"]
    return Corpus(
        name="synth", pages=SYNTH_DIR / "pages", listings=manifest["listings"], papers=expected["papers"],
        authors=expected["authors"], profiles=synth_profiles(**SYNTH_ARGS),
        feed=feed, feed_papers=manifest["listings"]["feed"], triples=1937,
        paper=Paper(two_hop["ab_paper"]["id"], two_hop["ab_paper"]["title"], 3, "arxiv:cs.AI"),
        institution=Institution("apple", "Apple", 4), alias=("deepmind Google DeepMind", "google-deepmind"),
        shared_repo=(facts["shared_repo"]["id"], len(facts["shared_repo"]["papers"])),
        model_repo=("specyorank-lab/HoloHuSail-1B", "hf:specyorank-lab/holohusail-1b"),
        topic=Topic("kp:question-answering", "question answering", 3, 2024),
        coauthors=(two_hop["a"]["name"], two_hop["b"]["name"]), search=("state space", "State Space"),
        answers=(('{ papers(topic: "kp:state-space-model") { totalCount } }', {"papers": {"totalCount": 5}}),),
    )


SEEDS = Corpus(
    name="seeds", pages=SEEDS_DIR, listings={"profile": 50, "feed": 30, "search": 248}, papers=328, authors=106,
    profiles={"Yuandong Tian": 50}, feed=SEEDS_DIR / "001_783017a71752c3b7.txt", feed_papers=30, triples=19227,
    paper=Paper("p-8b3dcd25376950b3", "A Cookbook of Self-Supervised Learning", 4, "arxiv:cs.LG"),
    institution=Institution("meta-ai", "Meta AI", 5), alias=("Harvard University", "harvard"),
    shared_repo=("facebookresearch/luckmatters", 2),
    model_repo=("tencent/Tencent-Hunyuan-Large", "hf:tencent/tencent-hunyuan-large"),
    topic=Topic("kp:large-language-model", "large language model", 99, 2024),
    coauthors=("Yuandong Tian", "Beidi Chen"), search=("self-supervised learning", "Self-Supervised"),
    answers=(
        ('{ papers(topic: "kp:reinforcement-learning") { totalCount } }', {"papers": {"totalCount": 26}}),
        ('{ author(name: "Yuandong Tian") { coauthors(first: 1) { count } } }',
         {"author": {"coauthors": [{"count": 4}]}}),
        ('{ institution(id: "meta-ai") { authors(first: 1) { name } } }',
         {"institution": {"authors": [{"name": "Yuandong Tian"}]}}),
    ),
)

SYNTH = synth_corpus()
# The seeds only where they are: a clone without ../shared runs every test on SYNTH alone, none skipped.
CORPORA = [SYNTH, *([SEEDS] if SEEDS_DIR.is_dir() else [])]
