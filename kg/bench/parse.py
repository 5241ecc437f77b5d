"""Parse speed beside two same-run baselines: a plain read of the files, and a regex pass over them.

The regex pass is the least a parser must do: it pulls out what looks like titles, author lines and
repository links with a few compiled patterns, and builds nothing. `python -m kg.bench.parse DIR`
prints the figures without the bench's Neo4j server.
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kg.bench.context import Figure
from kg.ingest.pages import expand, pages

_TITLES = re.compile(r"\n\n([^\n]{8,300})\n")  # a short line after a blank one
_AUTHORS = re.compile(r"\n([A-Z][\w.' -]{1,40}(?:, [A-Z][\w.' -]{1,40})+)")
_REPOS = re.compile(r"github\.com/[\w.-]+/[\w.-]+|huggingface\.co/[\w./-]+")


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def read_files(files: list[Path]) -> int:
    """The first baseline: every file read and decoded, nothing else."""
    return sum(len(path.read_bytes().decode("utf-8", errors="replace")) for path in files)


def regex_pass(files: list[Path]) -> int:
    """The second baseline: titles, author lines and repository links pulled out by regexes."""
    found = 0
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += len(_TITLES.findall(text)) + len(_AUTHORS.findall(text)) + len(_REPOS.findall(text))
    return found


def parse_all(files: list[Path], workers: int = 1) -> int:
    """What `kg parse` does per page, topics included: every page to its records."""
    return sum(len(page.records) for page in pages(files, workers) if not isinstance(page, Exception))


def parse_figures(corpus: Path, note: str = "") -> Iterator[Figure]:
    """Parse MB/s on one core against the same-run plain read and regex pass of the same files."""
    files = list(expand([corpus]))
    mb = sum(p.stat().st_size for p in files) / 1e6
    read_files(files)  # warm the page cache for all three
    read = timed(lambda: read_files(files))
    regex = timed(lambda: regex_pass(files))
    parse = timed(lambda: parse_all(files))
    yield Figure("parse MB/s (1 process, topics included)", mb / parse, "MB/s", "regex pass over the same files",
                 mb / regex, note=f"a plain read of the files: {mb / read:,.0f} MB/s; {note}".rstrip("; "))
    yield Figure("regex pass MB/s", mb / regex, "MB/s", "plain read of the same files", mb / read, note=note)


def main(argv: list[str]) -> None:
    """Print the parse figures of the corpus folder `argv[0]`."""
    for figure in parse_figures(Path(argv[0])):
        print(f"{figure.name}: {figure.value:,.2f} {figure.unit}; {figure.baseline}: "
              f"{figure.baseline_value:,.2f} ({figure.ratio:.3f}x) {figure.note}")


if __name__ == "__main__":
    main(sys.argv[1:])
