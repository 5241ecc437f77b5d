"""The graph, defined once: each label with its properties, each relationship type with its ends.

Everything that writes, reads or describes the graph derives from these tables: the loader's MERGE
statements and the bulk import headers (kg/store), the constraints and indexes (kg/store/schema.py),
the export's reader (kg/rdf/source.py), `stats`, and the checks that the GraphQL types and the RDF
mapping cover every property (tests/test_model.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

PropType = Literal["string", "int", "float", "boolean", "string[]", "int[]"]  # as neo4j-admin import names them


class Merge(str, Enum):
    """How two sightings of one value combine. Every rule is order-free (commutative and associative),
    so any order of pages gives the same graph; kg/graph/merge.py implements each in Python and Cypher."""

    KEY = "key"  # the id: equal in every sighting
    MIN = "min"  # the smallest value given
    MAX = "max"  # the largest value given
    LONGEST = "longest"  # the longest string; of equally long ones, the smallest
    ANY = "any"  # true when any sighting says true, else false when one says false
    UNION = "union"  # every value any sighting gives, distinct and sorted
    DATE = "date"  # a full date beats a --MM-DD one (no year); then the earliest
    ORDER = "order"  # a position in an ordered list, computed from every sighting (see merge.author_order)
    LATEST = "latest"  # the value the newest save of a page gives (see merge.newest), computed after each load
    CORPUS = "corpus"  # a function of every paper the graph holds (see kg/graph/abbrev.py), computed after each load


@dataclass(frozen=True)
class Prop:
    """One property: its name in Neo4j, its type, how sightings merge, and whether it is shown."""

    name: str
    type: PropType
    merge: Merge
    doc: str = ""
    internal: bool = False  # kg's own bookkeeping: neither exported as RDF nor served by GraphQL
    index: bool = False  # a range index backs lookups, filters and orders on it


@dataclass(frozen=True)
class Label:
    """A node label: `plural` names its rows, its bulk file and its `stats` count."""

    name: str
    plural: str
    props: tuple[Prop, ...]  # the id first
    doc: str
    fulltext: tuple[str, ...] = ()  # properties of its full-text index, `<name>_text`

    def prop(self, name: str) -> Prop:
        """The property called `name`."""
        return next(p for p in self.props if p.name == name)


@dataclass(frozen=True)
class Rel:
    """A relationship type from `start` to `end`; an ordered one has a `position` per start."""

    type: str
    start: str
    end: str
    doc: str
    props: tuple[Prop, ...] = ()

    @property
    def key(self) -> str:
        """Its rows' and bulk file's name: `authored` for AUTHORED."""
        return self.type.lower()

    @property
    def ordered(self) -> bool:
        """Whether its `position` orders the starts of one end (or the ends of one start)."""
        return any(p.name == "position" for p in self.props)


def _id(doc: str) -> Prop:
    return Prop("id", "string", Merge.KEY, doc)


POSITION = "position"
# A profile page's header figures: each save keeps its own (Snapshot), the owner those of the newest save (Author).
HEADER: tuple[tuple[str, PropType, str], ...] = (
    ("h_index", "int", "h-index"),
    ("citations", "int", "citation count"),
    ("paper_count", "int", "paper count"),
    ("novelty", "int", "novelty score (percent)"),
    ("ai_score", "int", "AI score"),
    ("main_category", "string", "leading arXiv category"),
)
FOUND_IN = "found_in"
# The `found_in` of a paper's link to a concept it names only by an abbreviation the corpus defines.
ABBREVIATION = "abbreviation"

LABELS: dict[str, Label] = {label.name: label for label in (
    Label("Paper", "papers", (
        _id('"p-" and a digest of the normalised title'),
        Prop("title", "string", Merge.MIN, "as a page spells it", index=True),
        Prop("abstract", "string", Merge.LONGEST, "the fullest a page gives"),
        Prop("date", "string", Merge.DATE, '"YYYY-MM-DD", or "--MM-DD" when no page gave the year'),
        Prop("year", "int", Merge.MIN, "year of publication", index=True),
        Prop("arxiv_id", "string", Merge.MIN, "an arXiv id named in the abstract", index=True),
        Prop("score", "float", Merge.MAX, "the listing site's ranking score"),
        Prop("category", "string", Merge.MIN, "arXiv category, e.g. cs.LG"),
        Prop("upvotes", "int", Merge.MAX, "upvotes on a daily feed"),
        Prop("author_count", "int", Merge.MAX, "how many authors a page says it has"),
        Prop("has_code", "boolean", Merge.ANY, "a page marks it as having code, or links a repository"),
        Prop("organization", "string", Merge.MIN, "the submitting organisation as a page names it"),
        Prop("links", "string[]", Merge.UNION, "project pages and other non-repository links"),
    ), "A paper, merged from every page that lists it.", fulltext=("title", "abstract")),
    Label("Author", "authors", (
        _id('"a-" and a slug of the name'),
        Prop("name", "string", Merge.LONGEST, "as pages spell it", index=True),
        Prop("aliases", "string[]", Merge.UNION, "every spelling pages use for them"),
        Prop("block", "string", Merge.MIN, "their name block (family name and first initial): only names in "
             "one block are compared", internal=True, index=True),
        Prop("evidence", "string[]", Merge.UNION, 'why their spellings are one person and apart from namesakes: '
             '"<spelling>\t<signals>" (kg/graph/identity.py)', internal=True),
        *(Prop(name, kind, Merge.LATEST, f"their {what}, from the newest save of their profile page")
          for name, kind, what in HEADER),
    ), "A person who wrote papers.", fulltext=("name",)),
    Label("Institution", "institutions", (
        _id("a slug of its best-known name"),
        Prop("name", "string", Merge.LONGEST, "its display name"),
        Prop("aliases", "string[]", Merge.UNION, "every name pages use for it"),
    ), "A lab, company or university, under every name the pages use."),
    Label("Repo", "repos", (
        _id('"owner/name" in lower case on GitHub, a host prefix elsewhere ("gitlab:"), "hf:" on Hugging Face'),
        Prop("host", "string", Merge.MIN, "github.com, huggingface.co, ..."),
        Prop("kind", "string", Merge.MIN, "code, model, dataset or space"),
        Prop("owner", "string", Merge.MIN, "the account that owns it"),
        Prop("name", "string", Merge.MIN, "its name under the owner"),
        Prop("url", "string", Merge.MIN, "its canonical URL"),
    ), "A code repository, or a Hugging Face model, dataset or space."),
    Label("Topic", "topics", (
        _id('"arxiv:<category>" or "kp:<slug of the phrase>"'),
        Prop("name", "string", Merge.MIN, "the category code or the phrase", index=True),
        Prop("scheme", "string", Merge.MIN, "arxiv or keyphrase"),
        Prop("aliases", "string[]", Merge.UNION, 'its abbreviations as abstracts define them ("LLM"), or for '
             "an abbreviation, the concepts it stands for"),
        Prop("stands_for", "string", Merge.CORPUS, "for an abbreviation, the one of its long forms that papers "
             "writing only the abbreviation get: the one most papers name beside it (kg/graph/abbrev.py)",
             internal=True),
    ), "A subject: an arXiv category or a concept (a noun phrase) of titles and abstracts."),
    Label("Page", "pages", (
        _id('"page-" and a digest of its format and subject: whose profile, which day\'s feed, which search; a '
            'namesake\'s profile adds "-" and a digest of its earliest save (docs/pages.md)'),
        Prop("format", "string", Merge.MIN, "profile, feed or search"),
        Prop("title", "string", Merge.MIN, "its subject: the profile owner's name, the feed's date, the search's "
             "query (or, when a page names none, its first title)"),
    ), "A listing page, named by what it shows (not by its file): an author's profile, a daily feed or a "
       "search. Each save of it is a Snapshot; it lists the papers of its newest save."),
    Label("Snapshot", "snapshots", (
        _id('"snap-" and a digest of the saved page\'s content'),
        Prop("saved_at", "string", Merge.MIN, '"YYYY-MM-DD": the date the page shows it was saved on, else its '
             "file's modification date, else `kg ingest --saved-at`; the earliest of the loads of one content",
             index=True),
        Prop("listed", "int", Merge.MIN, "how many papers the save lists"),
        Prop("content", "string", Merge.MIN, "the saved text, compressed: what `kg pages forget` reloads the "
             "pages that share papers with a forgotten one from", internal=True),
        *(Prop(name, kind, Merge.MIN, f"the profile owner's {what} this save shows") for name, kind, what in HEADER),
    ), "One save of a page, named by its content: loading the same content again (from any folder) changes "
       "nothing. A page's history is its snapshots by `saved_at`."),
)}

RELATIONSHIPS: dict[str, Rel] = {rel.type: rel for rel in (
    Rel("AUTHORED", "Author", "Paper", "The author wrote the paper; `position` orders a paper's authors.",
        (Prop(POSITION, "int", Merge.ORDER, "the author's place in the paper's author list, from 0"),
         Prop("names", "string[]", Merge.UNION, "ids of the spellings the pages name the author by on the paper: "
              "the evidence identity resolution reads", internal=True))),
    Rel("HAS_CODE", "Paper", "Repo", "The paper links to the repository."),
    Rel("HAS_TOPIC", "Paper", "Topic", "The paper is about the topic; `found_in` says where it was found.",
        (Prop(FOUND_IN, "string[]", Merge.UNION, f"title, abstract (the concept's phrase), category, or {ABBREVIATION}: "
              "the paper writes only an abbreviation the corpus defines as this concept"),)),
    Rel("AFFILIATED_WITH", "Paper", "Institution", "The paper comes from the institution."),
    Rel("LISTED_ON", "Paper", "Page", "The page lists the paper now: its newest save does (saves of the "
        "newest day together, such as the parts of a long profile). A paper that left the page keeps its "
        "dated SEEN_IN of the older saves; `position` orders a page's papers.", (
            Prop(POSITION, "int", Merge.ORDER, "the paper's place on the page's current listing, from 0: the "
                 "newest saves' listings one after another, by snapshot id"),
        )),
    Rel("SEEN_IN", "Paper", "Snapshot", "The save lists the paper: every sighting, dated by the snapshot.", (
        Prop(POSITION, "int", Merge.MIN, "the paper's place on the saved page, from 0"),
        Prop("authors", "string[]", Merge.LONGEST, "author ids in the page's order: the evidence for "
             "the paper's author order", internal=True),
    )),
    Rel("SNAPSHOT_OF", "Snapshot", "Page", "The snapshot is a save of the page."),
    Rel("PROFILE_OF", "Page", "Author", "The page is the author's profile."),
)}


# kg's own nodes, never loaded from pages, served or exported: overrides (written by `kg authors merge|split`,
# read by identity resolution in kg/store/authors.py), which survive every ingest; and the labels of kg's
# internal bookkeeping, named with a leading double underscore as Neo4j migration tools name theirs, which no
# export, count, answer, digest or guide shows.
INTERNAL = "__"
BOOKKEEPING: dict[str, Label] = {label.name: label for label in (
    Label("Override", "overrides", (
        _id('"override-" and a digest of what it decides'),
        Prop("kind", "string", Merge.MIN, "merge (the mentions are one person) or split (each group is its own)"),
        Prop("blocks", "string[]", Merge.UNION, "the name blocks of its mentions"),
        Prop("groups", "string[]", Merge.UNION, '"<group>\t<paper id>\t<spelling id>": the mentions it pins, '
             "each group one person"),
        Prop("made", "int", Merge.MAX, "its place among overrides: a later one wins a mention"),
    ), "A user's decision on who is who, applied on every later resolution."),
    Label(f"{INTERNAL}WriteLock", "writelocks", (
        _id('always "kg"'),
        Prop("turns", "int", Merge.MAX, "the write transactions of loads so far: one tells from it whether "
             "another wrote since its own last"),
    ), "Every write transaction of a load counts a turn on it first, which holds its write lock until that "
       "commit, so loads in several processes take turns."),
    Label(f"{INTERNAL}Summary", "summaries", (
        _id("the person's Author id"),
        Prop("block", "string", Merge.MIN, "the person's name block", index=True),
        Prop("coauthors", "string[]", Merge.UNION, "the name blocks of their co-authors"),
        Prop("institutions", "string[]", Merge.UNION, "the institutions of their papers"),
        Prop("categories", "string[]", Merge.UNION, '"<arXiv category>\t<papers>": their papers per category'),
        Prop("years", "int[]", Merge.UNION, "the years of their papers"),
        Prop("mentions", "int", Merge.MAX, "the mentions (paper and spelling) taken for them"),
        Prop("closed", "boolean", Merge.ANY, "a complete profile page lists every paper of theirs"),
    ), "What a load weighs a new mention against, one per person: kept with the person by every resolution."),
    Label(f"{INTERNAL}Block", "blocks", (
        _id("the name block"),
        Prop("clustered", "int", Merge.MAX, "its mentions when it was last clustered in full"),
        Prop("dirty", "boolean", Merge.ANY, "a load left a decision to full clustering: `kg authors recluster "
             "--dirty` takes it", index=True),
    ), "A name block a load assigned new mentions in: when it was last clustered in full, and whether it "
       "must be again."),
    Label(f"{INTERNAL}Abbreviation", "abbreviations", (
        _id("the abbreviation's Topic id"),
        Prop("forms", "string[]", Merge.UNION, "its long forms when they were counted"),
        Prop("papers", "int[]", Merge.MAX, "for each of `forms`, the papers naming it beside the abbreviation"),
    ), "What an abbreviation's `stands_for` is chosen from (kg/graph/abbrev.py), kept by each load's own papers "
       "so that a load does not count the graph again."),
)}
# Each label by the name of its rows (`papers` -> Paper).
BY_PLURAL: dict[str, Label] = {label.plural: label for label in LABELS.values()}


def shown(props: tuple[Prop, ...]) -> tuple[Prop, ...]:
    """The properties served and exported (not kg's bookkeeping)."""
    return tuple(p for p in props if not p.internal)
