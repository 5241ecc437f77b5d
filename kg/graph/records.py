"""The one data model that flows through every stage: parse -> resolve -> load -> export."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PageFormat = Literal["profile", "feed", "search"]


class Source(BaseModel):
    """Where a paper was seen: one page, its format and the paper's position on it."""

    file: str
    format: PageFormat
    position: int
    page: str | None = None  # the profile owner's name or the feed's date, when the page names one
    authors: list[str] = Field(default_factory=list)  # author ids in this page's order
    snapshot: str | None = None  # the id of the save (Snapshot) this sighting is from


class Paper(BaseModel):
    """A paper as pages describe it; the same id from several pages merges into one."""

    id: str
    title: str
    abstract: str = ""
    authors: list[str] = Field(default_factory=list)  # names in page order
    author_ids: list[str] = Field(default_factory=list)  # parallel to authors
    author_count: int | None = None
    institutions: list[str] = Field(default_factory=list)  # institution ids
    repos: list[str] = Field(default_factory=list)  # canonical repo ids
    links: list[str] = Field(default_factory=list)  # project pages and other non-repo URLs
    arxiv_id: str | None = None
    topics: list[str] = Field(default_factory=list)  # topic ids
    found_in: dict[str, list[str]] = Field(default_factory=dict)  # topic id -> title, abstract, category, abbreviation
    date: str | None = None  # ISO 8601: YYYY-MM-DD, or --MM-DD when the page gives no year
    year: int | None = None
    score: float | None = None
    category: str | None = None  # arXiv category, e.g. cs.LG
    upvotes: int | None = None
    has_code: bool | None = None
    organization: str | None = None  # submitting organisation as the page names it
    sources: list[Source] = Field(default_factory=list)


class Author(BaseModel):
    """A person, matched by name; a profile page's header adds its figures."""

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)  # every spelling pages use
    block: str | None = None  # family name and first initial (kg/graph/names.py)
    evidence: list[str] = Field(default_factory=list)  # "<spelling>\t<why>", from identity resolution
    h_index: int | None = None
    citations: int | None = None
    paper_count: int | None = None
    novelty: int | None = None  # percent
    ai_score: int | None = None
    main_category: str | None = None
    # For a profile's owner: "<saved_at> <snapshot id>", the newest of which gives the figures (not printed).
    saved: str | None = Field(default=None, exclude=True)


class Institution(BaseModel):
    """A lab, company or university, under every name the pages use for it."""

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)


class Repo(BaseModel):
    """A code repository or a Hugging Face model, dataset or space."""

    id: str
    host: str
    kind: str = "code"  # code | model | dataset | space
    owner: str
    name: str
    url: str


class Topic(BaseModel):
    """A subject: an arXiv category or a keyphrase."""

    id: str
    name: str
    scheme: Literal["arxiv", "keyphrase"]
    aliases: list[str] = Field(default_factory=list)  # abbreviations defined for it, or what it abbreviates
    stands_for: str | None = None  # an abbreviation's long form for the papers that write only it (graph/abbrev.py)


class PageNode(BaseModel):
    """A page, named by what it shows: its format and whom or what it lists."""

    id: str
    format: PageFormat
    title: str | None = None  # the profile owner's name, the feed's date or the search's query


class SnapshotNode(BaseModel):
    """One save of a page, named by a digest of its content: its date and header figures."""

    id: str
    saved_at: str
    listed: int
    content: str  # the page's text, zlib-compressed and base64-encoded: what `kg pages forget` reloads
    h_index: int | None = None
    citations: int | None = None
    paper_count: int | None = None
    novelty: int | None = None
    ai_score: int | None = None
    main_category: str | None = None


class Record(BaseModel):
    """One paper from one page, with the entities it names: the unit the parser yields."""

    paper: Paper
    authors: list[Author] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    repos: list[Repo] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)


class Graph(BaseModel):
    """A resolved set of entities, as `kg parse` prints it."""

    papers: list[Paper] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    repos: list[Repo] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
