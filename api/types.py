"""The GraphQL object types; every field that traverses the graph resolves through a DataLoader."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import Enum
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry import Info

from api import cypher, identity
from api.connections import (
    CACHED_TEXTS,
    AuthorOrder,
    PaperOrder,
    author_order,
    author_texts,
    paper_order,
    paper_texts,
)
from api.context import Context
from api.db import Row
from api.fields import resolver
from api.filters import WHERE, AuthorWhere, PaperWhere, filters, var
from api.limits import DEFAULT_PAGE, MAX_PAGE, RELATED_FANOUT, page_size
from api.pagination import Connection, asks_total, nested_connection
from api.prefetch import attached
from kg.graph.identity import read_evidence
from kg.graph.model import LABELS

N = TypeVar("N")
R = TypeVar("R", bound=Callable[..., Any])
Ctx = Info[Context, None]
First = Annotated[int, strawberry.argument(description=f"How many, at most {MAX_PAGE}.")]


@cache
def _init_fields(cls: type) -> tuple[str, ...]:
    """The names of the fields `cls` is built from."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def node(cls: type[N], props: Row) -> N:
    """A type built from a node's property map (properties it has no field for are ignored)."""
    return cls(**{name: props.get(name) for name in _init_fields(cls)})  # type: ignore[arg-type]


def nodes(cls: type[N], maps: list[Row]) -> list[N]:
    """`node` of each map."""
    return [node(cls, m) for m in maps]


def described(label: str, prop: str) -> Any:
    """A plain field whose description is the model's for that property."""
    return strawberry.field(description=LABELS[label].prop(prop).doc)


def step_field(step: cypher.Step, type_name: str, description: str | None, default: int = DEFAULT_PAGE) -> Any:
    """A list field of `type_name` nodes read by `step`, with `first` when the step is limited and `where`: the
    list a compiled query attached (api/compile.py, which leaves a list with `where` to this resolver), else
    its DataLoader's."""
    async def read(root: Any, info: Ctx, where: Any, **first: int) -> list[Any]:
        found = attached(root, info)
        if found is not None:
            return found
        if where is None:
            return nodes(globals()[type_name], await info.context.items(step.loader, root.id, **first))
        given = await filters(info.context, where, type_name)
        text = filtered_loader(step, given.lines, var(type_name))
        return nodes(globals()[type_name], await info.context.items(text, root.id, **first, **dict(given.params)))

    if step.limited:
        async def limited(root: Any, info: Ctx, first: First = default, where: Any = None) -> list[Any]:
            return await read(root, info, where, first=page_size(first))

        resolve: Any = limited
    else:
        async def unlimited(root: Any, info: Ctx, where: Any = None) -> list[Any]:
            return await read(root, info, where)

        resolve = unlimited
    resolve.__annotations__["return"] = f"list[{type_name}]"  # the types are defined below
    resolve.__annotations__["where"] = WHERE[type_name] | None
    resolve.step = step  # what api/compile.py compiles the field from
    return strawberry.field(resolver=resolve, description=description)


@lru_cache(maxsize=CACHED_TEXTS)
def filtered_loader(step: cypher.Step, lines: tuple[str, ...], y: str) -> str:
    """`step`'s loader with the lines of a `where`, one text per shape."""
    return step.filtered(lines, y)


def papers_field(label: str, description: str) -> Any:
    """The `papers` field of an Author, Repo, Topic or Institution: its papers, newest first."""
    return step_field(cypher.STEP_PAPERS_OF[label], "Paper", description)


After = Annotated[str | None, strawberry.argument(description="The endCursor of the page before.")]


def papers_connection_field(label: str, description: str) -> Any:
    """The `papersConnection` of an Author, Repo, Topic or Institution: keyset pages, filters, orders."""
    async def papers_connection(root: Any, info: Ctx, first: First = DEFAULT_PAGE, after: After = None,
                                where: PaperWhere | None = None,
                                order_by: PaperOrder | None = None) -> Connection[Paper]:
        found = await filters(info.context, where, "Paper")
        return await nested_connection(info.context, paper_texts(label, found.lines, order_by), root.id,
                                       paper_order(order_by), lambda n: node(Paper, n), first, after,
                                       asks_total(info), **dict(found.params))

    return strawberry.field(resolver=papers_connection, description=description + " Newest first unless "
                            "orderBy says otherwise; keyset cursors, totalCount.")


def authors_connection_field(label: str, description: str) -> Any:
    """The `authorsConnection` of a Paper or an Institution."""
    async def authors_connection(root: Any, info: Ctx, first: First = DEFAULT_PAGE, after: After = None,
                                 where: AuthorWhere | None = None,
                                 order_by: AuthorOrder | None = None) -> Connection[Author]:
        found = await filters(info.context, where, "Author")
        return await nested_connection(info.context, author_texts(label, found.lines, order_by), root.id,
                                       author_order(label, order_by), lambda n: node(Author, n), first, after,
                                       asks_total(info), **dict(found.params))

    return strawberry.field(resolver=authors_connection, description=description)


@strawberry.interface(description="A node of the graph, found again by `node(id:)`; `iri` names it in RDF.")
class Node:
    id: strawberry.ID = strawberry.field(description="Its key in the graph; `node(id:)` finds it again.")

    @resolver("The IRI that names it in the RDF export and at /resource (KG_BASE_IRI/resource/type/id).")
    def iri(self) -> str:
        return identity.iri(type(self).__name__, self.id)


@strawberry.type(description="How many papers in one year.")
class YearCount:
    year: int
    count: int


def per_year_field(label: str) -> Any:
    """`papersPerYear` of an Author, Topic or Institution."""
    async def papers_per_year(root: Any, info: Ctx) -> list[YearCount]:
        return [YearCount(year=r["year"], count=r["count"])
                for r in await info.context.items(cypher.PER_YEAR[label], root.id)]

    return strawberry.field(resolver=papers_per_year, description="How many of its papers each year, oldest "
                            "first (papers without a year left out).")


def top_field(text: str, count_type: str, node_type: str, description: str) -> Any:
    """A ranking of the `node_type` nodes beside a node's papers (see cypher.top), as `count_type` items."""
    async def ranked(root: Any, info: Ctx, first: First = 10) -> Any:
        count_cls, node_cls = globals()[count_type], globals()[node_type]
        return [count_cls(node=node(node_cls, r["node"]), count=r["count"])
                for r in await info.context.items(text, root.id, first=page_size(first))]

    ranked.__annotations__["return"] = f"list[{count_type}]"  # the types are defined below
    return strawberry.field(resolver=ranked, description=description)


@strawberry.type(description="A paper, merged from every page that lists it.")
class Paper(Node):
    title: str
    abstract: str | None
    date: str | None = strawberry.field(description='"YYYY-MM-DD", or "--MM-DD" when no page gave the year.')
    year: int | None
    arxiv_id: str | None
    score: float | None
    category: str | None = strawberry.field(description="arXiv category, e.g. cs.LG.")
    upvotes: int | None
    author_count: int | None
    has_code: bool | None
    organization: str | None
    links: list[str] | None = strawberry.field(description="Project pages and other non-repository links.")

    authors_connection: Connection[Author] = authors_connection_field(
        "Paper", "Its authors, in the order the page lists them unless orderBy says otherwise.")
    authors: list[Author] = step_field(cypher.STEP_PAPER_AUTHORS, "Author", "Authors in the order the page lists them.",
                                       MAX_PAGE)
    repos: list[Repo] = step_field(cypher.STEP_PAPER_REPOS, "Repo",
                                   "Code repositories and Hugging Face models, datasets and spaces.")
    topics: list[Topic] = step_field(cypher.STEP_PAPER_TOPICS, "Topic", "arXiv category and keyphrases.")
    institutions: list[Institution] = step_field(cypher.STEP_PAPER_INSTITUTIONS, "Institution", None)

    @resolver("The pages that list this paper, and where.")
    async def sources(self, info: Ctx) -> list[Source]:
        return [Source(position=s["position"], page=node(Page, s["page"]),
                       owner=node(Author, s["owner"]) if s["owner"] else None)
                for s in await info.context.items(cypher.PAPER_SOURCES, self.id)]

    @resolver("Papers sharing authors, repositories or topics with this one, strongest "
              "link first (score: 3 per repo, 2 per author, 1 per topic shared); each one's reasons "
              "weightiest first, then by id.")
    async def related(self, info: Ctx, first: First = 10) -> list[RelatedPaper]:
        rows = await info.context.items(cypher.PAPER_RELATED, self.id, first=page_size(first),
                                        fanout=RELATED_FANOUT, weights=cypher.RELATED_WEIGHTS)
        return [RelatedPaper(paper=node(Paper, r["paper"]), score=r["score"],
                             reasons=[RelatedReason(kind=RelationKind(x["kind"]), id=x["id"], name=x["name"])
                                      for x in r["reasons"]])
                for r in rows]


@strawberry.type(description="One spelling of an author's name, and the evidence that it is theirs.")
class MergedName:
    name: str = strawberry.field(description="The spelling, as pages give it; empty for a namesake kept apart.")
    evidence: str = strawberry.field(description="The decision and the signals behind it.")


@strawberry.type(description="A person who wrote papers.")
class Author(Node):
    name: str
    h_index: int | None = described("Author", "h_index")
    citations: int | None = described("Author", "citations")
    paper_count: int | None = described("Author", "paper_count")
    novelty: int | None = described("Author", "novelty")
    ai_score: int | None = described("Author", "ai_score")
    main_category: str | None = described("Author", "main_category")
    aliases: list[str] | None = described("Author", "aliases")

    @resolver("Why kg takes these spellings for one person, and keeps namesakes apart: per spelling the "
              "signals that joined it (shared co-authors, institutions, topics, years), then any namesake "
              "kept apart (name empty). `kg authors merge|split` overrides a decision.")
    async def merged_from(self, info: Ctx) -> list[MergedName]:
        lines: list[str] = await info.context.items(cypher.AUTHOR_EVIDENCE, self.id)
        return [MergedName(name=e.name, evidence=e.why) for e in read_evidence(lines)]

    @resolver("How many of their papers the graph holds (paperCount is how many they have).")
    async def known_paper_count(self, info: Ctx) -> int:
        count: int = (await info.context.items(cypher.AUTHOR_PAPER_COUNT, self.id))[0]
        return count

    @resolver("The profile page their header figures come from, if one was loaded.")
    async def profile(self, info: Ctx) -> Page | None:
        pages = await info.context.items(cypher.AUTHOR_PROFILES, self.id)
        return node(Page, pages[0]) if pages else None

    @resolver("Every save of their profile page, oldest first: how their header figures changed.")
    async def profile_history(self, info: Ctx) -> list[Snapshot]:
        return nodes(Snapshot, await info.context.items(cypher.AUTHOR_HISTORY, self.id))

    papers: list[Paper] = papers_field("Author", "Their papers, newest first.")
    papers_connection: Connection[Paper] = papers_connection_field("Author", "Their papers.")

    @resolver("People they wrote with, most shared papers first.")
    async def coauthors(self, info: Ctx, first: First = DEFAULT_PAGE) -> list[Coauthor]:
        rows = await info.context.items(cypher.AUTHOR_COAUTHORS, self.id, first=page_size(first))
        return [Coauthor(author=node(Author, r["author"]), papers=nodes(Paper, r["papers"]), count=r["count"])
                for r in rows]

    papers_per_year: list[YearCount] = per_year_field("Author")
    top_topics: list[TopicCount] = top_field(cypher.AUTHOR_TOP_TOPICS, "TopicCount", "Topic",
                                             "The topics of their papers, most papers first, with the count.")
    top_institutions: list[InstitutionCount] = top_field(
        cypher.AUTHOR_TOP_INSTITUTIONS, "InstitutionCount", "Institution",
        "The institutions of their papers, most papers first, with the count.")

    @resolver("Institutions of their papers, most papers first.")
    async def institutions(self, info: Ctx) -> list[Institution]:
        return nodes(Institution, await info.context.items(cypher.AUTHOR_INSTITUTIONS, self.id))


@strawberry.type(description="A lab, company or university, under every name the pages use.")
class Institution(Node):
    name: str
    aliases: list[str] | None

    papers: list[Paper] = papers_field("Institution", "Papers affiliated with it, newest first.")
    papers_connection: Connection[Paper] = papers_connection_field("Institution", "Papers affiliated with it.")
    papers_per_year: list[YearCount] = per_year_field("Institution")
    authors_connection: Connection[Author] = authors_connection_field(
        "Institution", "Authors of its papers, most papers there first unless orderBy says otherwise.")

    @resolver("Authors of its papers, most papers first.")
    async def authors(self, info: Ctx, first: First = DEFAULT_PAGE) -> list[Author]:
        return nodes(Author, await info.context.items(cypher.INSTITUTION_AUTHORS, self.id, first=page_size(first)))


@strawberry.type(description="A code repository, or a Hugging Face model, dataset or space.")
class Repo(Node):
    host: str
    kind: str = strawberry.field(description="code, model, dataset or space.")
    owner: str
    name: str
    url: str

    @resolver('"owner/name".')
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    papers: list[Paper] = papers_field("Repo", "Papers that link to it, newest first.")
    papers_connection: Connection[Paper] = papers_connection_field("Repo", "Papers that link to it.")


@strawberry.type(description="A subject: an arXiv category or a concept of titles and abstracts.")
class Topic(Node):
    name: str
    scheme: str = strawberry.field(description="arxiv or keyphrase.")
    aliases: list[str] | None = strawberry.field(
        default=None, description='Abbreviations abstracts define for it ("LLM"), or what an abbreviation stands for.')

    papers: list[Paper] = papers_field("Topic", "Papers on it, newest first.")
    papers_connection: Connection[Paper] = papers_connection_field("Topic", "Papers on it.")
    papers_per_year: list[YearCount] = per_year_field("Topic")
    top_authors: list[AuthorCount] = top_field(cypher.TOPIC_TOP_AUTHORS, "AuthorCount", "Author",
                                               "The authors of its papers, most papers first, with the count.")


@strawberry.type(description="One save of a page, named by its content: its date and the header figures it showed.")
class Snapshot(Node):
    saved_at: str = described("Snapshot", "saved_at")
    listed: int = described("Snapshot", "listed")
    h_index: int | None = described("Snapshot", "h_index")
    citations: int | None = described("Snapshot", "citations")
    paper_count: int | None = described("Snapshot", "paper_count")
    novelty: int | None = described("Snapshot", "novelty")
    ai_score: int | None = described("Snapshot", "ai_score")
    main_category: str | None = described("Snapshot", "main_category")

    @resolver("The papers this save lists, in its order.")
    async def papers(self, info: Ctx) -> list[Paper]:
        return nodes(Paper, await info.context.items(cypher.SNAPSHOT_PAPERS, self.id))


@strawberry.type(description="A listing page, named by what it shows: an author's profile, a daily feed or a search.")
class Page(Node):
    format: str = strawberry.field(description="profile, feed or search.")
    title: str | None = described("Page", "title")

    @resolver("Every save of the page, oldest first; the papers it lists now are its newest day's.")
    async def snapshots(self, info: Ctx) -> list[Snapshot]:
        return nodes(Snapshot, await info.context.items(cypher.PAGE_SNAPSHOTS, self.id))


@strawberry.type(description="Where a page lists a paper.")
class Source:
    page: Page
    position: int
    owner: Author | None = strawberry.field(description="The author whose profile the page is.")


@strawberry.type(description="A topic and how many of the papers in question are on it.")
class TopicCount:
    node: Topic
    count: int


@strawberry.type(description="An institution and how many of the papers in question it is affiliated with.")
class InstitutionCount:
    node: Institution
    count: int


@strawberry.type(description="An author and how many of the papers in question they wrote.")
class AuthorCount:
    node: Author
    count: int


@strawberry.type(description="Someone an author wrote with, and the papers they share.")
class Coauthor:
    author: Author
    papers: list[Paper]
    count: int


@strawberry.enum
class RelationKind(Enum):
    AUTHOR = "AUTHOR"
    REPO = "REPO"
    TOPIC = "TOPIC"


@strawberry.type(description="One thing two papers share.")
class RelatedReason:
    kind: RelationKind
    id: strawberry.ID
    name: str


@strawberry.type(description="A paper related to another, with why.")
class RelatedPaper:
    paper: Paper
    score: int
    reasons: list[RelatedReason]


@strawberry.type(description="A chain of co-authors: papers[i] was written by authors[i] and authors[i+1].")
class CoauthorPath:
    length: int
    authors: list[Author]
    papers: list[Paper]


@strawberry.type(description="A repository linked from two or more papers.")
class SharedRepo:
    repo: Repo
    count: int = strawberry.field(description="How many papers link to it.")

    @resolver("The papers that link to it, newest first.")
    async def papers(self, info: Ctx, first: First = DEFAULT_PAGE) -> list[Paper]:
        # Declared list[Paper] for the schema, `papers` is the resolver once strawberry.type has run.
        return await self.repo.papers(info, first)  # type: ignore[operator, no-any-return]


# One count per label of the model, and the relationships. Its fields are made at import, so to mypy it is Any.
if TYPE_CHECKING:
    Stats = Any
else:
    Stats = strawberry.type(description="How many nodes of each type the graph holds.")(dataclasses.make_dataclass(
        "Stats", [(label.plural, int) for label in LABELS.values()] + [("relationships", int)]))
