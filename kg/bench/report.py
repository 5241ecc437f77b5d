"""The report `kg bench` writes: machine, command, figures beside their baselines, and the targets."""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kg.bench.context import Figure
from kg.ingest.pages import expand


def corpus_bytes(corpus: Path) -> int:
    """Total size of the corpus files."""
    return sum(p.stat().st_size for p in expand([corpus]))


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
