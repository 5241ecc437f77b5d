"""After a load, its new mentions are given to people (kg/graph/assign.py), a chunk of name blocks per
transaction: the cost follows what the load added, not the size of the graph.

The loader marks each AUTHORED and PROFILE_OF link it creates as pending (kg/store/statements.py PENDING):
a mention names its author by spelling. Here each block's pending mentions are weighed against the people
of that block, read from their summaries (kg/store/summaries.py), and against each other; a mention that
fits nobody starts a new person. A block where a decision was close, or that grew by more than REGROWTH (and
by REGROWTH_LEAST mentions) since it was last clustered in full, is marked for `kg authors recluster --dirty`
(kg/store/authors.py).
The decisions of one load are taken against the people as they stood before it, block by block and in
sorted order, so page order, batch size and a rerun after a stop do not change them.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from neo4j import Driver, ManagedTransaction

from kg.console import Report, progress_of
from kg.graph.abbrev import text_link
from kg.graph.assign import Assignment, Person, Summary, assign_block
from kg.graph.identity import Mention, Weights, at_place, bits, fullest, reach, resolve_block
from kg.graph.ids import author_id, text_key
from kg.graph.merge import order_key, same_place
from kg.graph.names import block_key, compatible_names, parse
from kg.ingest.identities import evidence_lines
from kg.store.authors import (
    BLOCKS_PER_TRANSACTION,
    LINK_PEOPLE,
    MENTIONS_PER_CHUNK,
    OWN_PAGES,
    PLACE_LINKS,
    WRITE_PEOPLE,
    CircleTable,
    Link,
    OnCommit,
    Rewritten,
    latest_figures,
    number,
    read_blocks,
    spelling_of,
    write_blocks,
)
from kg.store.statements import PENDING, TAKE_TURN
from kg.store.summaries import BLOCK, SUMMARY, WRITE, read_summary, summary_row

REGROWTH = 0.5  # a block whose mentions grew by more than this share since its last full clustering is marked,
REGROWTH_LEAST = 4  # and by at least this many: a few mentions more are weighed against every person of the block
FACTS_HELD = 200_000  # papers whose facts (`_FACTS`) one assignment keeps between its chunks, at most

# Every pending mention: the spelling node it hangs from, its spelling ids and its paper.
_PENDING = f"""
MATCH (a:Author)-[r:AUTHORED {{{PENDING}: true}}]->(p:Paper)
RETURN a.block AS block, a.id AS author, coalesce(r.names, [a.id]) AS names, p.id AS paper, elementId(r) AS link
"""
# The blocks of the authors the load's new profile pages name: their owner is decided too.
_PENDING_PAGES = f"""
MATCH (:Page)-[:PROFILE_OF {{{PENDING}: true}}]->(a:Author)
RETURN DISTINCT a.block AS block
"""
# By element id: a seek per link (found by its ends, the planner scans the pending index for each).
_STILL = f"""
UNWIND $links AS link
MATCH (a:Author)-[r:AUTHORED]->(p:Paper) WHERE elementId(r) = link AND r.{PENDING}
RETURN a.block AS block, a.id AS author, coalesce(r.names, [a.id]) AS names, p.id AS paper, link
"""
# Each paper's author blocks: the circles the pending mentions add.
_PAPER_BLOCKS = """
UNWIND $papers AS pid
MATCH (p:Paper {id: pid})
RETURN pid AS id, COLLECT { MATCH (p)<-[:AUTHORED]-(o:Author) RETURN DISTINCT o.block } AS blocks
"""
# Each block's circle as its people's summaries hold it.
_CIRCLES = f"""
UNWIND $blocks AS block
RETURN block, COLLECT {{ MATCH (s:{SUMMARY.name} {{block: block}}) UNWIND s.coauthors AS c RETURN DISTINCT c }} AS circle
"""
# Every Author node of the blocks (people and the load's spelling nodes), its spellings and profile pages; a
# person's summary is read once their names make them a candidate (`_SUMMARIES`).
_NODES = f"""
UNWIND $blocks AS block
MATCH (a:Author {{block: block}})
OPTIONAL MATCH (s:{SUMMARY.name} {{id: a.id}})
RETURN block, a.id AS id, a.name AS name, a.aliases AS aliases, a.evidence IS NOT NULL AS resolved,
  s IS NOT NULL AS summarized, coalesce(s.mentions, 0) AS mentions,
  COLLECT {{ MATCH (g:Page)-[r:PROFILE_OF]->(a) RETURN [g.id, coalesce(r.{PENDING}, false)] }} AS pages
"""
# What a paper says around its names: its year, topics, institutions and saves (the author lists they give,
# and the profile pages they are on). An assignment changes none of it: read once per paper of a load.
_FACTS = f"""
UNWIND $papers AS pid
MATCH (p:Paper {{id: pid}})
RETURN pid AS id, p.year AS year,
  COLLECT {{ MATCH (p)-[r:HAS_TOPIC]->(t) WHERE {text_link("r")} RETURN t.id }} AS topics,
  COLLECT {{ MATCH (p)-[:AFFILIATED_WITH]->(i) RETURN i.id }} AS institutions,
  COLLECT {{ MATCH (p)-[l:SEEN_IN]->(s) OPTIONAL MATCH (s)-[:SNAPSHOT_OF]->(g:Page {{format: 'profile'}})
            RETURN [l.authors, g.id, g.title] }} AS saves
"""
# A paper's links (pending or not) with their authors' blocks: read by each chunk, as the chunks before decide them.
_LINKS = f"""
UNWIND $papers AS pid
MATCH (p:Paper {{id: pid}})
RETURN pid AS id, COLLECT {{ MATCH (p)<-[r:AUTHORED]-(o:Author)
            RETURN [o.id, coalesce(r.names, [o.id]), r.position, coalesce(r.{PENDING}, false), o.block] }} AS links
"""
_UNLINK = """
UNWIND $links AS link
MATCH ()-[r:AUTHORED]->() WHERE elementId(r) = link
DELETE r
"""
_UNOWN = f"""
UNWIND $ids AS id
MATCH (a:Author {{id: id}})
WITH a
MATCH (:Page)-[r:PROFILE_OF]->(a) WHERE r.{PENDING}
DELETE r
"""
# The load's spelling nodes left with no mention: those of its own mentions, now a person's.
_SWEEP = f"""
UNWIND $ids AS id
MATCH (a:Author {{id: id}})
WHERE NOT EXISTS {{ (a)-[:AUTHORED]->() }} AND NOT EXISTS {{ MATCH (s:{SUMMARY.name} {{id: id}}) }}
DETACH DELETE a
RETURN id
"""
# The people on a profile page's papers by a spelling of its title: who owns a page a load saw first.
_OWNERS = f"""
UNWIND $pages AS gid
MATCH (g:Page {{id: gid}})
RETURN gid AS page, g.title AS title, COLLECT {{
  MATCH (g)<-[:LISTED_ON]-(:Paper)<-[r:AUTHORED]-(a:Author) WHERE r.{PENDING} IS NULL RETURN [a.id, r.names]
}} AS links
"""
# The blocks a user's override pins mentions of (few): clustered in full, where the pins are applied.
# (Its properties read as a map: a property no node has yet would make Neo4j warn.)
_PINNED = """
MATCH (o:Override) WITH o {.*} AS o
UNWIND $blocks AS block
WITH block, o WHERE block IN o.blocks
RETURN DISTINCT block
"""
_SUMMARIES = f"""
UNWIND $ids AS id
MATCH (s:{SUMMARY.name} {{id: id}})
RETURN id, s {{.*}} AS summary
"""
_EVIDENCE = "UNWIND $ids AS id MATCH (a:Author {id: id}) RETURN id, a.evidence AS evidence"
_GROW = """
UNWIND $rows AS row
MATCH (a:Author {id: row.id})
SET a.aliases = row.aliases, a.evidence = row.evidence
"""
_NAME = """
UNWIND $rows AS row
MATCH (:Author {id: row.author})-[r:AUTHORED]->(:Paper {id: row.paper})
SET r.names = COLLECT { UNWIND r.names + [row.name] AS n RETURN DISTINCT n ORDER BY n }
"""
# A person renamed by a fuller spelling: the node and its summary take the new id.
_RENAME = f"""
UNWIND $rows AS row
MATCH (a:Author {{id: row.id}})
OPTIONAL MATCH (s:{SUMMARY.name} {{id: row.id}})
SET a.id = row.to, a.name = row.name, s.id = row.to
RETURN row.id AS id, row.to AS to, COLLECT {{ MATCH (a)-[:AUTHORED]->(p) RETURN p.id }} AS papers
"""
_MARK = f"""
UNWIND $rows AS row
MERGE (b:{BLOCK.name} {{id: row.id}})
ON CREATE SET b.clustered = row.before, b.dirty = false
SET b.dirty = b.dirty OR row.unsure OR (row.after > b.clustered * (1 + $regrowth) AND row.after >= b.clustered + $least)
"""
_MARKED = f"MATCH (b:{BLOCK.name} {{dirty: true}}) RETURN b.id AS block ORDER BY block"


@dataclass(frozen=True, order=True)
class Pending:
    """One pending AUTHORED link: the spelling node, its spelling ids and its paper."""

    block: str
    author: str
    names: tuple[str, ...]
    paper: str
    link: str  # the relationship's element id


@dataclass
class Turns:
    """The write lock's turns a load's committed transactions took: whether another process wrote between
    two of them (kg/store/statements.py TAKE_TURN)."""

    first: int = 0
    last: int = 0
    taken: int = 0

    def took(self, turn: int) -> None:
        """Count a committed transaction's turn."""
        self.first = turn if not self.taken else min(self.first, turn)
        self.last = max(self.last, turn)
        self.taken += 1

    @property
    def shared(self) -> bool:
        """Whether another process took turns between this load's first and last."""
        return self.taken > 0 and self.last - self.first + 1 != self.taken


@dataclass
class Assigned:
    """What the assignment did: mentions given to known people, new people, blocks marked or left over."""

    mentions: int = 0
    joined: int = 0
    people: int = 0
    marked: int = 0
    clustered: int = 0  # blocks clustered in full: new, or with people no summary describes
    turn: int = 0  # of a chunk: the write lock's turn its transaction took


def pending(driver: Driver, database: str | None) -> tuple[list[Pending], list[str]]:
    """Every pending mention the graph holds, by block and paper; and the blocks of the authors that pending
    profile pages name."""
    records, _, _ = driver.execute_query(_PENDING, database_=database)
    pages, _, _ = driver.execute_query(_PENDING_PAGES, database_=database)
    return (sorted(Pending(r["block"], r["author"], tuple(r["names"]), r["paper"], r["link"]) for r in records),
            sorted(r["block"] for r in pages))


def circles(driver: Driver, database: str | None, found: list[Pending]) -> CircleTable:
    """The circles of every block the pending mentions' papers name: those the summaries hold, and those
    the pending papers add."""
    papers = sorted({p.paper for p in found})
    around: dict[str, set[str]] = {}
    with driver.session(database=database) as session:
        for chunk in _chunks(papers, 2000):
            for r in session.run(_PAPER_BLOCKS, papers=chunk):
                for b in r["blocks"]:
                    around.setdefault(b, set()).update(r["blocks"])
        table = CircleTable()
        for chunk in _chunks(sorted(around), BLOCKS_PER_TRANSACTION):
            for r in session.run(_CIRCLES, blocks=chunk):
                table.add(r["block"], sorted((set(r["circle"]) | around[r["block"]]) - {r["block"]}))
    return table


def chunks(found: list[Pending], more: Iterable[str] = ()) -> Iterator[tuple[list[Pending], list[str]]]:
    """The pending mentions by block, with the blocks `more` names too (those of pending profile pages): at
    most BLOCKS_PER_TRANSACTION blocks and, but for one block alone, MENTIONS_PER_CHUNK mentions a chunk."""
    groups = dict(_by_block(found))
    chunk: list[Pending] = []
    blocks: list[str] = []
    for block in sorted(groups.keys() | set(more)):
        group = groups.get(block, [])
        if blocks and (len(blocks) == BLOCKS_PER_TRANSACTION or len(chunk) + len(group) > MENTIONS_PER_CHUNK):
            yield chunk, blocks
            chunk, blocks = [], []
        chunk += group
        blocks.append(block)
    if blocks:
        yield chunk, blocks


def _by_block(found: list[Pending]) -> Iterator[tuple[str, list[Pending]]]:
    group: list[Pending] = []
    for p in found:
        if group and p.block != group[0].block:
            yield group[0].block, group
            group = []
        group.append(p)
    if group:
        yield group[0].block, group


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass(eq=False)  # by identity: a chunk's nodes are keys
class Node:
    """An Author node of a chunk's blocks: a person (with a summary) or a load's spelling node."""

    id: str
    block: str
    name: str
    aliases: list[str]
    resolved: bool  # a person full clustering wrote (with evidence)
    summarized: bool  # a person with a summary
    mentions: int  # the mentions their summary counts
    pages: list[str]  # its profile pages, decided
    pending_pages: list[str]


@dataclass
class Paper:
    """A pending mention's paper: what it says around its names, and its links."""

    year: int | None
    topics: frozenset[str]
    institutions: frozenset[str]
    blocks: list[str]
    profiles: dict[str, str]  # page id -> title
    lists: list[list[str]]
    links: list[tuple[str, list[str], Any, bool]]  # (author, spelling ids, position, pending)

    def decided(self) -> list[Link]:
        """Its links that are people's."""
        return [(a, names, at) for a, names, at, waiting in self.links if not waiting]


@dataclass
class Facts:
    """What the pending mentions' papers say around their names (`_FACTS`), kept between the chunks of one
    assignment: a paper's authors are in several blocks, so several chunks read it. At most FACTS_HELD papers."""

    held: dict[str, Any] = field(default_factory=dict)

    def papers(self, tx: ManagedTransaction, ids: list[str]) -> dict[str, Paper]:
        """These papers, their facts read once and their links now."""
        wanted = [i for i in ids if i not in self.held]
        if len(self.held) + len(wanted) > FACTS_HELD:
            self.held.clear()
            wanted = ids
        self.held.update((r["id"], r) for r in tx.run(_FACTS, papers=wanted))
        return {r["id"]: _paper(self.held[r["id"]], r["links"]) for r in tx.run(_LINKS, papers=ids)}


def assign_chunk(tx: ManagedTransaction, given: list[Pending], blocks: list[str], table: CircleTable,
                 weights: Weights, facts: Facts | None = None) -> tuple[Rewritten, Assigned]:
    """Give one chunk's pending mentions (and profile pages) of `blocks` to people in `tx`; what changed."""
    turn = tx.run(TAKE_TURN).single(strict=True)["turn"]
    found = [Pending(r["block"], r["author"], tuple(r["names"]), r["paper"], r["link"]) for r in tx.run(
        _STILL, links=[p.link for p in given])]  # another load may have taken some
    out, done = Rewritten(), Assigned()
    done.turn = turn
    nodes: dict[str, list[Node]] = {}
    for r in tx.run(_NODES, blocks=blocks):
        pages = [(g, bool(w)) for g, w in r["pages"]]
        nodes.setdefault(r["block"], []).append(Node(
            r["id"], r["block"], r["name"], r["aliases"] or [r["name"]], r["resolved"], r["summarized"], r["mentions"],
            sorted(g for g, w in pages if not w), sorted(g for g, w in pages if w)))
    # A block with no person yet, with people no summary describes (resolved before summaries were kept), or
    # with a user's override, is clustered in full: all its mentions are the load's, it has no summaries to
    # weigh them against, or the override's pins decide.
    pinned = {r["block"] for r in tx.run(_PINNED, blocks=sorted(nodes))}
    full = sorted(b for b, group in nodes.items() if b in pinned
                  or not any(n.summarized for n in group) or any(n.resolved and not n.summarized for n in group))
    found = [p for p in found if p.block not in full]
    known = {b: g for b, g in nodes.items() if b not in full}
    if found or any(n.pending_pages for g in known.values() for n in g):
        _assign(tx, found, known, table, weights, out, done, facts or Facts())
    if full:  # after the assigned links are written, so the papers are numbered with them
        data, stored = read_blocks(tx, full, table)
        clustered = write_blocks(tx, data, {b: resolve_block(b, data.mentions.get(b, []), weights) for b in full},
                                 stored)
        out.people += clustered.people
        out.authors |= clustered.authors
        out.papers |= clustered.papers
        out.pages |= clustered.pages
        done.people += clustered.people
        done.mentions += sum(len(data.mentions.get(b, [])) for b in full)
        done.clustered += len(full)
    return out, done


def _assign(tx: ManagedTransaction, found: list[Pending], nodes: dict[str, list[Node]], table: CircleTable,
            weights: Weights, out: Rewritten, done: Assigned, facts: Facts) -> None:
    """Give the pending mentions of blocks with people to them or to new people, and write it."""
    papers = facts.papers(tx, sorted({p.paper for p in found}))
    spellings: dict[str, set[str]] = {}
    for block_nodes in nodes.values():
        for n in block_nodes:
            for s in n.aliases:
                spellings.setdefault(author_id(s), set()).add(s)
    spelled = {n: spelling_of(sorted(s)) for n, s in spellings.items()}
    owners = _owners(tx, nodes, spelled)
    groups = dict(_by_block(found))
    news = {block: _mentions(groups.get(block, []), papers, spelled) for block in sorted(nodes)}
    wanted = {block: _candidates(nodes[block], mentions, owners) for block, (mentions, _) in news.items() if mentions}
    summaries = {r["id"]: read_summary(r["summary"]) for r in tx.run(
        _SUMMARIES, ids=sorted({n.id for found_ in wanted.values() for n in found_}))}
    rows = _Rows()
    for block, (mentions, attached) in news.items():
        candidates = [Person(n.id, tuple(sorted(n.aliases)), summaries[n.id], frozenset(pages),
                             _on(n.id, mentions, papers)) for n, pages in wanted.get(block, {}).items()]
        decision = _decide(block, nodes[block], mentions, candidates, table, weights) if mentions else Assignment()
        rows.add(block, nodes[block], decision, spellings, owners)
        rows.attach(nodes[block], attached)
        done.mentions += len(mentions)
        done.joined += sum(len(m) for m in decision.taken.values())
        done.people += len(decision.new)
        done.marked += decision.unsure
    _write(tx, rows, found, papers, nodes, out)


def _paper(facts: Any, read: list[list[Any]]) -> Paper:
    """A paper from its facts (`_FACTS`) and its links (`_LINKS`)."""
    links = [tuple(x) for x in read]
    return Paper(facts["year"], frozenset(facts["topics"]), frozenset(facts["institutions"]),
                 list(dict.fromkeys(x[4] for x in links)),
                 {g: title for _, g, title in facts["saves"] if g is not None}, [authors for authors, _, _ in facts["saves"]],
                 [(a, names, at, waiting) for a, names, at, waiting, _ in links])


def _owners(tx: ManagedTransaction, nodes: dict[str, list[Node]], spelled: dict[str, str]) -> dict[str, str]:
    """The person who owns each profile page the load linked and no person owns yet: the one the most of its
    papers name by a spelling of its title (a page whose owner's mentions are all new has none yet)."""
    owned = {g for group in nodes.values() for n in group for g in n.pages}
    persons = {n.id for group in nodes.values() for n in group if n.summarized}
    waiting = sorted({g for group in nodes.values() for n in group for g in n.pending_pages} - owned)
    out = {}
    for r in tx.run(_OWNERS, pages=waiting):
        key = text_key(r["title"] or "")
        counts: dict[str, int] = {}
        for a, names in r["links"]:
            if a in persons and any(text_key(spelled.get(n, "")) == key for n in names or [a]):
                counts[a] = counts.get(a, 0) + 1
        if counts:
            out[r["page"]] = min(counts, key=lambda a: (-counts[a], a))
    return out


@dataclass(frozen=True)
class Attached:
    """A new spelling of a mention a person already holds: another page's, at its place on the paper."""

    author: str
    paper: str
    name_id: str
    spelling: str
    beside: str  # the person's spelling at that place


def _mentions(group: list[Pending], papers: dict[str, Paper], spelled: dict[str, str]
              ) -> tuple[list[Mention], list[Attached]]:
    """The new mentions of one block's pending links (each spelling id on each paper that no person's link
    on that paper already names), and the spellings that only join one at its place (`same_place`)."""
    out: list[Mention] = []
    attached: list[Attached] = []
    by_paper: dict[str, list[str]] = {}
    for p in group:
        by_paper.setdefault(p.paper, []).extend(p.names)
    for paper_id, waiting in sorted(by_paper.items()):
        paper = papers[paper_id]
        holder = {n: a for a, names, _ in paper.decided() for n in names}
        fresh = sorted(set(waiting) - holder.keys())  # the rest are re-saves of mentions a person holds
        names = {n: spelled[n] for n in (*fresh, *holder) if n in spelled}
        kept = same_place(paper.lists, names)
        groups: dict[str, list[str]] = {}
        for n in {*fresh, *(h for h in holder if h in kept or h in kept.values())}:
            groups.setdefault(kept.get(n, n), []).append(n)
        for root, members in sorted(groups.items()):
            held = sorted(m for m in members if m in holder)
            mine = sorted(m for m in members if m not in holder)
            if held:
                attached += [Attached(holder[held[0]], paper_id, n, spelled.get(n, n), spelled.get(held[0], held[0]))
                             for n in mine]
                continue
            if not mine:
                continue
            name_id = root if root in mine else mine[0]
            spelling = spelled.get(name_id, name_id)
            own = block_key(spelling)
            key = text_key(spelling)
            anchor = min((g for g, title in paper.profiles.items() if text_key(title or "") == key), default=None)
            out.append(Mention(paper_id, spelling, coauthors=frozenset(b for b in paper.blocks if b != own),
                               topics=paper.topics, institutions=paper.institutions, year=paper.year,
                               anchor=anchor, also=tuple(spelled.get(n, n) for n in mine if n != name_id)))
    return out, attached


def _candidates(block_nodes: list[Node], mentions: list[Mention], owners: dict[str, str]) -> dict[Node, set[str]]:
    """The people of a block that its new mentions' names fit or whose profile pages they are on, with those
    pages: the only ones the mentions are weighed against."""
    wanted = {parse(m.name) for m in mentions}
    anchors = {m.anchor for m in mentions if m.anchor}
    out = {}
    for n in block_nodes:
        if not n.summarized:
            continue  # the load's own spelling node
        pages = {*n.pages, *(g for g, a in owners.items() if a == n.id)}
        if anchors & pages or any(compatible_names(parse(s), w) for s in n.aliases for w in wanted):
            out[n] = pages
    return out


def _on(person: str, mentions: list[Mention], papers: dict[str, Paper]) -> frozenset[str]:
    """The new mentions' papers `person` is already on."""
    return frozenset(p for p in {m.paper for m in mentions} if any(a == person for a, _, _ in papers[p].decided()))


def _decide(block: str, block_nodes: list[Node], mentions: list[Mention], candidates: list[Person],
            table: CircleTable, weights: Weights) -> Assignment:
    """One block's decision: the communities numbered over the reach of the new mentions and the `candidates`,
    and the mentions assigned."""
    numbers = reach(block, [*(m.coauthors for m in mentions), *(p.summary.coauthors for p in candidates)])
    places = table.places(list(numbers))
    near: dict[str, int] = {}

    def circle(c: str) -> int:
        if c not in near:
            near[c] = table.within(c, places, len(numbers))
        return near[c]

    placed = []
    for m in mentions:
        around = 0
        for c in m.coauthors:
            around |= circle(c)
        placed.append(replace(m, community=around & ~bits(numbers, m.coauthors)))
    met = sorted({c for m in mentions for c in m.coauthors if c in numbers})
    community = {}  # a person's co-authors meet those of `met` whose circles hold one of them
    for p in candidates:
        ties = bits(numbers, p.summary.coauthors)
        community[p.id] = bits(numbers, [c for c in met if circle(c) & ties])
    return assign_block(block, candidates, placed, weights, community, numbers,
                        taken=[n.id for n in block_nodes if n.summarized])


@dataclass
class _Rows:
    """What one chunk writes."""

    nodes: list[dict[str, Any]] = field(default_factory=list)  # new people
    grown: dict[str, dict[str, Any]] = field(default_factory=dict)  # known people with new spellings or evidence
    links: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, str]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    marks: list[dict[str, Any]] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)  # people written
    named: list[dict[str, str]] = field(default_factory=list)  # (author, paper, spelling id) a link also names
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)  # old id -> the person's new id and name

    def add(self, block: str, block_nodes: list[Node], decision: Assignment, spellings: dict[str, set[str]],
            owners: dict[str, str]) -> None:
        """Take one block's decision."""
        by_id = {n.id: n for n in block_nodes}
        owned = {g for n in block_nodes for g in n.pages}
        for pid, taken in decision.taken.items():
            node = by_id[pid]
            names = {author_id(n) for m in taken for n in (m.name, *m.also)}
            lines = {f"{s}\t{why}" for s, why in decision.steps.get(pid, [])}
            lines |= {f"{a}\t{at_place(m.name)}" for m in taken for a in m.also if a not in node.aliases}
            self._grow(node, {s for n in names for s in spellings.get(n, ())}, lines)
            self._link(pid, taken, owned)
            self.summaries.append(summary_row(pid, node.block, decision.summaries[pid]))
            self.changed.add(pid)
        for identity in decision.new:
            names = {author_id(n) for m in identity.mentions for n in (m.name, *m.also)}
            self.nodes.append({"id": identity.id, "name": identity.name, "block": block_key(identity.name),
                               "aliases": sorted({s for n in names for s in spellings.get(n, {n})}, key=order_key),
                               "evidence": evidence_lines(identity)})
            self._link(identity.id, list(identity.mentions), owned)
            self.summaries.append(summary_row(identity.id, block_key(identity.name), Summary().add(identity.mentions)))
            self.changed.add(identity.id)
        for g, owner in sorted(owners.items()):
            if by_id.get(owner) is not None:
                self.profiles.append({"from": g, "to": owner})
        if not (decision.taken or decision.new):
            return
        before = sum(n.mentions for n in block_nodes)
        self.marks.append({"id": block, "before": before, "unsure": decision.unsure,
                           "after": before + sum(map(len, decision.taken.values()))
                           + sum(len(i.mentions) for i in decision.new)})

    def attach(self, block_nodes: list[Node], attached: list[Attached]) -> None:
        """Take the spellings that join a mention a person holds: the link names them, the person has them."""
        by_id = {n.id: n for n in block_nodes}
        for a in attached:
            node = by_id.get(a.author)
            if node is not None:
                self._grow(node, {a.spelling}, {f"{a.spelling}\t{at_place(a.beside)}"})
                self.changed.add(a.author)
            self.named.append({"author": a.author, "paper": a.paper, "name": a.name_id})

    def _grow(self, node: Node, spellings: set[str], lines: set[str]) -> None:
        row = self.grown.get(node.id) or {"id": node.id, "aliases": node.aliases, "lines": set()}
        aliases = sorted({*row["aliases"], *spellings}, key=order_key)
        if aliases != row["aliases"] or not lines <= row["lines"]:  # the evidence is read for these alone (_EVIDENCE)
            self.grown[node.id] = {"id": node.id, "aliases": aliases, "lines": row["lines"] | lines}
        name = fullest(aliases)
        if name != node.name:  # a fuller spelling names them now, and their id follows when it is free
            self.renamed[node.id] = {"id": node.id, "name": name, "to": author_id(name)}

    def rename(self, taken: set[str]) -> list[dict[str, str]]:
        """The people a fuller spelling renames: the new id where none of `taken` holds it, else the old."""
        out = []
        for row in self.renamed.values():
            to = row["to"] if row["to"] not in taken else row["id"]
            taken.add(to)
            out.append({**row, "to": to})
        return out

    def _link(self, person: str, taken: Iterable[Mention], owned: set[str]) -> None:
        per_paper: dict[str, set[str]] = {}
        for m in taken:
            per_paper.setdefault(m.paper, set()).update(author_id(n) for n in (m.name, *m.also))
            if m.anchor and m.anchor not in owned:
                self.profiles.append({"from": m.anchor, "to": person})
        self.links += [{"from": person, "to": p, "names": sorted(ns), "position": 0} for p, ns in sorted(per_paper.items())]


def _write(tx: ManagedTransaction, rows: _Rows, found: list[Pending], papers: dict[str, Paper],
           nodes: dict[str, list[Node]], out: Rewritten) -> None:
    """Write one chunk's decisions: the pending links replaced by the people's, each paper numbered again."""
    ids = sorted({n.id for group in nodes.values() for n in group})
    tx.run(_UNLINK, links=[p.link for p in found]).consume()
    tx.run(_UNOWN, ids=ids).consume()
    swept = {r["id"] for r in tx.run(_SWEEP, ids=sorted({p.author for p in found}))}
    if rows.nodes:
        tx.run(WRITE_PEOPLE, nodes=rows.nodes).consume()
    if rows.grown:
        held = {r["id"]: r["evidence"] or [] for r in tx.run(_EVIDENCE, ids=sorted(rows.grown))}
        tx.run(_GROW, rows=[{"id": r["id"], "aliases": r["aliases"], "evidence": sorted({*held.get(r["id"], []),
                                                                                       *r["lines"]})}
                            for r in rows.grown.values()]).consume()
    if rows.named:
        tx.run(_NAME, rows=rows.named).consume()
    more: dict[tuple[str, str], list[str]] = {}
    for r in rows.named:
        more.setdefault((r["author"], r["paper"]), []).append(r["name"])
    around = {pid: [(a, [*names, *more.get((a, pid), [])], at) for a, names, at in paper.decided()]
              for pid, paper in papers.items()}
    moved = number({pid: paper.lists for pid, paper in papers.items()}, around, set(), rows.links)
    tx.run(LINK_PEOPLE, links=rows.links).consume()
    if moved:
        tx.run(PLACE_LINKS, rows=moved).consume()
    profiles = sorted({(r["from"], r["to"]) for r in rows.profiles})
    tx.run(OWN_PAGES, rows=[{"from": g, "to": a} for g, a in profiles]).consume()
    tx.run(WRITE, rows=rows.summaries).consume()
    tx.run(_MARK, rows=rows.marks, regrowth=REGROWTH, least=REGROWTH_LEAST).consume()
    renamed = rows.rename(({n.id for group in nodes.values() for n in group} - swept) | {r["id"] for r in rows.nodes})
    for moved_to in tx.run(_RENAME, rows=renamed):
        out.authors.update((moved_to["id"], moved_to["to"]))
        out.papers.update(moved_to["papers"])
    pages = sorted({g for g, _ in profiles} | {g for group in nodes.values() for n in group for g in n.pending_pages})
    out.authors |= rows.changed | swept | set(latest_figures(tx, pages))
    out.papers |= set(papers)
    out.pages |= set(pages)
    out.people += len(rows.nodes)


def assign_pending(driver: Driver, database: str | None, weights: Weights, report: Report | None = None,
                   on_commit: OnCommit | None = None, turns: Turns | None = None) -> Assigned:
    """Give every pending mention to a person, a transaction per chunk of blocks; what was done. report: how
    to show the progress (none without); on_commit: called with the ids whose triples changed after each
    transaction; turns: counts the transactions' turns."""
    found, pages = pending(driver, database)
    total = Assigned()
    if not found and not pages:
        return total
    done = 0
    with progress_of(report, "assigning the new mentions", len(found)) as tick:
        table = circles(driver, database, found)
        facts = Facts()
        with driver.session(database=database) as session:
            for chunk, blocks in chunks(found, pages):
                changed, step = session.execute_write(assign_chunk, chunk, blocks, table, weights, facts)
                if turns is not None:
                    turns.took(step.turn)
                for name in ("mentions", "joined", "people", "marked", "clustered"):
                    setattr(total, name, getattr(total, name) + getattr(step, name))
                if on_commit is not None and changed.size():
                    on_commit(changed.ids())
                done += len(chunk)
                if tick is not None:
                    tick(done)
    return total


def marked(driver: Driver, database: str | None) -> list[str]:
    """The blocks marked for full clustering."""
    records, _, _ = driver.execute_query(_MARKED, database_=database)
    return [r["block"] for r in records]
