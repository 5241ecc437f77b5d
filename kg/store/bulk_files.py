"""`kg ingest --bulk`'s files: CSV cells as neo4j-admin reads them, and the spools of the buckets ids hash to."""
from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from kg.store.rows import NODES

ARRAY_DELIMITER = "\x1f"  # the unit separator: clean() folds it away as white space, so no value holds it
BUCKETS = 128  # a million papers make buckets of ~20 MB each


def cells(values: Iterable[Any], tag: str) -> list[Any]:
    """A CSV row: `values` as neo4j-admin reads them, then the label or type `tag`."""
    return [_cell(v) for v in values] + [tag]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v).replace(ARRAY_DELIMITER, " ") for v in value)
    return value


def node_cells(stem: str, values: Mapping[str, Any]) -> list[Any]:
    """The CSV row of one node's stored values (see rows.row)."""
    return cells(values.values(), NODES[stem].name)


def rel_cells(key: str, fields: Mapping[str, Any]) -> list[Any]:
    """The CSV row of one relationship row (`from`, `to`, its properties)."""
    return cells(fields.values(), key.upper())


def bucket_of(node_id: str) -> int:
    """The bucket a node's sightings go to."""
    return zlib.crc32(node_id.encode()) % BUCKETS


def data_file(folder: Path, stem: str, shard: int | None = None) -> Path:
    """The CSV of `stem`, or one shard of it."""
    return folder / (f"{stem}.csv" if shard is None else f"{stem}-{shard}.csv")


def spool_file(folder: Path, kind: str, k: int, shard: int | None = None) -> Path:
    """Bucket `k`'s spool of `kind`, or the part of it one process wrote."""
    return folder / (f"{kind}-{k:03d}.spool" if shard is None else f"{kind}-{k:03d}-{shard}.spool")


@contextmanager
def spools(folder: Path, kind: str) -> Iterator[list[IO[bytes]]]:
    """This process's part of every bucket's spool of `kind`, open to append."""
    with ExitStack() as stack:
        yield [stack.enter_context(spool_file(folder, kind, k, os.getpid()).open("ab")) for k in range(BUCKETS)]


def spooled(folder: Path, kind: str, k: int, remove: bool = True) -> Iterator[bytes]:
    """The lines every process spooled to bucket `k` of `kind`; `remove`: each part once read."""
    for part in sorted(folder.glob(f"{kind}-{k:03d}-*.spool")):
        with part.open("rb") as fh:
            yield from fh
        if remove:
            part.unlink()
