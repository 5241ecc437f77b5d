"""The GraphQL object types; every field that traverses the graph resolves through a DataLoader."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry import Info

from api import cypher
from api.context import Context
from api.db import Row
from api.limits import DEFAULT_PAGE, MAX_PAGE, RELATED_FANOUT, page_size
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


def resolver(description: str) -> Callable[[R], R]:
    """`@strawberry.field(description=...)` for a resolver method, typed: strawberry types that decorator as
    Any, but strawberry.type leaves the resolver itself on the class, so the method is what it gives."""
    decorate: Callable[[R], R] = strawberry.field(description=description)
    return decorate


def described(label: str, prop: str) -> Any:
    """A plain field whose description is the model's for that property."""
    return strawberry.field(description=LABELS[label].prop(prop).doc)


def papers_field(label: str, description: str) -> Any:
    """The `papers` field of an Author, Repo, Topic or Institution: its papers, newest first."""
    async def papers(root: Any, info: Ctx, first: First = DEFAULT_PAGE) -> list[Paper]:
        return nodes(Paper, await info.context.items(cypher.PAPERS_OF[label], root.id, first=page_size(first)))

    return strawberry.field(resolver=papers, description=description)


@strawberry.type(description="A paper, merged from every page that lists it.")
class Paper:
    id: strawberry.ID
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

    @resolver("Authors in the order the page lists them.")
    async def authors(self, info: Ctx, first: First = MAX_PAGE) -> list[Author]:
        return nodes(Author, await info.context.items(cypher.PAPER_AUTHORS, self.id, first=page_size(first)))

    @resolver("Code repositories and Hugging Face models, datasets and spaces.")
    async def repos(self, info: Ctx) -> list[Repo]:
        return nodes(Repo, await info.context.items(cypher.PAPER_REPOS, self.id))

    @resolver("arXiv category and keyphrases.")
    async def topics(self, info: Ctx) -> list[Topic]:
        return nodes(Topic, await info.context.items(cypher.PAPER_TOPICS, self.id))

    @strawberry.field
    async def institutions(self, info: Ctx) -> list[Institution]:
        return nodes(Institution, await info.context.items(cypher.PAPER_INSTITUTIONS, self.id))

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


@strawberry.type(description="A person who wrote papers.")
class Author:
    id: strawberry.ID
    name: str
    h_index: int | None = described("Author", "h_index")
    citations: int | None = described("Author", "citations")
    paper_count: int | None = described("Author", "paper_count")
    novelty: int | None = described("Author", "novelty")
    ai_score: int | None = described("Author", "ai_score")
    main_category: str | None = described("Author", "main_category")

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

    @resolver("People they wrote with, most shared papers first.")
    async def coauthors(self, info: Ctx, first: First = DEFAULT_PAGE) -> list[Coauthor]:
        rows = await info.context.items(cypher.AUTHOR_COAUTHORS, self.id, first=page_size(first))
        return [Coauthor(author=node(Author, r["author"]), papers=nodes(Paper, r["papers"]), count=r["count"])
                for r in rows]

    @resolver("Institutions of their papers, most papers first.")
    async def institutions(self, info: Ctx) -> list[Institution]:
        return nodes(Institution, await info.context.items(cypher.AUTHOR_INSTITUTIONS, self.id))


@strawberry.type(description="A lab, company or university, under every name the pages use.")
class Institution:
    id: strawberry.ID
    name: str
    aliases: list[str] | None

    papers: list[Paper] = papers_field("Institution", "Papers affiliated with it, newest first.")

    @resolver("Authors of its papers, most papers first.")
    async def authors(self, info: Ctx, first: First = DEFAULT_PAGE) -> list[Author]:
        return nodes(Author, await info.context.items(cypher.INSTITUTION_AUTHORS, self.id, first=page_size(first)))


@strawberry.type(description="A code repository, or a Hugging Face model, dataset or space.")
class Repo:
    id: strawberry.ID
    host: str
    kind: str = strawberry.field(description="code, model, dataset or space.")
    owner: str
    name: str
    url: str

    @resolver('"owner/name".')
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    papers: list[Paper] = papers_field("Repo", "Papers that link to it, newest first.")


@strawberry.type(description="A subject: an arXiv category or a keyphrase.")
class Topic:
    id: strawberry.ID
    name: str
    scheme: str = strawberry.field(description="arxiv or keyphrase.")

    papers: list[Paper] = papers_field("Topic", "Papers on it, newest first.")


@strawberry.type(description="One save of a page, named by its content: its date and the header figures it showed.")
class Snapshot:
    id: strawberry.ID
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
class Page:
    id: strawberry.ID
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
