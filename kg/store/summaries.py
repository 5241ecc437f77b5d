"""The people's summaries as the graph keeps them (`__Summary`, kg/graph/model.py): one node per person, written
beside the person by every resolution, read by a load to weigh its new mentions (kg/store/assign.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kg.graph.assign import Summary
from kg.graph.model import BOOKKEEPING, INTERNAL

SUMMARY = BOOKKEEPING[f"{INTERNAL}Summary"]
BLOCK = BOOKKEEPING[f"{INTERNAL}Block"]

# The summaries of the people of chunk `blocks` who are not kept (`keep`: every person the chunk writes).
DROP = f"""
UNWIND $blocks AS block
MATCH (s:{SUMMARY.name} {{block: block}})
WHERE NOT s.id IN $keep
DELETE s
"""
WRITE = f"""
UNWIND $rows AS row
MERGE (s:{SUMMARY.name} {{id: row.id}})
SET s = row
"""
# Blocks clustered in full: nothing left for full clustering, and the next load counts their growth afresh.
CLUSTERED = f"""
UNWIND $blocks AS block
MATCH (b:{BLOCK.name} {{id: block}})
DELETE b
"""


def summary_row(person: str, block: str, summary: Summary) -> dict[str, Any]:
    """The `__Summary` row of one person (its properties in the model's order)."""
    values = {"id": person, "block": block, "coauthors": sorted(summary.coauthors),
              "institutions": sorted(summary.institutions),
              "categories": [f"{c}\t{n}" for c, n in summary.categories], "years": list(summary.years),
              "mentions": summary.mentions, "closed": summary.closed}
    return {p.name: values[p.name] for p in SUMMARY.props}


def read_summary(row: Mapping[str, Any]) -> Summary:
    """A summary as `summary_row` wrote it."""
    categories = tuple((c, int(n)) for c, _, n in (v.rpartition("\t") for v in row.get("categories") or []))
    return Summary(frozenset(row.get("coauthors") or ()), frozenset(row.get("institutions") or ()),
                   categories, tuple(row.get("years") or ()), int(row.get("mentions") or 0),
                   bool(row.get("closed")))
