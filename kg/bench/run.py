"""`kg bench`: each figure next to its baseline, measured in the same run, written to BENCHMARKS.md.

These machines are noisy, so every figure is reported as a ratio to a baseline run beside it.
The benchmark wipes its database: it runs on a server of its own (KG_HOME `.kg/bench`, Bolt 27687 unless
KG_BENCH_BOLT_PORT says otherwise).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import psutil

from kg import server
from kg.bench.context import Context, Figure, announced, bench_home, bench_ports, stop_command
from kg.bench.parse import parse_all, parse_figures
from kg.bench.plain import plain_load
from kg.bench.report import corpus_bytes, report
from kg.console import err
from kg.ingest.pages import expand, pages
from kg.store.connection import Settings, driver, local_settings
from kg.store.load import BATCH_PAPERS
from kg.store.schema import apply_schema

# Above this many papers, parse and incremental-ingest figures (and their baselines) run on a sample
# of the pages, so a 1M-paper run stays within the hour; --bulk always loads the whole corpus.
SAMPLE_PAPERS = 50_000
WORKERS = min(2, os.cpu_count() or 1)  # parse processes, as `kg ingest` takes by default
SMALL_GROWTH = 1  # the grow step first adds this percent, its cost set beside GROWTH's
WARM_GROWTH = 1  # the grow step first loads this per mille, unmeasured: Neo4j plans kg's statements
GROWTH = 10  # the grow step adds this percent of the corpus's papers, twice: once by kg, once by the baseline


def distinct_papers(corpus: Path | list[Path]) -> int:
    """How many distinct papers the pages (a folder, or files) hold."""
    ids: set[str] = set()
    for page in pages(corpus if isinstance(corpus, list) else [corpus], workers=WORKERS):
        if not isinstance(page, Exception):
            ids.update(r.paper.id for r in page.records)
    return len(ids)


def synthetic_corpus(papers: int, seed: int = 1) -> tuple[Path, int]:
    """A cached `kg synth` corpus of `papers` papers under the bench folder."""
    folder = bench_home().root.parent / f"corpus-{papers}-{seed}"
    if not (folder / "manifest.json").is_file():
        with announced(f"kg synth --papers {papers:,} --seed {seed}", f"into {folder}"):
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
        with announced("counting the sample's papers"):
            papers = distinct_papers(folder)
        ctx.sampled = (folder, papers, f"on a sample: {len(keep):,} of the {len(files):,} files, evenly spread "
                                       f"({papers:,} papers)")
    return ctx.sampled


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def tree_rss(root: int) -> int:
    """Resident memory of a process and its descendants but Java ones, in bytes."""
    try:
        top = psutil.Process(root)
        procs = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:  # kg's own memory: the JVMs it starts (Neo4j, neo4j-admin) are measured apart from it.
            if not proc.name().startswith("java"):
                total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_kg(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run `kg ARGS` in a child process; its wall time, the peak RSS of it and its workers, and its stderr
    (kept in the bench folder as `kg-<command>.log` too, to read while it runs or after it was stopped)."""
    kept = bench_home().root.parent / f"kg-{args[0]}.log"
    what = " ".join(["kg", *(a for a in args if "/" not in a)]) + (" …" if any("/" in a for a in args) else "")
    # its stderr to a file: a pipe nobody reads while it runs would block it once full
    with announced(what, f"its stderr in {kept}"), kept.open("w+b") as log:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "kg", *args], env=env, stdout=subprocess.DEVNULL, stderr=log)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        log.seek(0)
        stderr = log.read().decode(errors="replace")
        if proc.returncode != 0:
            shown = " ".join(args[:3]) + (f" ... ({len(args) - 3:,} more arguments)" if len(args) > 3 else "")
            raise RuntimeError(f"kg {shown} failed: {stderr.strip()[-500:]}")
    return elapsed, peak, stderr


def bench_parse(ctx: Context) -> Iterator[Figure]:
    """Parse MB/s, topics included, beside a same-run plain read and regex pass of the same files
    (kg/bench/parse.py); then with one parse process per core."""
    corpus, _, note = sample(ctx)
    yield from parse_figures(corpus, note)
    workers = min(2, os.cpu_count() or 1)
    if workers > 1:
        files = list(expand([corpus]))
        mb = corpus_bytes(corpus) / 1e6
        with announced("1 process, then 2"):
            one = timed(lambda: parse_all(files))
            took = timed(lambda: parse_all(files, workers))
        yield Figure(f"parse MB/s ({workers} processes)", mb / took, "MB/s", "1 process, same run", mb / one,
                     note=note)


PLAIN = "hand-written UNWIND $rows MERGE of the same nodes and relationships (kg/bench/plain.py)"
PLAIN_NOTE = "kg also applies its merge rules, recomputes listings, resolves authors and keeps the SPARQL store current"
# What `kg ingest --bulk` reports of its stages (kg/store/bulk.py `stage`) that are Neo4j's own work.
NEO4J_STAGES = ("stopped Neo4j", "neo4j-admin import", "started Neo4j", "built constraints and indexes")
_STAGE = re.compile(r"^(bulk|ingest): (.+) in ([\d,.]+) s$", re.M)


def baseline_ingest(ctx: Context, corpus: Path | list[Path]) -> float:
    """Seconds the fair baseline (kg/bench/plain.py) takes to parse and load the pages, in kg's batch size."""
    items = pages(corpus if isinstance(corpus, list) else [corpus], workers=WORKERS)
    with announced("baseline", PLAIN):
        return timed(lambda: plain_load(ctx.driver, ctx.settings.database, items, BATCH_PAPERS))


def stages(log: str, command: str = "bulk") -> dict[str, float]:
    """Seconds per stage, from the lines `kg ingest --bulk` (or `--stages`: command "ingest") writes to stderr."""
    return {label: float(seconds.replace(",", "")) for name, label, seconds in _STAGE.findall(log) if name == command}


def bench_ingest(ctx: Context) -> Iterator[Figure]:
    """`kg ingest` papers/s on an empty database against the fair baseline, and its peak memory."""
    corpus, papers, note = sample(ctx)
    ctx.wipe()
    base = baseline_ingest(ctx, corpus)
    ctx.wipe()
    took, rss, _ = run_kg(["ingest", str(corpus)], ctx.env())
    yield Figure("ingest papers/s (incremental, empty database)", papers / took, "papers/s", PLAIN, papers / base,
                 note="; ".join(filter(None, [PLAIN_NOTE, note])))
    yield Figure("peak RSS of kg ingest (with its parse workers)", rss / 1e6, "MB", "input size",
                 corpus_bytes(corpus) / 1e6, higher_is_better=False, note=note)


def bench_bulk(ctx: Context) -> Iterator[Figure]:
    """`kg ingest --bulk` of the whole corpus: its own stages against Neo4j's in the same run; it leaves the
    corpus loaded for the steps after it."""
    ctx.wipe()
    took, rss, log = run_kg(["ingest", "--bulk", str(ctx.corpus)], ctx.bulk_env())
    ctx.reconnect()
    steps = stages(log)
    neo4j_s = sum(s for label, s in steps.items() if label in NEO4J_STAGES)
    yield Figure("ingest papers/s (--bulk, empty database)", ctx.papers / took, "papers/s",
                 "neo4j-admin import of its CSVs alone, same run", ctx.papers / steps["neo4j-admin import"],
                 note=f"all {ctx.papers:,} papers, pages to queryable graph in {took / 60:.1f} min, authors "
                 "resolved, server restart, constraints and indexes included")
    yield Figure("kg's own stages of --bulk, s", took - neo4j_s, "s",
                 "Neo4j's stages in the same run (stop, import, start, indexes)", neo4j_s, higher_is_better=False,
                 note="; ".join(f"{label} {s:,.1f} s" for label, s in steps.items())
                 + f"; the rest of {took:,.1f} s is start-up and the summary")
    yield Figure("peak RSS of kg ingest --bulk", rss / 1e6, "MB", "input size",
                 corpus_bytes(ctx.corpus) / 1e6, higher_is_better=False)


def bench_export(ctx: Context) -> Iterator[Figure]:
    """Export triples/s per format against pyoxigraph dumping the same triples; the export's peak RSS."""
    from kg.bench.rdf import bench_export as measure

    with announced("each format, beside reading alone and pyoxigraph's dump"):
        out = measure(ctx.driver, ctx.settings.database)
    dump = ("pyoxigraph dumps them from memory" if out["baseline_is_whole_export"] else
            f"pyoxigraph dumps the first {out['baseline_triples']:,} from memory")
    read = out["triples"] / out["neo4j_read_s"]
    for name, fmt in out["formats"].items():
        yield Figure(f"export triples/s ({name})", fmt["export_triples_per_s"], "triples/s",
                     "reading the same data from Neo4j alone, triples/s", read,
                     note=f"{out['triples']:,} triples; Neo4j read alone {out['neo4j_read_s']:.1f} s; {dump} at "
                     f"{fmt['pyoxigraph_dump_triples_per_s']:,.0f} triples/s")
    target = bench_home().root.parent / "export.nt"
    _, rss, _ = run_kg(["export", "--format", "nt", "-o", str(target)], ctx.env())
    yield Figure("peak RSS of kg export (nt)", rss / 1e6, "MB", "N-Triples written", target.stat().st_size / 1e6,
                 higher_is_better=False)
    target.unlink()


def bench_coauthor_path(ctx: Context) -> Iterator[Figure]:
    """coauthorPath p50/p99 through GraphQL against raw Cypher shortestPath, same pairs."""
    from kg.bench.api import bench_api

    yield from bench_api(ctx)


def bench_load(ctx: Context) -> Iterator[Figure]:
    """GraphQL under 32 concurrent clients against the same queries as raw Cypher."""
    from kg.bench.api import bench_load as measure

    yield from measure(ctx)


def bench_nested(ctx: Context) -> Iterator[Figure]:
    """A 3-level nested read through GraphQL against one hand-written Cypher query returning the same JSON."""
    from kg.bench.nested import bench_nested as measure

    yield from measure(ctx)


def bench_peer(ctx: Context) -> Iterator[Figure]:
    """Six read shapes and coauthorPath through kg beside @neo4j/graphql on Apollo Server and raw Cypher, at 16
    and 32 clients, after checking that the three answer alike (kg/bench/peer.py)."""
    from kg.bench.peer import bench_peer as measure

    yield from measure(ctx)


def bench_grow(ctx: Context) -> Iterator[Figure]:
    """`kg ingest` of new pages into the loaded graph: first SMALL_GROWTH percent, then GROWTH percent against
    the fair baseline adding as many others (two halves of a `kg synth` corpus of twice as many papers, each
    step of its own seed); the cost of the small step against the large one. On a warm server, as a running
    service takes a load: the store read once, and a few pages of a third seed loaded first, so that Neo4j has
    planned kg's statements and warmed its write paths (at 100k, the small step's load and assignment took 64 s
    on a server just started, 20 s on a warm one)."""
    ctx.warm()
    warm, _ = synthetic_corpus(max(100, ctx.papers * 2 * WARM_GROWTH // 1000), seed=ctx.grow_seed + 2)
    run_kg(["ingest", *map(str, sorted(expand([warm]))[0::2])], ctx.env())
    small, _ = synthetic_corpus(max(100, ctx.papers * 2 * SMALL_GROWTH // 100), seed=ctx.grow_seed)
    small_took, _, small_log = run_kg(["ingest", "--stages", *map(str, sorted(expand([small]))[0::2])], ctx.env())
    extra, _ = synthetic_corpus(max(200, ctx.papers * 2 * GROWTH // 100), seed=ctx.grow_seed + 1)
    files = sorted(expand([extra]))
    mine, theirs = files[0::2], files[1::2]  # all three formats in both halves
    took, _, log = run_kg(["ingest", "--stages", *map(str, mine)], ctx.env())
    base = baseline_ingest(ctx, theirs)
    ours, others = distinct_papers(mine), distinct_papers(theirs)
    steps = "; ".join(f"{label} {s:,.1f} s" for label, s in stages(log, "ingest").items())
    yield Figure(f"ingest papers/s (adding {GROWTH}% new pages to the graph)", ours / took, "papers/s", PLAIN,
                 others / base, note=f"{PLAIN_NOTE}; a graph of {ctx.papers:,} papers; kg adds {ours:,} new "
                 f"papers, the baseline {others:,} others from the same corpus; kg's stages: {steps}")
    small_steps = "; ".join(f"{label} {s:,.1f} s" for label, s in stages(small_log, "ingest").items())
    yield Figure(f"seconds to add {SMALL_GROWTH}% new pages", small_took, "s", f"seconds to add {GROWTH}% "
                 "right after it (above)", took, higher_is_better=False,
                 note=f"{distinct_papers(sorted(expand([small]))[0::2]):,} new papers against {ours:,}, the same "
                 f"graph, on a warm server (the store read and {WARM_GROWTH}‰ of other pages loaded before); kg's "
                 f"stages: {small_steps}")


# bench_bulk leaves the corpus loaded for the steps after it; bench_grow adds to it, so it comes last.
STEPS: list[Callable[[Context], Iterator[Figure]]] = [
    bench_parse, bench_ingest, bench_bulk, bench_export, bench_coauthor_path, bench_nested, bench_load, bench_peer,
    bench_grow]


@contextmanager
def bench_server(keep: bool = False) -> Iterator[Settings]:
    """The benchmark's own Neo4j server, started unless it runs; stopped at the end (however the bench ends)
    when the bench started it, unless `keep` (`--keep-server`): it then stays up for a later `--only` step."""
    home = bench_home()
    was_running = server.running_pid(home) is not None
    try:
        with announced("starting the bench's Neo4j") if not was_running else nullcontext():
            server.start(home, ports=bench_ports())
        yield local_settings(home)
    finally:
        if server.running_pid(home) is None:
            pass  # it did not start
        elif keep or was_running:
            why = "--keep-server" if keep else "it ran before the bench"
            uri = server.bolt_uri(server.read_ports(home)[0])
            err.print(f"bench: the bench's Neo4j keeps running on {uri} ({why}); stop it with `{stop_command()}`",
                      highlight=False, markup=False)
        else:
            with announced("stopping the bench's Neo4j"):
                server.stop(home)


def step_names() -> list[str]:
    """The steps by the name `--only` takes: parse, ingest, bulk, export, coauthor_path, nested, load, peer,
    grow."""
    return [step.__name__.removeprefix("bench_") for step in STEPS]


def run(corpus: Path, papers: int, command: str, out: Path = Path("BENCHMARKS.md"),
        only: list[str] | None = None, grow_seed: int | None = None, keep_server: bool = False) -> list[Figure]:
    """Run every step (or those named in `only`, on the graph an earlier run loaded); the report is written
    after each step. grow_seed: the seed of the grow step's new pages, when not the default; keep_server:
    leave the bench's Neo4j running (see `bench_server`)."""
    figures: list[Figure] = []
    load: dict[str, float] = {}  # the machine's load as each step ended: how quiet the run was
    with bench_server(keep_server) as settings:
        ctx = Context(corpus, papers, settings, driver(settings))
        if grow_seed is not None:
            ctx.grow_seed = grow_seed
        try:
            apply_schema(ctx.driver, settings.database)  # the baseline gets the same constraints as kg
            for name, step in zip(step_names(), STEPS):
                if not only or name in only:
                    with announced(name):
                        figures += list(step(ctx))
                    load[name] = os.getloadavg()[0]
                    out.write_text(report(figures, corpus, papers, command, load))  # a later failure keeps these
        finally:
            ctx.driver.close()
    return figures
