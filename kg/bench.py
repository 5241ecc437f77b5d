"""`kg bench`: each figure next to its baseline, measured in the same run, written to BENCHMARKS.md.

These machines are noisy, so every figure is reported as a ratio to a baseline run beside it.
The benchmark wipes its database: it runs on a server of its own (KG_HOME `.kg/bench`, Bolt 27687).
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import neo4j

from kg import neo4j_server, topics
from kg.connection import Settings, driver, local_settings
from kg.parse import expand, pages
from kg.schema import apply_schema

BENCH_PORTS = (27687, 27474)
# Above this many papers, parse and incremental-ingest figures (and their baselines) run on a sample
# of the pages, so a 1M-paper run stays within the hour; --bulk always loads the whole corpus.
SAMPLE_PAPERS = 50_000


@dataclass
class Figure:
    """One measured figure and its baseline from the same run."""

    name: str
    value: float
    unit: str
    baseline: str
    baseline_value: float
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float:
        """The figure over its baseline (>1 means kg is ahead when higher is better)."""
        return self.value / self.baseline_value if self.baseline_value else float("nan")


@dataclass
class Context:
    """What every benchmark step needs: the corpus, a wiped-per-step database and its settings."""

    corpus: Path
    papers: int
    settings: Settings
    driver: neo4j.Driver
    sampled: tuple[Path, int, str] | None = None  # what `sample` found, kept for the next step

    def wipe(self) -> None:
        """Empty the bench database: its store discarded, the server restarted, the schema applied."""
        from kg.bulk import discard_store

        home = bench_home()
        neo4j_server.stop(home)
        discard_store(home)
        neo4j_server.start(home, ports=BENCH_PORTS)
        self.reconnect()
        apply_schema(self.driver, self.settings.database)

    def reconnect(self) -> None:
        """A new driver: the import replaced the database, so the old driver's bookmarks are from the future."""
        self.driver.close()
        self.driver = driver(self.settings)

    def bulk_env(self) -> dict[str, str]:
        """Environment that points `kg ingest --bulk` at the bench server's home and ports."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        return {**env, neo4j_server.HOME_ENV: str(bench_home().root.parent),
                neo4j_server.BOLT_PORT_ENV: str(BENCH_PORTS[0]), neo4j_server.HTTP_PORT_ENV: str(BENCH_PORTS[1])}

    def env(self) -> dict[str, str]:
        """Environment that points a `kg` subprocess at the bench database."""
        return {**os.environ, "NEO4J_URI": self.settings.uri, "NEO4J_USER": self.settings.user,
                "NEO4J_PASSWORD": self.settings.password, "NEO4J_DATABASE": self.settings.database}


def distinct_papers(corpus: Path) -> int:
    """How many distinct papers the pages hold."""
    ids: set[str] = set()
    for page in pages([corpus], workers=min(2, os.cpu_count() or 1)):
        if not isinstance(page, Exception):
            ids.update(r.paper.id for r in page.records)
    return len(ids)


def synthetic_corpus(papers: int, seed: int = 1) -> tuple[Path, int]:
    """A cached `kg synth` corpus of `papers` papers under the bench folder."""
    folder = bench_home().root.parent / f"corpus-{papers}-{seed}"
    if not (folder / "manifest.json").is_file():
        subprocess.run([sys.executable, "-m", "kg", "synth", "--papers", str(papers), "--seed", str(seed),
                        "-o", str(folder)], check=True)
    return folder / "pages", papers


def sample(ctx: Context) -> tuple[Path, int, str]:
    """(folder, papers, note): the corpus, or a folder linking every k-th file of it when it is large."""
    if ctx.papers <= SAMPLE_PAPERS:
        return ctx.corpus, ctx.papers, ""
    if ctx.sampled is None:
        files = list(expand([ctx.corpus]))
        stride = -(-ctx.papers // SAMPLE_PAPERS)
        keep = files[::stride]  # all three formats, in their proportions
        folder = bench_home().root.parent / f"sample-{ctx.corpus.parent.name}-every-{stride}"
        if not folder.is_dir():
            folder.mkdir()
            for i, path in enumerate(keep):
                (folder / f"{i:07d}-{path.name}").symlink_to(path.resolve())
        papers = distinct_papers(folder)
        ctx.sampled = (folder, papers, f"on a sample: {len(keep):,} of the {len(files):,} files, evenly spread "
                                       f"({papers:,} papers)")
    return ctx.sampled


def corpus_bytes(corpus: Path) -> int:
    """Total size of the corpus files."""
    return sum(p.stat().st_size for p in expand([corpus]))


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def tree_rss(root: int) -> int:
    """Resident memory of a process and its descendants but Java ones, in bytes (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                comm, _, rest = fh.read().partition(" (")[2].rpartition(") ")
        except OSError:
            continue
        stat = rest.split()
        parents[int(entry)] = int(stat[1])
        # kg's own memory: the JVMs it starts (Neo4j, neo4j-admin) are measured apart from it.
        rss[int(entry)] = 0 if comm.startswith("java") else int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(kids)
        frontier += kids
    return sum(rss.get(pid, 0) for pid in tree)


def run_kg(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run `kg ARGS` in a child process; its wall time and the peak RSS of it and its workers."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"kg {' '.join(args)} failed: {stderr.strip()[-500:]}")
    return elapsed, peak


def read_lines(corpus: Path) -> int:
    """The line-count baseline: read every file line by line."""
    count = 0
    for path in expand([corpus]):
        with path.open("rb") as fh:
            for _ in fh:
                count += 1
    return count


def bench_parse(ctx: Context) -> Iterator[Figure]:
    """Parse MB/s against reading the same files line by line; the share of it topic extraction takes."""
    corpus, papers, note = sample(ctx)
    mb = corpus_bytes(corpus) / 1e6
    base = timed(lambda: read_lines(corpus))
    workers = min(2, os.cpu_count() or 1)
    for n in (1, workers) if workers > 1 else (1,):
        took = timed(lambda: sum(1 for _ in pages([corpus], workers=n)))
        yield Figure(f"parse MB/s ({n} process{'es' if n > 1 else ''})", mb / took, "MB/s",
                     "reading the same files line by line", mb / base, note=note)
        if n == 1:
            parse_s = took
    titles = {r.paper.title for page in pages([corpus], workers=workers) if not isinstance(page, Exception)
              for r in page.records}
    topics.keyphrase_topics.cache_clear()
    extract_s = timed(lambda: [topics.keyphrase_topics(t) for t in titles])
    yield Figure("topic extraction ms per 1,000 papers (YAKE on titles)", extract_s / papers * 1e6, "ms",
                 "whole parse (1 process), ms per 1,000 papers", parse_s / papers * 1e6, higher_is_better=False,
                 note=f"the ratio is topic extraction's share of parsing; {note}".rstrip("; "))


BASELINE_PAPERS = "UNWIND $rows AS row MERGE (p:Paper {id: row.id}) SET p.title = row.title, p.abstract = row.abstract"
BASELINE_AUTHORS = """
UNWIND $rows AS row
MERGE (a:Author {id: row.author}) ON CREATE SET a.name = row.name
WITH a, row MATCH (p:Paper {id: row.paper}) MERGE (a)-[:AUTHORED]->(p)
"""


def baseline_ingest(ctx: Context, corpus: Path, batch: int = 1000) -> int:
    """A plain hand-written load: parse, then `UNWIND $rows MERGE` papers and authors, batch by batch."""
    papers: list[dict] = []
    authors: list[dict] = []
    count = 0

    def flush() -> None:
        ctx.driver.execute_query(BASELINE_PAPERS, rows=papers, database_=ctx.settings.database)
        ctx.driver.execute_query(BASELINE_AUTHORS, rows=authors, database_=ctx.settings.database)
        papers.clear()
        authors.clear()

    for page in pages([corpus]):
        if isinstance(page, Exception):
            continue
        for record in page.records:
            paper = record.paper
            papers.append({"id": paper.id, "title": paper.title, "abstract": paper.abstract})
            authors += [{"author": a.id, "name": a.name, "paper": paper.id} for a in record.authors]
            count += 1
            if len(papers) >= batch:
                flush()
    flush()
    return count


def bench_ingest(ctx: Context) -> Iterator[Figure]:
    """`kg ingest` and `kg ingest --bulk` papers/s against the plain baseline, each on an empty database."""
    corpus, papers, note = sample(ctx)
    ctx.wipe()
    base = timed(lambda: baseline_ingest(ctx, corpus))
    label = "plain UNWIND $rows MERGE of papers + authors"
    ctx.wipe()
    took, rss = run_kg(["ingest", str(corpus)], ctx.env())
    yield Figure("ingest papers/s (incremental)", papers / took, "papers/s", label, papers / base,
                 note="; ".join(filter(None, ["kg also writes topics, repos, institutions, pages and all their links",
                                              note])))
    ctx.wipe()
    bulk_took, bulk_rss = run_kg(["ingest", "--bulk", str(ctx.corpus)], ctx.bulk_env())
    ctx.reconnect()
    yield Figure("ingest papers/s (--bulk, empty database)", ctx.papers / bulk_took, "papers/s", label,
                 papers / base, note=f"all {ctx.papers:,} papers, pages to queryable graph in "
                 f"{bulk_took / 60:.1f} min, server restart and constraints included"
                 + (" (baseline on the sample)" if note else ""))
    yield Figure("peak RSS of kg ingest (with its parse workers)", rss / 1e6, "MB", "input size",
                 corpus_bytes(corpus) / 1e6, higher_is_better=False, note=note)
    yield Figure("peak RSS of kg ingest --bulk", bulk_rss / 1e6, "MB", "input size",
                 corpus_bytes(ctx.corpus) / 1e6, higher_is_better=False)


def bench_export(ctx: Context) -> Iterator[Figure]:
    """Export triples/s per format against pyoxigraph dumping the same triples; the export's peak RSS."""
    from kg.rdf.bench import bench_export as measure

    out = measure(ctx.driver, ctx.settings.database)
    baseline = ("pyoxigraph dumping the same triples from memory" if out["baseline_is_whole_export"] else
                f"pyoxigraph dumping the first {out['baseline_triples']:,} of them from memory")
    for name, fmt in out["formats"].items():
        yield Figure(f"export triples/s ({name})", fmt["export_triples_per_s"], "triples/s",
                     baseline, fmt["pyoxigraph_dump_triples_per_s"],
                     note=f"{out['triples']:,} triples; Neo4j read alone {out['neo4j_read_s']:.1f} s")
    target = bench_home().root.parent / "export.nt"
    _, rss = run_kg(["export", "--format", "nt", "-o", str(target)], ctx.env())
    yield Figure("peak RSS of kg export (nt)", rss / 1e6, "MB", "N-Triples written", target.stat().st_size / 1e6,
                 higher_is_better=False)
    target.unlink()


def bench_coauthor_path(ctx: Context) -> Iterator[Figure]:
    """coauthorPath p50/p99 through GraphQL against raw Cypher shortestPath, same pairs."""
    from api.bench import bench_api

    yield from bench_api(ctx)


def bench_load(ctx: Context) -> Iterator[Figure]:
    """GraphQL under 32 concurrent clients against the same queries as raw Cypher."""
    from api.bench import bench_load as measure

    yield from measure(ctx)


# bench_ingest leaves the corpus loaded for the steps after it.
STEPS: list[Callable[[Context], Iterator[Figure]]] = [
    bench_parse, bench_ingest, bench_export, bench_coauthor_path, bench_load]


def bench_home() -> neo4j_server.Neo4jHome:
    """The benchmark server's folder, beside the user's own."""
    return neo4j_server.neo4j_home(neo4j_server.find_kg_home() / "bench")


def bench_server() -> Settings:
    """Start (or reuse) the benchmark's own Neo4j server; its settings."""
    home = bench_home()
    neo4j_server.start(home, ports=BENCH_PORTS)
    return local_settings(home)


def step_names() -> list[str]:
    """The steps by the name `--only` takes: parse, ingest, export, coauthor_path, load."""
    return [step.__name__.removeprefix("bench_") for step in STEPS]


def run(corpus: Path, papers: int, command: str, out: Path = Path("BENCHMARKS.md"),
        only: list[str] | None = None) -> list[Figure]:
    """Run every step (or those named in `only`, on the graph an earlier run loaded) and write the report."""
    settings = bench_server()
    figures: list[Figure] = []
    ctx = Context(corpus, papers, settings, driver(settings))
    try:
        apply_schema(ctx.driver, settings.database)  # the baseline gets the same constraints as kg
        for name, step in zip(step_names(), STEPS):
            if not only or name in only:
                figures += list(step(ctx))
    finally:
        ctx.driver.close()
    out.write_text(report(figures, corpus, papers, command))
    return figures


def report(figures: list[Figure], corpus: Path, papers: int, command: str) -> str:
    """BENCHMARKS.md: machine, date, command and the table."""
    lines = [
        "# Benchmarks", "",
        f"Made by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} with {os.cpu_count()} cores, Python {platform.python_version()}.",
        f"Corpus: {papers} papers, {corpus_bytes(corpus) / 1e6:.1f} MB of pages.",
        "Each baseline ran in the same run, beside its figure; compare ratios, not absolute numbers.", "",
    ]
    return "\n".join(lines) + "\n" + figure_table(figures) + "\n" + target_table(figures, papers)


@dataclass(frozen=True)
class Target:
    """One of the issue's targets at 1M papers: a figure's value (or its ratio) against a bound."""

    text: str
    figure: str
    bound: float
    upper: bool  # the value must stay at or below the bound
    of_ratio: bool = False  # the bound is on the figure's ratio to its baseline

    def check(self, figure: Figure) -> str:
        """`met`, or by how much it missed."""
        value = figure.ratio if self.of_ratio else figure.value
        if value <= self.bound if self.upper else value >= self.bound:
            return "met"
        return f"missed by {abs(value / self.bound - 1):.0%}"


TARGETS = [
    Target("kg's own memory under 2 GB (--bulk)", "peak RSS of kg ingest --bulk", 2000, upper=True),
    Target("kg's own memory under 2 GB (export)", "peak RSS of kg export (nt)", 2000, upper=True),
    Target("coauthorPath p99 under 50 ms", "coauthorPath p99 via the API", 50, upper=True),
    Target("GraphQL requests/s within 1.3x of raw Cypher", "GraphQL requests/s, 32 concurrent clients",
           1 / 1.3, upper=False, of_ratio=True),
    *(Target(f"export at least 300k triples/s ({fmt})", f"export triples/s ({fmt})", 300_000, upper=False)
      for fmt in ("nt", "turtle", "jsonld")),
    Target("zero errors under load", "GraphQL requests without error, 32 concurrent clients", 100, upper=False),
]


def target_table(figures: list[Figure], papers: int = 1_000_000) -> str:
    """The issue's targets (set for 1M papers) against this run's figures; what bounds each is in the README."""
    by_name = {f.name: f for f in figures}
    lines = ["Targets (set for 1M papers; README \"What the figures say\" has what bounds each):", "",
             "| target | figure | result |", "|---|---:|---|"]
    bulk = by_name.get("ingest papers/s (--bulk, empty database)")
    if bulk:
        minutes = 1_000_000 / bulk.value / 60
        guess = "" if papers >= 1_000_000 else f", extrapolated from {papers:,} papers"
        lines.append(f"| pages to queryable graph in 10 min | {bulk.value:,.0f} papers/s (1M in {minutes:.1f} min{guess}) "
                     f"| {'met' if minutes <= 10 else f'missed by {minutes / 10 - 1:.0%}'} |")
    for target in TARGETS:
        if figure := by_name.get(target.figure):
            shown = f"{figure.ratio:.2f}x" if target.of_ratio else f"{figure.value:,.1f} {figure.unit}"
            lines.append(f"| {target.text} | {shown} | {target.check(figure)} |")
    return "\n".join(lines) + "\n"


def figure_table(figures: list[Figure]) -> str:
    """Figures as a Markdown table, with their baselines and ratios."""
    lines = ["| figure | value | baseline in the same run | baseline value | ratio | note |",
             "|---|---:|---|---:|---:|---|"]
    lines += [f"| {f.name} | {f.value:,.1f} {f.unit} | {f.baseline} | {f.baseline_value:,.1f} | {f.ratio:.2f}x "
              f"({'higher' if f.higher_is_better else 'lower'} is better) | {f.note} |" for f in figures]
    return "\n".join(lines) + "\n"
