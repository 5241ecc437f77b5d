"""Every Cypher query of the API. User values only ever travel as parameters; the few pieces
formatted into a text are fixed labels, relationship types and validated integers from this module."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from kg.graph.model import LABELS
from kg.store.refs import find_ref

# Newest first; "--MM-DD" dates (no year) sort last. NEWEST is the rule for any variable, PAPER_ORDER for p.
NEWEST = "coalesce({y}.year, 0) DESC, coalesce({y}.date, '') DESC, {y}.id"
PAPER_ORDER = NEWEST.format(y="p")  # as connections.PAPER_ORDERS


def by_id(label: str) -> str:
    """Nodes of `label` by id: rows {key, item}."""
    return f"UNWIND $keys AS key MATCH (n:{label} {{id: key}}) RETURN key, n {{.*}} AS item"


@dataclass(frozen=True)
class Step:
    """A list field's walk from a node `x` of `source` over `pattern` to nodes `y` (`r`: the relationship), in
    `order`, at most $first of them when `limited`; its DataLoader query and api/compile.py both read it."""

    source: str
    pattern: str  # with {x}, {y} and {r} for the variables
    order: str  # of {y} and {r}
    limited: bool = False

    def match(self, x: str, y: str, r: str) -> str:
        """The MATCH clause from `x` to `y` (`r` the relationship, when the order needs it)."""
        return "MATCH " + self.pattern.format(x=x, y=y, r=r)

    def order_by(self, y: str, r: str) -> str:
        """The order of the `y` nodes."""
        return self.order.format(y=y, r=r)

    @cached_property
    def loader(self) -> str:
        """Rows {key, items}: the `y` nodes of each x whose id is in $keys."""
        return f"""
UNWIND $keys AS key
MATCH (x:{self.source} {{id: key}})
{self.match("x", "y", "r")}
WITH key, y ORDER BY {self.order_by("y", "r")}
RETURN key, collect(y {{.*}}){"[..$first]" if self.limited else ""} AS items
"""

    def filtered(self, lines: tuple[str, ...], y: str) -> str:
        """Like `loader`, with the lines of a `where` on `y` (api/filters.py) after the walk."""
        where = "".join(f"{line}\n" for line in lines)
        return f"""
UNWIND $keys AS key
MATCH (x:{self.source} {{id: key}})
{self.match("x", y, "rel")}
{where}WITH key, {y} ORDER BY {self.order_by(y, "rel")}
RETURN key, collect({y} {{.*}}){"[..$first]" if self.limited else ""} AS items
"""


STEP_PAPERS_OF = {
    "Author": Step("Author", "({x})-[:AUTHORED]->({y}:Paper)", NEWEST, limited=True),
    "Repo": Step("Repo", "({x})<-[:HAS_CODE]-({y}:Paper)", NEWEST, limited=True),
    "Topic": Step("Topic", "({x})<-[:HAS_TOPIC]-({y}:Paper)", NEWEST, limited=True),
    "Institution": Step("Institution", "({x})<-[:AFFILIATED_WITH]-({y}:Paper)", NEWEST, limited=True),
}
PAPERS_OF = {label: step.loader for label, step in STEP_PAPERS_OF.items()}

# Authors in the order the page lists them.
STEP_PAPER_AUTHORS = Step("Paper", "({x})<-[{r}:AUTHORED]-({y}:Author)", "{r}.position", limited=True)
PAPER_AUTHORS = STEP_PAPER_AUTHORS.loader


def paper_neighbours(rel: str, label: str) -> Step:
    """The `label` nodes a paper points to over `rel`, by id."""
    return Step("Paper", f"({{x}})-[:{rel}]->({{y}}:{label})", "{y}.id")


STEP_PAPER_REPOS = paper_neighbours("HAS_CODE", "Repo")
STEP_PAPER_TOPICS = paper_neighbours("HAS_TOPIC", "Topic")
STEP_PAPER_INSTITUTIONS = paper_neighbours("AFFILIATED_WITH", "Institution")
PAPER_REPOS = STEP_PAPER_REPOS.loader
PAPER_TOPICS = STEP_PAPER_TOPICS.loader
PAPER_INSTITUTIONS = STEP_PAPER_INSTITUTIONS.loader

AUTHOR_PAPER_COUNT = """
UNWIND $keys AS key
MATCH (a:Author {id: key})
RETURN key, [COUNT { (a)-[:AUTHORED]->(:Paper) }] AS items
"""

AUTHOR_EVIDENCE = """
UNWIND $keys AS key
MATCH (a:Author {id: key})
RETURN key, coalesce(a.evidence, []) AS items
"""

AUTHOR_PROFILES = """
UNWIND $keys AS key
MATCH (g:Page)-[:PROFILE_OF]->(:Author {id: key})
WITH key, g ORDER BY g.id
RETURN key, collect(g {.*}) AS items
"""

# A page's saves, oldest first (of one day, by id).
PAGE_SNAPSHOTS = """
UNWIND $keys AS key
MATCH (:Page {id: key})<-[:SNAPSHOT_OF]-(s:Snapshot)
WITH key, s ORDER BY s.saved_at, s.id
RETURN key, collect(s {.*, content: null}) AS items
"""

AUTHOR_HISTORY = """
UNWIND $keys AS key
MATCH (:Author {id: key})<-[:PROFILE_OF]-(:Page)<-[:SNAPSHOT_OF]-(s:Snapshot)
WITH key, s ORDER BY s.saved_at, s.id
RETURN key, collect(s {.*, content: null}) AS items
"""

SNAPSHOT_PAPERS = """
UNWIND $keys AS key
MATCH (:Snapshot {id: key})<-[v:SEEN_IN]-(p:Paper)
WITH key, p ORDER BY v.position
RETURN key, collect(p {.*}) AS items
"""

PAPER_SOURCES = """
UNWIND $keys AS key
MATCH (:Paper {id: key})-[l:LISTED_ON]->(g:Page)
OPTIONAL MATCH (g)-[:PROFILE_OF]->(o:Author)
WITH key, g, l, o ORDER BY g.id
RETURN key, collect({position: l.position, page: g {.*}, owner: o {.*}}) AS items
"""

# Authors ranked by how many papers they share with the key's node.
AUTHOR_COAUTHORS = """
UNWIND $keys AS key
MATCH (:Author {id: key})-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(c:Author)
WITH key, c, p ORDER BY """ + PAPER_ORDER + """
WITH key, c, collect(p {.*}) AS papers
WITH key, c, papers ORDER BY size(papers) DESC, c.name
RETURN key, collect({author: c {.*}, papers: papers, count: size(papers)})[..$first] AS items
"""


def ranked_authors(pattern: str) -> str:
    """Authors reached by `pattern` (binding a and p), most papers first: rows {key, items}."""
    return f"""
UNWIND $keys AS key
MATCH {pattern}
WITH key, a, count(DISTINCT p) AS n ORDER BY n DESC, a.name
RETURN key, collect(a {{.*}})[..$first] AS items
"""


INSTITUTION_AUTHORS = ranked_authors(
    "(:Institution {id: key})<-[:AFFILIATED_WITH]-(p:Paper)<-[:AUTHORED]-(a:Author)")


def ranked_institutions(pattern: str) -> str:
    """Institutions reached by `pattern` (binding i and p), most papers first: rows {key, items}."""
    return f"""
UNWIND $keys AS key
MATCH {pattern}
WITH key, i, count(DISTINCT p) AS n ORDER BY n DESC, i.name
RETURN key, collect(i {{.*}}) AS items
"""


AUTHOR_INSTITUTIONS = ranked_institutions(
    "(:Author {id: key})-[:AUTHORED]->(p:Paper)-[:AFFILIATED_WITH]->(i:Institution)")

# Papers sharing an author, repo or topic with the key's paper. Hubs linked to more than
# $fanout papers (an arXiv category, a huge collaboration) relate nothing and would cost a scan.
RELATED_WEIGHTS = {"REPO": 3, "AUTHOR": 2, "TOPIC": 1}
PAPER_RELATED = """
UNWIND $keys AS key
MATCH (p:Paper {id: key})
CALL (p) {
  MATCH (p)<-[:AUTHORED]-(x:Author) WHERE COUNT { (x)-[:AUTHORED]->() } <= $fanout
  MATCH (x)-[:AUTHORED]->(q:Paper)
  RETURN q, 'AUTHOR' AS kind, x.id AS via, x.name AS name
  UNION ALL
  MATCH (p)-[:HAS_CODE]->(x:Repo) WHERE COUNT { (x)<-[:HAS_CODE]-() } <= $fanout
  MATCH (x)<-[:HAS_CODE]-(q:Paper)
  RETURN q, 'REPO' AS kind, x.id AS via, x.owner + '/' + x.name AS name
  UNION ALL
  MATCH (p)-[:HAS_TOPIC]->(x:Topic) WHERE COUNT { (x)<-[:HAS_TOPIC]-() } <= $fanout
  MATCH (x)<-[:HAS_TOPIC]-(q:Paper)
  RETURN q, 'TOPIC' AS kind, x.id AS via, x.name AS name
}
WITH key, p, q, kind, via, name WHERE q <> p
WITH key, q, kind, via, name ORDER BY $weights[kind] DESC, via
WITH key, q, collect({kind: kind, id: via, name: name}) AS reasons,
     sum($weights[kind]) AS score
ORDER BY score DESC, q.id
RETURN key, collect({paper: q {.*}, reasons: reasons, score: score})[..$first] AS items
"""


# Among the shortest paths (at most $fanout of them), the strongest first: the most papers shared over its hops.
STRONGEST = """WITH path LIMIT $fanout
  WITH path, [i IN range(0, size(nodes(path)) - 1, 2) | nodes(path)[i]] AS people
  UNWIND range(0, size(people) - 2) AS i
  WITH path, people, people[i] AS x, people[i + 1] AS y
  WITH path, people, sum(COUNT { (x)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(y) }) AS strength
  ORDER BY strength DESC, [p IN people | p.id]
  """


def path_query(max_hops: int, shortest: str, strongest: bool = False) -> str:
    """One row: the authors $from and $to name (refs, see kg.store.refs), and up to $first co-author paths
    of at most `max_hops` (an int from HOPS) between them that pass no author of $avoid (ids), each as its
    alternating author/paper nodes; `strongest`: the strongest of the shortest paths first."""
    return f"""
WITH $from AS ref {find_ref("Author")}
WITH n AS a, $to AS ref {find_ref("Author")}
WITH a, n AS b
OPTIONAL CALL (a, b) {{
  WITH a, b WHERE a <> b
  MATCH path = {shortest}((a)-[:AUTHORED*..{2 * int(max_hops)}]-(b))
  WHERE none(x IN nodes(path) WHERE x:Author AND x.id IN $avoid)
  {STRONGEST if strongest else ""}RETURN [x IN nodes(path) | x {{.*}}] AS nodes LIMIT $first
}}
RETURN a {{.*}} AS start, b {{.*}} AS end, collect(nodes) AS paths
"""


HOPS = range(1, 9)
SHORTEST_PATH = {h: path_query(h, "shortestPath") for h in HOPS}
ALL_SHORTEST_PATHS = {h: path_query(h, "allShortestPaths") for h in HOPS}
STRONGEST_PATH = {h: path_query(h, "allShortestPaths", strongest=True) for h in HOPS}
STRONGEST_FANOUT = 1000  # shortest paths weighed at most

STATS = "RETURN " + ", ".join([*(f"COUNT {{ MATCH (:{label.name}) }} AS {label.plural}" for label in LABELS.values()),
                                 "COUNT { MATCH ()-[]->() } AS relationships"])

# A search without filters reads Lucene's own top hits (sorting every match of a common word, "with"
# matches most papers, took seconds at 1M); api/search.py orders their ties.
PAPERS_SEARCH_TOP = """
CALL db.index.fulltext.queryNodes('paper_text', $search, {limit: $n}) YIELD node AS p, score
RETURN p {.*} AS node, score"""

# Aggregations: papers per year, and the nodes most often beside a node's papers, with their counts.


def per_year(pattern: str) -> str:
    """Papers of each key's node (`pattern` binds p) per year, oldest first: rows {key, items: [{year, count}]}."""
    return f"""
UNWIND $keys AS key
MATCH {pattern} WHERE p.year IS NOT NULL
WITH key, p.year AS year, count(DISTINCT p) AS n ORDER BY year
RETURN key, collect({{year: year, count: n}}) AS items
"""


def top(pattern: str, order: str) -> str:
    """The `t` nodes `pattern` reaches through papers `p`, most papers first (then `order`), with the count:
    rows {key, items: [{node, count}]}."""
    return f"""
UNWIND $keys AS key
MATCH {pattern}
WITH key, t, count(DISTINCT p) AS n ORDER BY n DESC, {order}
RETURN key, collect({{node: t {{.*}}, count: n}})[..$first] AS items
"""


PER_YEAR = {
    "Author": per_year("(:Author {id: key})-[:AUTHORED]->(p:Paper)"),
    "Topic": per_year("(:Topic {id: key})<-[:HAS_TOPIC]-(p:Paper)"),
    "Institution": per_year("(:Institution {id: key})<-[:AFFILIATED_WITH]-(p:Paper)"),
}
AUTHOR_TOP_TOPICS = top("(:Author {id: key})-[:AUTHORED]->(p:Paper)-[:HAS_TOPIC]->(t:Topic)", "t.name, t.id")
AUTHOR_TOP_INSTITUTIONS = top("(:Author {id: key})-[:AUTHORED]->(p:Paper)-[:AFFILIATED_WITH]->(t:Institution)",
                              "t.name, t.id")
TOPIC_TOP_AUTHORS = top("(:Topic {id: key})<-[:HAS_TOPIC]-(p:Paper)<-[:AUTHORED]-(t:Author)", "t.name, t.id")
