"""docs/model.md, written from the model: every label, property, merge rule and relationship.

`python -m kg.graph.doc` writes it; a test keeps it current.
"""
from __future__ import annotations

import sys
from pathlib import Path

from kg.graph.model import LABELS, RELATIONSHIPS, Merge, Prop

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
RULES = {
    Merge.KEY: "the key", Merge.MIN: "smallest", Merge.MAX: "largest", Merge.LONGEST: "longest",
    Merge.ANY: "true if any page says so", Merge.UNION: "union, sorted", Merge.DATE: "full date, then earliest",
    Merge.ORDER: "computed from every sighting", Merge.LATEST: "the newest save's",
    Merge.CORPUS: "computed from every paper",
}
HISTORY = [
    "## Pages over time", "",
    "A `Page` is named by what it shows (a profile's owner, a feed's day, a search's query), never by its file,",
    "and each save of it is a `Snapshot` named by a digest of its content; so loading a copied or moved folder,",
    "or the same content twice, changes nothing. Every sighting of a paper is a dated `SEEN_IN` of a snapshot",
    "and is never lost; `LISTED_ON` is the page's current listing: the papers of its newest day's saves. A",
    "profile owner's header figures (`latest` above) are those of the newest save, and each snapshot keeps the",
    "figures it showed. Both are computed from every save the graph holds after each load, so an older save",
    "loaded after a newer one adds its snapshot and rolls nothing back. `kg pages forget` removes a page's",
    "snapshots and reloads the saves that share papers with it from their stored content (see docs/pages.md).",
    "",
]


def _meaning(prop: Prop) -> str:
    notes = [prop.doc, "indexed" if prop.index else "", "kg's bookkeeping, not served" if prop.internal else ""]
    return "; ".join(n for n in notes if n).replace("|", "\\|")


def _rows(props: tuple[Prop, ...]) -> list[str]:
    return [f"| `{p.name}` | {p.type} | {RULES[p.merge]} | {_meaning(p)} |" for p in props]


def text() -> str:
    """The page, from kg/graph/model.py."""
    lines = ["# The graph model", "",
             "Written by `python -m kg.graph.doc` from `kg/graph/model.py`, the one place the graph is defined: the",
             "loader's Cypher, the bulk import's headers, the constraints, the export, `stats` and the checks on",
             "the GraphQL types all derive from it. When pages disagree about a value, the merge rule decides;",
             "every rule is order-free, so any order of pages gives the same graph.", ""]
    for label in LABELS.values():
        lines += [f"## `{label.name}`", "", label.doc + (f" Full-text index `{label.name.lower()}_text` on "
                                                         f"{', '.join(label.fulltext)}." if label.fulltext else ""),
                  "", "| property | type | when pages disagree | meaning |", "|---|---|---|---|",
                  *_rows(label.props), ""]
    lines += HISTORY
    lines += ["## Relationships", "", "| type | from | to | meaning |", "|---|---|---|---|"]
    lines += [f"| `{rel.type}` | {rel.start} | {rel.end} | {rel.doc} |" for rel in RELATIONSHIPS.values()]
    for rel in RELATIONSHIPS.values():
        if rel.props:
            lines += ["", f"### `{rel.type}`", "", "| property | type | when pages disagree | meaning |",
                      "|---|---|---|---|", *_rows(rel.props)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text())
    print(f"wrote {DOC}", file=sys.stderr)
