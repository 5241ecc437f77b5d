"""`kg bench --authors`: B³ precision, recall and F1 of the graph's authors against a planted truth, beside
the exact-name baseline on the same graph.

The corpus is `kg synth --identities` (variant spellings of one person, namesakes in separate
communities, and the cases of kg/synth/cases.py); it is loaded with `kg ingest` into the bench server, and
each mention (a paper and the spelling id a page names on it, kept on AUTHORED.names) is scored twice: by
the Author node it hangs from (kg's identities), and by its spelling id (what merging by the folded name
alone gives).
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kg.bench.context import Context, announced, bench_home
from kg.bench.report import commit
from kg.graph.identity import (
    Cluster,
    Identity,
    Mention,
    Weights,
    name_bits,
    reach,
    resolve_block,
    signals,
    threshold,
    tie,
)
from kg.graph.records import Graph
from kg.ingest.identities import by_block
from kg.synth.identities import TRUTH_FILE, read_truth

AUTHORS_PAPERS, AUTHORS_SEED = 1000, 1
SECTION = "## Author identity"

MENTIONS = """
MATCH (a:Author)-[r:AUTHORED]->(p:Paper)
UNWIND coalesce(r.names, [a.id]) AS name
RETURN p.id AS paper, name, a.id AS author
"""


@dataclass(frozen=True)
class BCubed:
    """B³ precision, recall and F1 of a clustering of mentions, and how many mentions were scored."""

    precision: float
    recall: float
    f1: float
    mentions: int


def b_cubed(predicted: Mapping[tuple[str, str], Hashable], truth: Mapping[tuple[str, str], Hashable]) -> BCubed:
    """B³ over the mentions both name: per mention, the share of its predicted cluster that is truly it
    (precision) and of its true cluster that was predicted with it (recall), averaged."""
    keys = [k for k in truth if k in predicted]
    if not keys:
        return BCubed(0.0, 0.0, 0.0, 0)
    by_pred: dict[Hashable, set[tuple[str, str]]] = defaultdict(set)
    by_true: dict[Hashable, set[tuple[str, str]]] = defaultdict(set)
    for k in keys:
        by_pred[predicted[k]].add(k)
        by_true[truth[k]].add(k)
    precision = recall = 0.0
    for k in keys:
        pred, true = by_pred[predicted[k]], by_true[truth[k]]
        both = len(pred & true)
        precision += both / len(pred)
        recall += both / len(true)
    precision, recall = precision / len(keys), recall / len(keys)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1, len(keys))


def identities_corpus(papers: int, seed: int) -> Path:
    """A cached `kg synth --identities` corpus under the bench folder."""
    folder = bench_home().root.parent / f"corpus-identities-{papers}-{seed}"
    if not (folder / "manifest.json").is_file():
        with announced(f"kg synth --papers {papers:,} --seed {seed} --identities", f"into {folder}"):
            subprocess.run([sys.executable, "-m", "kg", "synth", "--papers", str(papers), "--seed", str(seed),
                            "--identities", "-o", str(folder), "--force"], check=True)
    return folder


LATER_LOADS = 3  # the incremental run loads 90% of the pages, then the rest in this many loads


def ingest(ctx: Context, files: list[Path], what: str) -> None:
    """`kg ingest` of `files` into the bench database (`what`: which share of the pages, to say so)."""
    if not files:  # a small corpus leaves a later load none
        return
    with announced(f"kg ingest of {what} ({len(files):,} files)"):
        subprocess.run([sys.executable, "-m", "kg", "ingest", *map(str, files)], env=ctx.env(), check=True,
                       stdout=subprocess.DEVNULL)


def mentions(ctx: Context) -> dict[tuple[str, str], str]:
    """Each mention of the loaded graph (paper, spelling id) and the Author it hangs from."""
    records, _, _ = ctx.driver.execute_query(MENTIONS, database_=ctx.settings.database)
    return {(r["paper"], r["name"]): r["author"] for r in records}


@dataclass(frozen=True)
class SeedFigures:
    """One seed's figures: full clustering, the exact-name baseline, incremental loads, and their agreement."""

    seed: int
    truth: int
    people: int
    full: BCubed
    exact: BCubed
    incremental: BCubed
    agreement: BCubed
    authors: tuple[int, int, int]  # author nodes: full, exact, incremental


def measure_seed(ctx: Context, papers: int, seed: int) -> SeedFigures:
    """Load one identities corpus whole (full clustering, as `--bulk`), then again as 90% and LATER_LOADS
    more loads (incremental assignment); score both against the truth and against each other."""
    folder = identities_corpus(papers, seed)
    files = sorted((folder / "pages").rglob("*.txt"))
    truth = read_truth(folder / TRUTH_FILE)
    ctx.wipe()
    ingest(ctx, files, "every page")
    full = mentions(ctx)
    ctx.wipe()
    first = len(files) * 9 // 10
    ingest(ctx, files[:first], "90% of the pages")
    rest = files[first:]
    for k in range(LATER_LOADS):
        ingest(ctx, rest[k::LATER_LOADS], f"the rest, {k + 1} of {LATER_LOADS}")
    grown = mentions(ctx)
    exact = {key: key[1] for key in full}
    return SeedFigures(seed, len(truth), len(set(truth.values())), b_cubed(full, truth), b_cubed(exact, truth),
                       b_cubed(grown, truth), b_cubed(grown, full),
                       (len(set(full.values())), len(set(exact.values())), len(set(grown.values()))))


def bench_authors(ctx: Context, papers: int = AUTHORS_PAPERS, seeds: tuple[int, ...] = (AUTHORS_SEED,)) -> str:
    """Measure each seed on the wiped bench database and report the B³ figures as Markdown."""
    found = []
    for seed in seeds:
        with announced(f"seed {seed}"):
            found.append(measure_seed(ctx, papers, seed))
    lines = [SECTION, "",
             f"Made by `kg bench --authors --papers {papers} --seeds {','.join(map(str, seeds))}` at commit "
             f"{commit()} on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, on "
             f"`kg synth --papers {papers} --seed <seed> --identities`. Full: every page in one `kg ingest` (a "
             "graph with no people yet is clustered in full, as `--bulk` does). Incremental: 90% of the pages, "
             f"then the rest in {LATER_LOADS} more loads, each assigning its new mentions to the people before "
             "it. Agreement: B³ of the incremental graph's authors against the full graph's.", "",
             "| seed | mentions | people | authors by | B³ precision | B³ recall | B³ F1 | author nodes |",
             "|---:|---:|---:|---|---:|---:|---:|---:|"]
    for f in found:
        rows = [("full clustering", f.full, f.authors[0]), ("incremental loads", f.incremental, f.authors[2]),
                ("exact folded name (baseline)", f.exact, f.authors[1])]
        lines += [f"| {f.seed} | {f.truth:,} | {f.people:,} | {name} | {s.precision:.4f} | {s.recall:.4f} | "
                  f"{s.f1:.4f} | {n:,} |" for name, s, n in rows]
        lines.append(f"| {f.seed} | | | incremental against full (agreement) | {f.agreement.precision:.4f} | "
                     f"{f.agreement.recall:.4f} | {f.agreement.f1:.4f} | |")
    return "\n".join(lines) + "\n"


def with_section(text: str, section: str) -> str:
    """`text` with its author identity section replaced by `section` (or `section` appended)."""
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + section


def run_authors(papers: int, out: Path, seeds: tuple[int, ...] = (AUTHORS_SEED,), keep_server: bool = False) -> str:
    """`kg bench --authors`: measure on the bench server and write the section into `out`; keep_server: leave
    the bench's Neo4j running (see `bench_server`)."""
    from kg.bench.run import bench_server
    from kg.store.connection import driver

    with bench_server(keep_server) as settings, announced("authors"):
        ctx = Context(Path(), papers, settings, driver(settings))
        try:
            section = bench_authors(ctx, papers, seeds)
        finally:
            ctx.driver.close()
    out.write_text(with_section(out.read_text() if out.is_file() else "", section))
    return section


@dataclass(frozen=True)
class Miss:
    """One wrong decision of a clustering: people merged (`merged`, precision) or one person split (recall),
    its block, how many mentions that block holds, whether the pieces share a spelling, and their B³ cost
    (the mentions' summed precision or recall lost)."""

    merged: bool
    block: str
    block_mentions: int
    same_spelling: bool
    cost: float
    why: str


def parsed_pages(folder: Path) -> tuple[Graph, dict[str, str]]:
    """The pages of a corpus folded into papers and exact-name authors, in memory (no people yet), and each
    profile save's page by snapshot id (two namesakes' profiles are two pages)."""
    from kg.ingest.pages import Page, match_saves, pages
    from kg.ingest.resolve import Resolver

    resolver = Resolver()
    for page in pages([folder / "pages"]):
        if isinstance(page, Page):
            resolver.add_page(page)
    graph = Graph(**{kind: list(table.values()) for kind, table in resolver.tables.items()})
    return graph, match_saves(resolver.saves)


BUCKETS = (30, 100, 300, 1000)  # block sizes (mentions) the misses are counted by


def _bucket(n: int) -> str:
    low = 0
    for high in BUCKETS:
        if n < high:
            return f"{low}-{high - 1}"
        low = high
    return f">={low}"


def _pair(block: str, mentions: list[Mention], pieces: list[list[Mention]], weights: Weights) -> tuple[bool, str]:
    """Whether the two largest `pieces` share a spelling, and their score against its threshold in words."""
    a, b = (Cluster(sorted(p, key=lambda m: m.key)) for p in sorted(pieces, key=len, reverse=True)[:2])
    name_bits([a, b, *(Cluster([m]) for m in mentions)])  # a name's ambiguity is the block's
    tie([a, b], reach(block, (m.coauthors for m in mentions)))
    found = signals(a, b, block, weights)
    return bool(a.names & b.names), (f"{len(a.mentions)}+{len(b.mentions)} mentions, {sorted(a.names)[:2]} / "
                                     f"{sorted(b.names)[:2]}: score {found.score:.2f} vs "
                                     f"{threshold(a, b, weights):.2f}: {'; '.join(found.words())}")


def misses(blocks: Mapping[str, list[Mention]], people: list[Identity], truth: Mapping[tuple[str, str], str],
           weights: Weights) -> list[Miss]:
    """Each person merged with another (a predicted person holding several true ones) and each person split
    (a true one over several predicted), with the B³ it costs and the score of its two largest pieces."""
    block_of = {m.key: b for b, found in blocks.items() for m in found}
    by_pred = {i.id: [m for m in i.mentions if m.key in truth] for i in people}
    pred_of = {m.key: pid for pid, found in by_pred.items() for m in found}
    by_true: dict[str, list[Mention]] = defaultdict(list)
    for found in by_pred.values():
        for m in found:
            by_true[truth[m.key]].append(m)
    whole = {i.id: list(i.mentions) for i in people}
    out = []
    sides: tuple[tuple[bool, Mapping[str, list[Mention]], Callable[[Mention], str]], ...] = (
        (True, by_pred, lambda m: truth[m.key]), (False, by_true, lambda m: pred_of[m.key]))
    for merged, groups, other in sides:
        for found in groups.values():
            parts: dict[str, list[Mention]] = defaultdict(list)
            for m in found:
                parts[other(m)].append(m)
            if len(parts) < 2:
                continue
            cost = sum(1.0 - len(parts[other(m)]) / len(found) for m in found)
            block = block_of[found[0].key]
            pieces = list(parts.values()) if merged else [whole[k] for k in parts]
            same, why = _pair(block, blocks[block], pieces, weights)
            out.append(Miss(merged, block, len(blocks[block]), same, cost, why))
    return out


def memory_report(folder: Path, weights: Weights = Weights(), examples: int = 8) -> tuple[BCubed, BCubed, str]:
    """B³ of kg's people and of the exact-name baseline on one `kg synth --identities` corpus, clustered in
    memory (kg/ingest/identities.py, as `kg parse`), and where the B³ lost goes: misses by kind and block
    size, then the costliest ones."""
    truth = read_truth(folder / TRUTH_FILE)
    graph, page_of = parsed_pages(folder)
    blocks = by_block(graph.papers, graph.authors, page_of)
    people = [i for block, found in sorted(blocks.items()) for i in resolve_block(block, found, weights)]
    predicted = {m.key: i.id for i in people for m in i.mentions}
    full, exact = b_cubed(predicted, truth), b_cubed({k: k[1] for k in predicted}, truth)
    found = misses(blocks, people, truth, weights)
    n = full.mentions
    table: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for miss in found:
        kind = ("merged" if miss.merged else "split") + (" (a shared spelling)" if miss.same_spelling else " (variants)")
        for key in ((kind, "all"), (kind, _bucket(miss.block_mentions))):
            table[key][0] += 1
            table[key][1] += miss.cost / n
    lines = [f"{folder}: {n:,} mentions; kg P {full.precision:.4f} R {full.recall:.4f} F1 {full.f1:.4f}; "
             f"exact name F1 {exact.f1:.4f}",
             "  misses by kind and block size (mentions): count, B³ lost (precision for merged, recall for split)"]
    lines += [f"    {kind:<32} {size:>9} {count:>5} {cost:.4f}" for (kind, size), (count, cost) in sorted(table.items())]
    for miss in sorted(found, key=lambda m: -m.cost)[:examples]:
        lines.append(f"  {'merged' if miss.merged else 'split'} {miss.block} ({miss.block_mentions}) "
                     f"-{miss.cost / n:.4f}: {miss.why}")
    return full, exact, "\n".join(lines) + "\n"
