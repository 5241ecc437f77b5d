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
    Merge.ORDER: "from every page's author list",
}


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
