"""The root Query: lookups, connections, co-author paths, shared repositories and counts."""
from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypeVar

import strawberry

from api import cypher, identity, refs
from api.compile import lookup as compiled
from api.compile import root_lookup
from api.connections import (
    SHARED_REPOS,
    SHARED_REPOS_ORDER,
    AuthorOrder,
    PaperOrder,
    author_order,
    author_texts,
    paper_order,
    paper_texts,
)
from api.db import Row
from api.errors import UserError
from api.fields import resolver
from api.filters import AuthorWhere, PaperWhere, filters
from api.limits import (
    DEFAULT_PAGE,
    MAX_HOPS,
    MAX_PAGE,
    MAX_PATH_AUTHORS,
    MAX_PATHS,
    MIN_HOPS,
    hops,
    lucene_query,
    page_size,
)
from api.pagination import Connection, Page, asks_total, connection, keyset_connection
from api.search import top_hits
from api.types import (
    After,
    Author,
    CoauthorPath,
    Ctx,
    First,
    Institution,
    Node,
    Paper,
    Repo,
    SharedRepo,
    Snapshot,
    Stats,
    Topic,
    node,
    nodes,
)
from api.types import Page as PageNode

BY_ID = {label: cypher.by_id(label) for label in identity.NODE_LABELS}
NODE_TYPES: dict[str, type[Node]] = {cls.__name__: cls for cls in (Paper, Author, Institution, Repo, Topic, PageNode,
                                                                   Snapshot)}
AuthorRef = Annotated[str, strawberry.argument(description="An author's id or name.")]
FromRef = Annotated[str, strawberry.argument(name="from", description="An author's id or name.")]
Search = Annotated[str | None, strawberry.argument(
    description="Words to find in the full-text index; results in relevance order.")]
MaxHops = Annotated[int, strawberry.argument(description=f"Co-authorship hops, {MIN_HOPS} to {MAX_HOPS}.")]
PathAuthors = Annotated[list[str] | None, strawberry.argument(
    description=f"Authors (ids or names), at most {MAX_PATH_AUTHORS}.")]
N = TypeVar("N")


async def path_authors(info: Ctx, values: list[str] | None) -> list[Row]:
    """The authors of an `avoid` or `through` list; too many, or an unknown one, is a UserError."""
    if not values:
        return []
    if len(values) > MAX_PATH_AUTHORS:
        raise UserError(f"at most {MAX_PATH_AUTHORS} authors in `avoid` or `through` (got {len(values)})")
    return list(await asyncio.gather(*(refs.require(info.context, "Author", v) for v in values)))


async def lookup(info: Ctx, label: str, id: str | None, name: str | None, name_arg: str) -> Row | None:
    """A node by id, or by name when no id is given; exactly one of the two must be given."""
    if (id is None) == (name is None):
        raise UserError(f"give exactly one of `id` and `{name_arg}`")
    if id is not None:
        return await info.context.item(BY_ID[label], id)
    return await refs.find(info.context, label, name)  # type: ignore[arg-type]


async def any_node(info: Ctx, value: str) -> Node | None:
    """The node whose id is `value` (a key, or `Type:key`), whatever its type; None when there is none."""
    label, key = identity.split_typed(value)
    if label is not None:
        return maybe(NODE_TYPES[label], await info.context.item(BY_ID[label], key))
    found = identity.one_of(value, await info.context.items(identity.ANY_BY_ID, value))
    return node(NODE_TYPES[str(found["label"])], found["item"]) if found else None  # type: ignore[arg-type]


def merge_where(where: PaperWhere | None, **args: Any) -> PaperWhere | None:
    """`where` with the root arguments given (author, year...) added; one given both ways is a UserError."""
    given = {k: v for k, v in args.items() if v is not None}
    if not given:
        return where
    merged = where or PaperWhere()
    for name, value in given.items():
        if getattr(merged, name) is not None and getattr(merged, name) != value:
            raise UserError(f"`{name}` is given both as an argument and in `where`; give it once")
        setattr(merged, name, value)
    return merged


def maybe(cls: type[N], props: Row | None) -> N | None:
    """`node(cls, props)`, or None for no node."""
    return node(cls, props) if props else None


async def find(info: Ctx, cls: type[N], id: str | None, name: str | None = None, name_arg: str = "name") -> N | None:
    """A root lookup of a `cls` node by id or name: compiled with its selection when it can be, else by lookup."""
    if (id is None) != (name is None):
        done, found = await compiled(info, cls, id if id is not None else name, by_name=id is None)  # type: ignore[arg-type]
        if done:
            return found
    return maybe(cls, await lookup(info, cls.__name__, id, name, name_arg))


def as_path(nodes_: list[Row]) -> CoauthorPath:
    """A path's alternating author, paper, author... nodes as a CoauthorPath."""
    return CoauthorPath(length=len(nodes_) // 2, authors=nodes(Author, nodes_[0::2]),
                        papers=nodes(Paper, nodes_[1::2]))


async def find_paths(info: Ctx, start: str, end: str, max_hops: int, queries: dict[int, str],
                     first: int, avoid: list[str] | None = None) -> list[CoauthorPath]:
    """The shortest paths of `queries` (shortestPath, allShortestPaths or the strongest) between two authors,
    passing none of `avoid` (ids), in one round trip with the authors' lookup; an unknown author is a
    UserError."""
    limit = hops(max_hops)
    row = (await info.context.read(queries[limit], first=first, avoid=avoid or [],
                                   fanout=cypher.STRONGEST_FANOUT, **{"from": refs.ref("Author", start),
                                                                      "to": refs.ref("Author", end)}))[0]
    for value, found in ((start, row["start"]), (end, row["end"])):
        if found is None:
            raise refs.unknown("Author", value)
    if row["start"]["id"] == row["end"]["id"]:
        return [as_path([row["start"]])]
    return [as_path(path) for path in row["paths"]]


async def through_path(info: Ctx, start: str, end: str, max_hops: int, queries: dict[int, str],
                       through: list[str], avoid: list[str]) -> CoauthorPath | None:
    """The path from `start` to `end` passing each author of `through` in turn, each leg the shortest (or
    strongest) within the hops the others leave; None when a leg has no path within them."""
    stops = [start, *through, end]
    papers: list[Paper] = []
    authors: list[Author] = []
    used = 0
    for i, (a, b) in enumerate(zip(stops, stops[1:])):
        budget = max_hops - used - (len(stops) - 2 - i)  # at least one hop for each leg still to go
        if budget < 1:
            return None
        found = await find_paths(info, a, b, budget, queries, 1, avoid)
        if not found:
            return None
        leg = found[0]
        authors += leg.authors[1:] if authors else leg.authors
        papers += leg.papers
        used += leg.length
    return CoauthorPath(length=used, authors=authors, papers=papers)


@strawberry.type
class Query:
    @resolver("Any node by id (Relay's Node): a Paper, Author, Institution, Repo, Topic, Page or Snapshot; null when "
              "there is none. A key two types share must be given as Type:id.")
    async def node(self, info: Ctx, id: strawberry.ID) -> Node | None:
        return await any_node(info, id)

    @resolver(f"Nodes by id, in the order given (null where there is none); at most {MAX_PAGE} ids.")
    async def nodes(self, info: Ctx, ids: list[strawberry.ID]) -> list[Node | None]:
        page_size(len(ids))
        return list(await asyncio.gather(*(any_node(info, i) for i in ids)))

    @resolver("A paper by id; null when there is none.")
    @root_lookup(None)
    async def paper(self, info: Ctx, id: strawberry.ID) -> Paper | None:
        return await find(info, Paper, id)

    @resolver("An author by id or by name (give one); null when there is none.")
    @root_lookup("name")
    async def author(self, info: Ctx, id: strawberry.ID | None = None, name: str | None = None) -> Author | None:
        return await find(info, Author, id, name)

    @resolver("An institution by id or by name or alias (give one); null when there is none.")
    @root_lookup("name")
    async def institution(self, info: Ctx, id: strawberry.ID | None = None,
                          name: str | None = None) -> Institution | None:
        return await find(info, Institution, id, name)

    @resolver('A repository by id or by "owner/name" (give one); null when there is none.')
    @root_lookup("fullName")
    async def repo(self, info: Ctx, id: strawberry.ID | None = None, full_name: str | None = None) -> Repo | None:
        return await find(info, Repo, id, full_name, "fullName")

    @resolver("A topic by id or by name (give one); null when there is none.")
    @root_lookup("name")
    async def topic(self, info: Ctx, id: strawberry.ID | None = None, name: str | None = None) -> Topic | None:
        return await find(info, Topic, id, name)

    @resolver("Papers, newest first or by relevance to `search` (or in `orderBy`), filtered by what is given "
              "(author, institution, topic: id or name; repo: id or owner/name; the same and more in `where`).")
    async def papers(self, info: Ctx, search: Search = None, author: str | None = None,
                     institution: str | None = None, topic: str | None = None, repo: str | None = None,
                     year: int | None = None, first: First = DEFAULT_PAGE,
                     after: After = None, where: PaperWhere | None = None,
                     order_by: PaperOrder | None = None) -> Connection[Paper]:
        merged = merge_where(where, author=author, institution=institution, topic=topic, repo=repo,
                             year_from=year, year_to=year)
        found = await filters(info.context, merged, "Paper")
        params: dict[str, Any] = dict(found.params)
        if search is not None:
            params["search"] = lucene_query(search)
            if not found.lines and order_by is None:  # no filters: Lucene's top hits, not a sort of every match
                text = params["search"]
                queries: tuple[Page, str] = (lambda skip, limit: top_hits(info.context, text, skip, limit),
                                             paper_texts(None, (), None, True).count)
                return await connection(info.context, queries, lambda n: node(Paper, n), first, after, **params)
        return await keyset_connection(info.context, paper_texts(None, found.lines, order_by, search is not None),
                                       paper_order(order_by, search is not None), lambda n: node(Paper, n),
                                       first, after, asks_total(info), **params)

    @resolver("Authors by name, or by relevance to `search` (or in `orderBy`), filtered by `where`.")
    async def authors(self, info: Ctx, search: Search = None, first: First = DEFAULT_PAGE,
                      after: After = None, where: AuthorWhere | None = None,
                      order_by: AuthorOrder | None = None) -> Connection[Author]:
        found = await filters(info.context, where, "Author")
        params: dict[str, Any] = dict(found.params)
        if search is not None:
            params["search"] = lucene_query(search)
        return await keyset_connection(info.context, author_texts(None, found.lines, order_by, search is not None),
                                       author_order(None, order_by, search is not None),
                                       lambda n: node(Author, n), first, after, asks_total(info), **params)

    @resolver("The shortest co-authorship path between two authors (ids or names); null when there is none "
              "within maxHops. `avoid`: authors it must not pass; `through`: authors it must pass, in that "
              "order; `strongest`: of the shortest paths, the one whose hops share the most papers.")
    async def coauthor_path(self, info: Ctx, from_: FromRef, to: AuthorRef, max_hops: MaxHops = 6,
                            avoid: PathAuthors = None, through: PathAuthors = None,
                            strongest: bool = False) -> CoauthorPath | None:
        avoid_ids = [a["id"] for a in await path_authors(info, avoid)]
        queries = cypher.STRONGEST_PATH if strongest else cypher.SHORTEST_PATH
        if through:
            await path_authors(info, through)  # an unknown name is an error, not "no path"
            return await through_path(info, from_, to, hops(max_hops), queries, through, avoid_ids)
        found = await find_paths(info, from_, to, max_hops, queries, 1, avoid_ids)
        return found[0] if found else None

    @resolver(f"Every shortest co-authorship path between two authors, at most `first` "
              f"(up to {MAX_PATHS}); empty when there is none within maxHops.")
    async def coauthor_paths(self, info: Ctx, from_: FromRef,
                             to: AuthorRef, max_hops: MaxHops = 6, first: int = 10) -> list[CoauthorPath]:
        return await find_paths(info, from_, to, max_hops, cypher.ALL_SHORTEST_PATHS,
                                    page_size(first, MAX_PATHS))

    @resolver("Repositories linked from two or more papers, most papers first.")
    async def shared_repo_links(self, info: Ctx, first: First = DEFAULT_PAGE, after: str | None = None,
                                repo: Annotated[str | None, strawberry.argument(
                                    description="Only this repository (id or owner/name).")] = None,
                                ) -> Connection[SharedRepo]:
        repo_id = None if repo is None else (await refs.require(info.context, "Repo", repo))["id"]

        def build(n: Row) -> SharedRepo:
            return SharedRepo(repo=node(Repo, n["repo"]), count=n["count"])

        return await keyset_connection(info.context, SHARED_REPOS, SHARED_REPOS_ORDER, build, first, after,
                                       asks_total(info), repo=repo_id)

    @resolver("How many nodes of each type, and relationships, the graph holds.")
    async def stats(self, info: Ctx) -> Stats:
        return Stats(**(await info.context.read(cypher.STATS))[0])
