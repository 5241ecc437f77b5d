"""Small pictures of the graph as inline SVG, laid out here (no JavaScript): a node's neighbourhood and a
co-author path. Every node links to its resource page; every text is escaped."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

MAX_NEIGHBOURS = 24  # more would not be legible in a ring; the page's table lists them all
LABEL_CHARS = 26
COLOURS = {"paper": "#4e79a7", "author": "#f28e2b", "institution": "#76b7b2", "repo": "#59a14f",
           "topic": "#b07aa1", "page": "#9c755f"}
STYLE = ("svg.graph{max-width:100%;height:auto;font:12px system-ui,sans-serif}"
         "svg.graph line{stroke:#bbb;stroke-width:1.5}svg.graph .rel{fill:#888;font-size:10px}"
         "svg.graph a:hover circle{stroke:#222;stroke-width:2}svg.graph text{fill:#222}")


@dataclass(frozen=True)
class Node:
    """One drawn node: where it links to, its full name, and its kind (paper, author...)."""

    href: str
    name: str
    kind: str


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"


def _node(node: Node, x: float, y: float, r: float, anchor: str = "middle", dx: float = 0.0,
          dy: float = 0.0) -> str:
    """A linked circle with its name below (or beside), its full name and kind as the tooltip."""
    colour = COLOURS.get(node.kind, "#999")
    return (f'<a href="{escape(node.href)}" class="node {escape(node.kind)}"><title>{escape(node.kind)}: '
            f'{escape(node.name)}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
            f'<text x="{x + dx:.1f}" y="{y + (dy or r + 13):.1f}" text-anchor="{anchor}">{escape(_short(node.name))}'
            "</text></a>")


def _svg(width: int, height: int, label: str, body: Sequence[str]) -> str:
    return (f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">{"".join(body)}</svg>')


def standalone(svg: str) -> str:
    """A picture as a file of its own: its style inside, on a white ground (dark viewers keep the text legible)."""
    opening = svg.index(">") + 1
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{svg[:opening]}<style>{STYLE}</style>'
            f'<rect width="100%" height="100%" fill="#fff"/>{svg[opening:]}\n')


def neighbourhood(centre: Node, neighbours: Sequence[tuple[str, Node]]) -> str:
    """The SVG of a node and up to MAX_NEIGHBOURS (relationship, neighbour) pairs on an ellipse around it,
    with a legend of the relationships drawn (a line's tooltip names its relationship)."""
    shown = list(neighbours[:MAX_NEIGHBOURS])
    width, height = 900, 520
    cx, cy, rx, ry = width / 2, height / 2 + 10, 240.0, 190.0
    lines, nodes = [], []
    for i, (rel, node) in enumerate(shown):
        angle = -math.pi / 2 + 2 * math.pi * (i + 0.5) / max(len(shown), 1)
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = cx + rx * cos, cy + ry * sin
        lines.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}"><title>{escape(rel)}</title></line>')
        anchor, dx = ("start", 12) if cos >= 0 else ("end", -12)
        nodes.append(_node(node, x, y, 9, anchor, dx, 4))
    counts = Counter(rel for rel, _ in neighbours)
    legend = [f'<text class="rel" x="8" y="{16 + 14 * i}">{escape(rel)}: {n}</text>'
              for i, (rel, n) in enumerate(sorted(counts.items()))]
    if (more := len(neighbours) - len(shown)) > 0:
        legend.append(f'<text class="rel" x="{width - 8}" y="{height - 8}" text-anchor="end">and {more} more '
                      "(listed below)</text>")
    return _svg(width, height, f"{centre.name} and its neighbours",
                [*lines, *legend, _node(centre, cx, cy, 16, dy=32), *nodes])


def path(authors: Sequence[Node], papers: Sequence[Node]) -> str:
    """The SVG of a co-author path: the authors on a line, and between each two the paper they wrote together."""
    step = 190
    width, height = max(step * len(authors), 240), 200
    top, low = 60.0, 150.0
    xs = [step / 2 + step * i for i in range(len(authors))]
    body = []
    for i, paper in enumerate(papers):
        px = (xs[i] + xs[i + 1]) / 2
        body.append(f'<line x1="{xs[i]:.1f}" y1="{top}" x2="{px:.1f}" y2="{low}"/>'
                    f'<line x1="{px:.1f}" y1="{low}" x2="{xs[i + 1]:.1f}" y2="{top}"/>')
    body += [_node(paper, (xs[i] + xs[i + 1]) / 2, low, 8, dy=24) for i, paper in enumerate(papers)]
    body += [_node(author, x, top, 14, dy=-22) for author, x in zip(authors, xs)]
    names = " – ".join(a.name for a in authors)
    return _svg(width, height, f"co-author path: {names}", body)
