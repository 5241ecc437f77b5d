"""Author identity in the graph: after a load, each affected name block is re-resolved from what the graph
holds and rewritten, a few blocks per transaction.

The loader writes one Author per spelling id (`a-<slug of the name>`) and AUTHORED links carrying that id
in `names`; this step reads every mention of a block (the spelling ids on its links, whatever node they
hang from now), the papers around them and the profile pages, clusters them as kg/graph/identity.py does
for `kg parse` (kg/ingest/identities.py), and replaces the block's nodes and links with one node per
person where they differ from what the graph holds (most blocks a load reaches come out as they were).
Its input is only what loads add (merged order-free), so any page order, batch size, `--bulk` and any
number of re-ingests give the same graph.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from neo4j import Driver, ManagedTransaction
from numpy.typing import NDArray

from kg.graph.abbrev import text_link
from kg.graph.assign import summarize
from kg.graph.chunks import bounded
from kg.graph.identity import Identity, Mention, Weights, bits, reach, resolve_block
from kg.graph.ids import author_id, text_key
from kg.graph.merge import AUTHOR, LATEST_FIGURES, author_order, combine, newest, order_key, same_place
from kg.graph.model import BY_PLURAL
from kg.graph.names import block_key
from kg.ingest.identities import FIGURES, evidence_lines, figures
from kg.store import summaries as summaries_store
from kg.store.statements import LATEST_QUERY, OWNER_SAVES, PENDING, TAKE_TURN, TURNS
from kg.store.summaries import summary_row

BLOCKS_PER_TRANSACTION = 200
# A run whose blocks hold at least this share of all AUTHORED links reads every circle in one pass over the
# papers first: per block, the two-hop reads of its chunks' co-author blocks cost far more (measured at 1M).
WHOLE_GRAPH_SHARE = 0.1
MENTIONS_PER_CHUNK = 5000  # of a chunk of blocks resolved together: its mentions and their communities are held at once
# Called after each committed transaction with the ids, by label, of the nodes whose triples it changed (every
# relationship a load writes has one of them as its start or end): kg ingest refreshes the SPARQL store.
OnCommit = Callable[[dict[str, list[str]]], None]

# Every node of the blocks: its spellings, figures and the profile pages pointing at it.
_NODES = """
UNWIND $blocks AS block
MATCH (a:Author {block: block})
RETURN a.id AS id, a.aliases AS aliases, a.name AS name, a {""" + ", ".join(f".{f}" for f in FIGURES) + """} AS figures,
  COLLECT { MATCH (g:Page)-[:PROFILE_OF]->(a) RETURN g.id } AS pages, properties(a) AS props
"""
# Every link of the blocks' nodes: its mentions are (spelling id, paper) from the link's names.
_MENTIONS = """
UNWIND $blocks AS block
MATCH (a:Author {block: block})-[r:AUTHORED]->(p:Paper)
RETURN block, a.id AS author, coalesce(r.names, [a.id]) AS names, p.id AS paper
"""
# What a paper says around its names: every save that lists it (its author lists, the profiles it was on).
# Its topics are those it names itself, as `kg parse` weighs them (not the long forms of its abbreviations).
_PAPERS = """
UNWIND $papers AS pid
MATCH (p:Paper {id: pid})
RETURN pid AS id, p.year AS year,
  COLLECT { MATCH (p)-[r:HAS_TOPIC]->(t) WHERE """ + text_link("r") + """ RETURN t.id } AS topics,
  COLLECT { MATCH (p)-[:AFFILIATED_WITH]->(i) RETURN i.id } AS institutions,
  COLLECT { MATCH (p)<-[:AUTHORED]-(o:Author) RETURN DISTINCT o.block } AS blocks,
  COLLECT { MATCH (p)-[:SEEN_IN]->(:Snapshot)-[:SNAPSHOT_OF]->(g:Page {format: 'profile'})
            RETURN DISTINCT g.id } AS profiles,
  COLLECT { MATCH (p)-[l:SEEN_IN]->() RETURN l.authors } AS lists,
  COLLECT { MATCH (p)<-[r:AUTHORED]-(o:Author) RETURN [o.id, coalesce(r.names, [o.id]), r.position] } AS links
"""
# The blocks each given block's authors wrote with.
_CIRCLES = """
UNWIND $blocks AS block
MATCH (:Author {block: block})-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(o:Author)
WHERE o.block <> block
RETURN block, collect(DISTINCT o.block) AS circle
"""
# Every paper's author blocks, for every circle at once (`KnownCircles.read_all`).
_PAPER_BLOCKS = """
MATCH (p:Paper)
RETURN COLLECT { MATCH (p)<-[:AUTHORED]-(a:Author) RETURN DISTINCT a.block } AS blocks
"""
_LINKS = "MATCH ()-[r:AUTHORED]->() RETURN count(r) AS links"  # from the count store
_ALL_BLOCKS = "MATCH (a:Author) RETURN DISTINCT a.block AS block ORDER BY block"
# Papers on every profile page titled as one of the owners.
_PROFILES = """
UNWIND $pages AS gid
MATCH (g:Page {id: gid})
RETURN gid AS id, g.title AS title, COLLECT { MATCH (p:Paper)-[:LISTED_ON]->(g) RETURN p.id } AS papers
"""
# The user's overrides of the blocks, oldest first: a later one wins a mention.
_OVERRIDES = "MATCH (o:Override) RETURN o {.*} AS o"  # few; no property named, so no warning when none exist
_DROP = """
UNWIND $blocks AS block
MATCH (a:Author {block: block})
WHERE NOT a.id IN $keep
DETACH DELETE a
"""
_UNLINK = """
UNWIND $keep AS id
MATCH (a:Author {id: id})
OPTIONAL MATCH (a)-[r:AUTHORED]->()
OPTIONAL MATCH ()-[q:PROFILE_OF]->(a)
DELETE r, q
"""
# Links a load left pending that full clustering kept as they were: decided now.
_DECIDED = f"""
UNWIND $blocks AS block
MATCH (a:Author {{block: block}})
CALL (a) {{ MATCH (a)-[r:AUTHORED {{{PENDING}: true}}]->() REMOVE r.{PENDING} }}
CALL (a) {{ MATCH ()-[r:PROFILE_OF {{{PENDING}: true}}]->(a) REMOVE r.{PENDING} }}
"""
WRITE_PEOPLE = """
UNWIND $nodes AS row
MERGE (a:Author {id: row.id})
SET a = row
"""
LINK_PEOPLE = """
UNWIND $links AS row
MATCH (a:Author {id: row.from}) MATCH (p:Paper {id: row.to})
CREATE (a)-[:AUTHORED {position: row.position, names: row.names}]->(p)
"""
OWN_PAGES = """
UNWIND $rows AS row
MATCH (g:Page {id: row.from}) MATCH (a:Author {id: row.to})
MERGE (g)-[:PROFILE_OF]->(a)
"""
PLACE_LINKS = """
UNWIND $rows AS row
MATCH (:Author {id: row.from})-[r:AUTHORED]->(:Paper {id: row.to})
SET r.position = row.position
"""
# Each block's AUTHORED links: about its mentions, to size the chunks.
_SIZES = """
UNWIND $blocks AS block
OPTIONAL MATCH (:Author {block: block})-[r:AUTHORED]->()
RETURN block, count(r) AS links
"""
_NEIGHBOURS = """
UNWIND $blocks AS block
MATCH (:Author {block: block})-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(o:Author)
RETURN DISTINCT o.block AS block
"""


@dataclass
class BlockData:
    """What one transaction read of its blocks."""

    mentions: dict[str, list[Mention]]
    spellings: dict[str, list[str]]  # spelling id -> every spelling
    anchor_figures: dict[str, dict[str, Any]]
    page_anchor: dict[str, str]  # profile page id -> its anchor
    lists: dict[str, list[list[str]]]  # paper -> every page's list of its spelling ids


@dataclass(frozen=True)
class Spelling:
    """One Author node before resolution: a spelling id, its spellings, figures and profile pages."""

    id: str
    spellings: list[str]
    figures: dict[str, Any]
    pages: list[str]


@dataclass(frozen=True)
class Context:
    """What a paper says around its names."""

    year: int | None
    topics: list[str]
    institutions: list[str]
    blocks: list[str]  # the name blocks of its authors
    profiles: list[str]  # the profile pages of the saves that list it
    lists: list[list[str]]  # every save's list of its spelling ids


@dataclass(frozen=True)
class Profile:
    """A profile page: its title (the owner's name) and the papers it lists now."""

    title: str | None
    papers: list[str]


class CircleTable:
    """Each block's co-author blocks, compactly: blocks numbered, every circle one slice of one array."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []
        self.start = array("q")
        self.end = array("q")
        self.flat = array("i")

    def _number(self, block: str) -> int:
        n = self.index.get(block)
        if n is None:
            n = self.index[block] = len(self.names)
            self.names.append(block)
            self.start.append(-1)  # numbered as another's co-author, its own circle not set yet
            self.end.append(-1)
        return n

    def add(self, block: str, circle: Iterable[str]) -> None:
        """Set one block's circle."""
        n = self._number(block)
        self.start[n] = len(self.flat)
        self.flat.extend(self._number(c) for c in circle)
        self.end[n] = len(self.flat)

    def __contains__(self, block: str) -> bool:
        """Whether `block`'s circle is set."""
        n = self.index.get(block)
        return n is not None and self.start[n] >= 0

    def places(self, blocks: list[str]) -> NDArray[np.int32]:
        """Each numbered block's place in `blocks`, -1 for the others: what `within` takes."""
        out = np.full(len(self.names), -1, dtype=np.int32)
        for i, b in enumerate(blocks):
            n = self.index.get(b)
            if n is not None:
                out[n] = i
        return out

    def within(self, block: str, places: NDArray[np.int32], size: int) -> int:
        """The blocks of `block`'s circle that `places` (of `size` blocks) places, as bits of their places."""
        n = self.index.get(block)
        if n is None or self.start[n] >= self.end[n]:
            return 0
        # A view made here and dropped on return: the array grows again in `add`, which a live view forbids.
        found = places[np.frombuffer(self.flat, dtype=np.int32)[self.start[n]:self.end[n]]]
        hit = np.zeros(size, dtype=np.bool_)
        hit[found[found >= 0]] = True
        return int.from_bytes(np.packbits(hit, bitorder="little").tobytes(), "little")

    @classmethod
    def of_papers(cls, papers: Iterable[list[str]]) -> CircleTable:
        """Every circle, from each paper's distinct author blocks: a block's circle is the other blocks of
        its papers."""
        table = cls()
        flat, sizes = array("i"), array("i")
        for blocks in papers:
            flat.extend(table._number(b) for b in blocks)
            sizes.append(len(blocks))
        ids, counts = np.frombuffer(flat, dtype=np.int32), np.frombuffer(sizes, dtype=np.int32)
        starts = np.cumsum(counts) - counts
        pairs = [np.zeros(0, dtype=np.int64)]
        for k in np.unique(counts[counts > 1]).tolist():  # papers of k blocks at once: k(k-1) ordered pairs each
            rows = ids[starts[counts == k][:, None] + np.arange(k)].astype(np.int64)
            a, b = np.nonzero(~np.eye(k, dtype=np.bool_))
            pairs.append((rows[:, a] << 32 | rows[:, b]).ravel())
        keys = np.sort(np.concatenate(pairs))  # by block, then co-author; np.unique hashes, several times slower
        keys = keys[np.diff(keys, prepend=-1) != 0]  # each once (keys are never negative)
        per = np.bincount(keys >> 32, minlength=len(table.names))
        end = np.cumsum(per)
        table.start = array("q", (end - per).tobytes())
        table.end = array("q", end.tobytes())
        table.flat = array("i", (keys & 0xFFFFFFFF).astype(np.int32).tobytes())
        return table


class KnownCircles:
    """The circles one resolution run has read so far, kept while no other process writes: resolution
    itself never changes them (every author stays in its block), a load of pages beside it may."""

    def __init__(self) -> None:
        self.table = CircleTable()
        self.turn: int | None = None  # the write lock's turns at this run's last transaction

    def read_all(self, tx: ManagedTransaction) -> None:
        """Read every circle now, in one pass over the papers, as true at the last turn taken."""
        turn = tx.run(TURNS).single(strict=True)["turn"]
        self.table = CircleTable.of_papers(r["blocks"] for r in tx.run(_PAPER_BLOCKS))
        self.turn = turn

    def at(self, turn: int) -> CircleTable:
        """The circles still true at `turn` (this transaction's): all of them when the last turn was this
        run's own, none when another transaction wrote in between."""
        if self.turn is None or turn != self.turn + 1:
            self.table = CircleTable()
        self.turn = turn
        return self.table


@dataclass
class Blocks:
    """Everything the mentions of some name blocks are built from: plain data, read from Neo4j
    (`read_blocks`) or from `--bulk`'s spooled tables (kg/store/bulk_authors.py)."""

    nodes: list[Spelling]  # the blocks' Author nodes
    found: list[tuple[str, str, str]]  # (block, spelling id, paper): each mention
    context: dict[str, Context]  # by paper, for every paper of `found`
    circles: CircleTable
    profiles: dict[str, Profile]  # by page id, for every page of `nodes`
    overrides: list[dict[str, Any]] = field(default_factory=list)  # the user's, oldest first


@dataclass
class People:
    """The rows one resolution writes: Author nodes, AUTHORED links (unnumbered), PROFILE_OF links and the
    people's summaries."""

    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]
    profiles: list[dict[str, str]]
    summaries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: People) -> None:
        """Take `other`'s rows too."""
        self.nodes += other.nodes
        self.links += other.links
        self.profiles += other.profiles
        self.summaries += other.summaries


Link = tuple[str, list[str], Any]  # (author id, spelling ids, position) of one AUTHORED link


@dataclass
class Stored:
    """The blocks of one transaction as the graph holds them, to write only those whose people changed."""

    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # block -> author id -> properties
    pages: dict[str, list[str]] = field(default_factory=dict)  # author id -> its profile pages
    links: dict[str, list[tuple[str, str, list[str]]]] = field(default_factory=dict)  # block -> (author, paper, names)
    around: dict[str, list[Link]] = field(default_factory=dict)  # paper -> every AUTHORED link to it

    def holds(self, block: str, rows: People) -> bool:
        """Whether the graph already holds `rows` as `block`'s people; the figures a profile's newest save
        sets (Merge.LATEST) are left to `latest_figures`."""
        owners = {r["to"] for r in rows.profiles}
        nodes = self.nodes.get(block, {})
        if nodes.keys() != {n["id"] for n in rows.nodes}:
            return False
        if any(_shown(nodes[n["id"]], n["id"] in owners) != _shown(n, n["id"] in owners) for n in rows.nodes):
            return False
        if sorted((a, p, n) for a, p, n in self.links.get(block, [])) != sorted(
                (r["from"], r["to"], r["names"]) for r in rows.links):
            return False
        return sorted((g, a) for a in nodes for g in self.pages[a]) == sorted((r["from"], r["to"]) for r in rows.profiles)


@dataclass
class Rewritten:
    """What resolution changed: the people it found, and the authors, papers and profile pages whose
    triples changed."""

    people: int = 0
    authors: set[str] = field(default_factory=set)
    papers: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)  # a page's row carries its PROFILE_OF

    def size(self) -> int:
        """How many ids it holds."""
        return len(self.authors) + len(self.papers) + len(self.pages)

    def ids(self) -> dict[str, list[str]]:
        """The changed ids by label, as a load's on_commit takes them."""
        return {BY_PLURAL["authors"].name: sorted(self.authors), BY_PLURAL["papers"].name: sorted(self.papers),
                BY_PLURAL["pages"].name: sorted(self.pages)}


def _shown(props: dict[str, Any], owner: bool) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not (owner and k in LATEST_FIGURES)}


def spelling_of(spellings: list[str]) -> str:
    """The spelling an id stands for when a node has several: the longest, then the first."""
    return min(spellings, key=lambda v: (-len(v), order_key(v)))


def read_blocks(tx: ManagedTransaction, blocks: list[str], circles: CircleTable | None = None
                ) -> tuple[BlockData, Stored]:
    """Every mention of `blocks` with what kg/ingest/identities.py gives a mention in memory, and the blocks
    as the graph holds them. circles: those read before and still true (`KnownCircles`); the missing are
    read and added."""
    stored = Stored()
    nodes = []
    for r in tx.run(_NODES, blocks=blocks):
        nodes.append(Spelling(r["id"], r["aliases"] or [r["name"]], r["figures"], r["pages"]))
        stored.nodes.setdefault(r["props"].get("block"), {})[r["id"]] = r["props"]
        stored.pages[r["id"]] = r["pages"]
    found_in: set[tuple[str, str, str]] = set()
    for r in tx.run(_MENTIONS, blocks=blocks):
        stored.links.setdefault(r["block"], []).append((r["author"], r["paper"], r["names"]))
        found_in.update((r["block"], name, r["paper"]) for name in r["names"])
    found = sorted(found_in)
    papers = sorted({p for _, _, p in found})
    context = {}
    for r in tx.run(_PAPERS, papers=papers):
        context[r["id"]] = Context(r["year"], r["topics"], r["institutions"], r["blocks"], r["profiles"], r["lists"])
        stored.around[r["id"]] = [(a, names, position) for a, names, position in r["links"]]
    co_blocks = sorted({b for c in context.values() for b in c.blocks})
    circles = CircleTable() if circles is None else circles
    missing = [b for b in co_blocks if b not in circles]
    read = {r["block"]: r["circle"] for r in tx.run(_CIRCLES, blocks=missing)}
    for b in missing:
        circles.add(b, read.get(b, ()))  # a block that wrote with no other block has no row
    pages = sorted({g for n in nodes for g in n.pages})
    profiles = {r["id"]: Profile(r["title"], r["papers"]) for r in tx.run(_PROFILES, pages=pages)}
    made = sorted((r["o"] for r in tx.run(_OVERRIDES)), key=lambda o: (o.get("made", 0), o["id"]))
    return block_data(blocks, Blocks(nodes, found, context, circles, profiles, made)), stored


def block_data(blocks: list[str], given: Blocks) -> BlockData:
    """The mentions of `blocks`, each with what kg/ingest/identities.py gives a mention in memory: the
    one rule both the incremental load and `--bulk` resolve authors by."""
    spellings: dict[str, set[str]] = {}
    node_figures: dict[str, dict[str, Any]] = {}
    node_pages: dict[str, list[str]] = {}
    for row in given.nodes:
        for s in row.spellings:
            spellings.setdefault(author_id(s), set()).add(s)
        node_figures[row.id] = row.figures
        node_pages[row.id] = row.pages
    profiles = given.profiles
    listed: dict[str, set[str]] = {}
    for g in profiles.values():
        listed.setdefault(text_key(g.title or ""), set()).update(g.papers)
    complete: set[str] = set()
    for node, gids in node_pages.items():
        count = node_figures[node].get("paper_count")
        for gid in gids:
            key = text_key(profiles[gid].title or "")
            if count is not None and len(listed.get(key, ())) == count:
                complete.add(key)
    page_anchor = {gid: (f"owner:{text_key(g.title or '')}" if text_key(g.title or "") in complete
                         else gid) for gid, g in profiles.items()}
    anchor_figures: dict[str, dict[str, Any]] = {}
    for node, gids in node_pages.items():
        for gid in gids:
            anchor = page_anchor[gid]
            known = anchor_figures.get(anchor, {})
            anchor_figures[anchor] = {f: combine(AUTHOR.prop(f).merge, known.get(f), node_figures[node].get(f))
                                      for f in FIGURES}
    spelled = {n: spelling_of(sorted(s)) for n, s in spellings.items()}
    pins: dict[tuple[str, str], str] = {}
    wanted = set(blocks)
    for o in (o for o in given.overrides if wanted & set(o.get("blocks") or [])):
        for line in o.get("groups") or []:
            group, paper_id, name_id = line.split("\t")
            pins[(paper_id, name_id)] = f"kg authors {o['kind']} ({o['id']})#{group}"
    read: dict[str, list[tuple[str, str, str, frozenset[str]]]] = {}  # block -> (spelling id, paper, spelling, co-authors)
    also = placed(given.found, given.context, spelled)
    for block, name_id, paper in given.found:
        if (paper, name_id) in also.moved:
            continue  # another page's spelling of a name kept at its place
        spelling = spelled.get(name_id, name_id)
        own = block_key(spelling)
        coauthors = frozenset(b for b in given.context[paper].blocks if b != own)
        read.setdefault(block, []).append((name_id, paper, spelling, coauthors))
    mentions: dict[str, list[Mention]] = {}
    for block, found in read.items():
        # A mention's community is only ever compared with the co-authors of its block's other mentions
        # (kg/graph/identity.py `signals`), so it keeps just those, as bits of the block's reach.
        numbers = reach(block, (coauthors for _, _, _, coauthors in found))
        places = given.circles.places(list(numbers))
        near: dict[str, int] = {}  # co-author block -> its circle's bits: many mentions share them
        for name_id, paper, spelling, coauthors in found:
            ctx = given.context[paper]
            owners: dict[str, str] = {}
            for gid in ctx.profiles:
                if gid in page_anchor:
                    key = text_key(profiles[gid].title or "")
                    owners[key] = min(owners.get(key, page_anchor[gid]), page_anchor[gid])
            community = 0
            for c in coauthors:
                circle = near.get(c)
                if circle is None:
                    circle = near[c] = given.circles.within(c, places, len(numbers))
                community |= circle
            key = text_key(spelling)
            mentions.setdefault(block, []).append(Mention(
                paper, spelling, coauthors=coauthors, community=community & ~bits(numbers, coauthors),
                topics=frozenset(ctx.topics), institutions=frozenset(ctx.institutions), year=ctx.year,
                anchor=owners.get(key), closed=key in complete and key in owners, pin=pins.get((paper, name_id)),
                also=also.spellings.get((paper, name_id), ())))
    return BlockData(mentions, {n: sorted(s, key=order_key) for n, s in spellings.items()}, anchor_figures,
                     page_anchor, {p: given.context[p].lists for p in sorted({p for _, _, p in given.found})})


@dataclass
class Placed:
    """Spellings of one author at one place of a paper, as pages differ (kg/graph/merge.same_place)."""

    moved: set[tuple[str, str]] = field(default_factory=set)  # (paper, spelling id) taken by another's mention
    spellings: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (paper, kept id) -> the others'


def placed(found: Iterable[tuple[str, str, str]], context: dict[str, Context], spelled: dict[str, str]) -> Placed:
    """For each paper, the spelling ids of `found` (block, spelling id, paper) that stand at another's place."""
    by_paper: dict[tuple[str, str], list[str]] = {}
    for block, name_id, paper in found:
        by_paper.setdefault((paper, block), []).append(name_id)
    out = Placed()
    for (paper, _), ids in by_paper.items():
        if len(ids) < 2:
            continue
        kept = same_place(context[paper].lists, {n: spelled.get(n, n) for n in ids})
        for name_id, to in sorted(kept.items()):
            out.moved.add((paper, name_id))
            out.spellings[paper, to] = (*out.spellings.get((paper, to), ()), spelled.get(name_id, name_id))
    return out


def people(data: BlockData, identities: list[Identity]) -> People:
    """The rows of one node per identity, its links (position 0: see `places`) and its profile pages."""
    out = People([], [], [])
    for identity in identities:
        nids = sorted({author_id(n) for m in identity.mentions for n in (m.name, *m.also)})
        out.nodes.append({"id": identity.id, "name": identity.name, "block": block_key(identity.name),
                          "aliases": sorted({s for n in nids for s in data.spellings.get(n, [])}, key=order_key),
                          "evidence": evidence_lines(identity),
                          **{k: v for k, v in figures(identity, data.anchor_figures).items() if v is not None}})
        per_paper: dict[str, set[str]] = {}
        for m in identity.mentions:
            per_paper.setdefault(m.paper, set()).update(author_id(n) for n in (m.name, *m.also))
        out.links += [{"from": identity.id, "to": p, "names": sorted(ns), "position": 0}
                      for p, ns in per_paper.items()]
        anchors = {m.anchor for m in identity.mentions if m.anchor}
        out.profiles += [{"from": gid, "to": identity.id} for gid, a in data.page_anchor.items() if a in anchors]
        out.summaries.append(summary_row(identity.id, block_key(identity.name), summarize(identity)))
    return out


def write_blocks(tx: ManagedTransaction, data: BlockData, found: dict[str, list[Identity]],
                 stored: Stored) -> Rewritten:
    """Replace the nodes and links of each block whose people (`found`, by block) differ from what the graph
    holds with one node per identity, number every link of the blocks' papers again; what changed."""
    out = Rewritten()
    rows = People([], [], [])
    changed = []
    summaries = []
    for block, identities in found.items():
        mine = people(data, identities)
        out.people += len(mine.nodes)
        summaries += mine.summaries
        if not stored.holds(block, mine):
            changed.append(block)
            rows.add(mine)
    keep = [n["id"] for n in rows.nodes]
    before = {a: props for b in changed for a, props in stored.nodes.get(b, {}).items()}
    rewritten = set(before) | set(keep)
    moved = number(data.lists, stored.around, rewritten, rows.links)
    out.authors = restated(before, rows)
    out.papers = reordered(stored.around, rewritten, rows.links, moved)
    profiled = {(g, a) for a in before for g in stored.pages[a]} ^ {(r["from"], r["to"]) for r in rows.profiles}
    out.pages = {g for g, _ in profiled}
    if changed:
        tx.run(_DROP, blocks=changed, keep=keep).consume()
        tx.run(_UNLINK, keep=keep).consume()
        tx.run(WRITE_PEOPLE, nodes=rows.nodes).consume()
        tx.run(LINK_PEOPLE, links=rows.links).consume()
        tx.run(OWN_PAGES, rows=rows.profiles).consume()
    if moved:
        tx.run(PLACE_LINKS, rows=moved).consume()
    tx.run(_DECIDED, blocks=list(found)).consume()
    tx.run(summaries_store.DROP, blocks=list(found), keep=[r["id"] for r in summaries]).consume()
    tx.run(summaries_store.WRITE, rows=summaries).consume()
    tx.run(summaries_store.CLUSTERED, blocks=list(found)).consume()
    owned = sorted({g for b in found for a in stored.nodes.get(b, {}) for g in stored.pages[a]}
                   | {r["from"] for r in rows.profiles})
    out.authors.update(latest_figures(tx, owned))
    return out


def restated(before: dict[str, dict[str, Any]], rows: People) -> set[str]:
    """The authors whose export rows differ once `rows` replace those `before` (id -> properties): gone,
    new, or with other properties (an author's row carries no relationship: kg/rdf/triples.py `carrier`)."""
    owners = {r["to"] for r in rows.profiles}
    after = {n["id"]: n for n in rows.nodes}
    return {a for a in before.keys() | after.keys() if a not in before or a not in after
            or _shown(before[a], a in owners) != _shown(after[a], a in owners)}


def reordered(around: dict[str, list[Link]], rewritten: set[str], links: list[dict[str, Any]],
              moved: list[dict[str, Any]]) -> set[str]:
    """The papers whose author lists (each link's author and position, what a paper's export row carries)
    differ once the `rewritten` authors' links are replaced by `links` and the kept ones `moved`."""
    after: dict[str, list[tuple[str, Any]]] = {}
    for r in links:
        after.setdefault(r["to"], []).append((r["from"], r["position"]))
    place = {(r["from"], r["to"]): r["position"] for r in moved}
    papers = set(after) | {r["to"] for r in moved} | {
        p for p, found in around.items() if any(a in rewritten for a, _, _ in found)}
    out = set()
    for paper in papers:
        found = around.get(paper, [])
        kept = [(a, place.get((a, paper), at)) for a, _, at in found if a not in rewritten]
        if sorted(kept + after.get(paper, [])) != sorted((a, at) for a, _, at in found):
            out.add(paper)
    return out


def number(lists: dict[str, list[list[str]]], around: dict[str, list[Link]], rewritten: set[str],
           links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each paper's AUTHORED positions 0..n-1 by the first place any of a link's spellings takes in the paper's
    author order (kg/graph/merge.author_order): the new `links` get theirs, and the kept links (those of
    `around` not from a `rewritten` author) whose place moved are returned."""
    new: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        new.setdefault(link["to"], []).append(link)
    moved = []
    for paper, paper_lists in lists.items():
        order = order_of(paper_lists)
        kept = [(a, names, at) for a, names, at in around.get(paper, []) if a not in rewritten]
        ranked = [(rank(order, names), a) for a, names, _ in kept] + [
            (rank(order, r["names"]), r["from"]) for r in new.get(paper, [])]
        place = dict(places(ranked))
        for r in new.get(paper, []):
            r["position"] = place[r["from"]]
        moved += [{"from": a, "to": paper, "position": place[a]} for a, _, at in kept if at != place[a]]
    return moved


def rank(order: dict[str, int], names: Iterable[str]) -> int:
    """Where a link stands in its paper's `order` (author id -> place): the first place of any of its names."""
    return min(order.get(n, len(order)) for n in names)


def places(ranked: Iterable[tuple[int, str]]) -> list[tuple[str, int]]:
    """A paper's authors (rank, author id) numbered 0..n-1: by rank, then id."""
    return [(author, i) for i, (_, author) in enumerate(sorted(ranked))]


def order_of(lists: list[list[str]]) -> dict[str, int]:
    """Each spelling id's place in the paper's author order (kg/graph/merge.author_order)."""
    return {a: i for i, a in enumerate(author_order(lists))}


def latest_figures(tx: ManagedTransaction, pages: list[str]) -> list[str]:
    """The header figures (Merge.LATEST) of the owners of `pages`: those of the newest save of any profile
    page of theirs, whatever merged, split or loaded before; the owners whose figures changed."""
    rows = [{"author": author, "snapshot": snap} for author, saves in tx.run(OWNER_SAVES, ids=pages).values()
            if (snap := newest(map(tuple, saves))) is not None]
    return [r["id"] for r in tx.run(LATEST_QUERY, rows=rows)] if rows else []


def resolve_chunk(tx: ManagedTransaction, blocks: list[str], weights: Weights,
                  known: KnownCircles | None = None) -> Rewritten:
    """Re-resolve one chunk of blocks in `tx` (see `resolve_authors`); known: the run's circles so far."""
    turn = tx.run(TAKE_TURN).single(strict=True)["turn"]
    data, stored = read_blocks(tx, blocks, None if known is None else known.at(turn))
    found = {b: resolve_block(b, data.mentions.get(b, []), weights) for b in blocks}
    return write_blocks(tx, data, found, stored)


def affected(driver: Driver, database: str | None, blocks: Iterable[str]) -> list[str]:
    """`blocks` and every block that wrote with them: a mention's features reach its co-authors' co-authors."""
    given = sorted(set(blocks))
    out = set(given)
    for chunk in _chunks(given):
        records, _, _ = driver.execute_query(_NEIGHBOURS, blocks=chunk, database_=database)
        out.update(r["block"] for r in records)
    return sorted(out)


def resolve_in(tx: ManagedTransaction, blocks: Iterable[str], weights: Weights) -> None:
    """Re-resolve `blocks` and every block that wrote with them inside `tx` (for `kg pages forget`)."""
    wanted = sorted(set(blocks))
    found = set(wanted)
    for chunk in _chunks(wanted):
        found.update(r["block"] for r in tx.run(_NEIGHBOURS, blocks=chunk))
    for chunk in chunked(_sized(tx.run, sorted(found))):
        resolve_chunk(tx, chunk, weights)


def chunked(sizes: Iterable[tuple[str, int]]) -> Iterator[list[str]]:
    """Blocks, given with their mentions, in chunks of at most BLOCKS_PER_TRANSACTION blocks and, but for one
    block alone, MENTIONS_PER_CHUNK mentions: the one rule of the incremental load and `--bulk`."""
    return bounded(sizes, BLOCKS_PER_TRANSACTION, MENTIONS_PER_CHUNK)


def _sized(run: Callable[..., Any], blocks: list[str]) -> Iterator[tuple[str, int]]:
    """Each of `blocks`, in order, with its AUTHORED links (`run`: a session's or transaction's)."""
    for chunk in _chunks(blocks):
        links = {r["block"]: r["links"] for r in run(_SIZES, blocks=chunk)}
        yield from ((b, links[b]) for b in chunk)


def sizes(driver: Driver, database: str | None, blocks: list[str]) -> list[tuple[str, int]]:
    """Each of `blocks` with its AUTHORED links."""
    with driver.session(database=database) as session:
        return list(_sized(session.run, blocks))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BLOCKS_PER_TRANSACTION):
        yield items[start:start + BLOCKS_PER_TRANSACTION]


def resolve_authors(driver: Driver, database: str | None, blocks: Iterable[str], weights: Weights,
                    tick: Callable[[int], None] | None = None,
                    on_commit: OnCommit | None = None) -> int:
    """Re-resolve `blocks` (see `affected`), a transaction per chunk; the people found. tick: called with the
    blocks done after each transaction; on_commit: with the ids of the nodes whose triples changed, by label,
    after each transaction that changed any."""
    found = done = 0
    known = KnownCircles()  # at 1M a chunk's papers reach thousands of blocks, each block's circle thousands
    with driver.session(database=database) as session:
        sizes = list(_sized(session.run, sorted(set(blocks))))  # all read first: a session runs one query at a time
        if sum(n for _, n in sizes) >= WHOLE_GRAPH_SHARE * session.run(_LINKS).single(strict=True)["links"]:
            session.execute_read(known.read_all)
        for chunk in chunked(sizes):
            step = session.execute_write(resolve_chunk, chunk, weights, known)
            found += step.people
            done += len(chunk)
            if on_commit is not None and step.size():
                on_commit(step.ids())
            if tick is not None:
                tick(done)
    return found


def every_block(driver: Driver, database: str | None) -> list[str]:
    """Every name block of the graph's authors."""
    records, _, _ = driver.execute_query(_ALL_BLOCKS, database_=database)
    return [r["block"] for r in records if r["block"] is not None]
