"""Small pages written in each format, for tests of parsing and resolution across pages."""
from __future__ import annotations

from pathlib import Path

ABSTRACT = ("We study how graph neural networks generalise across domains and propose a simple "
            "method that improves transfer on twelve benchmarks while using fewer parameters than prior work.")

PROFILE = f"""Ada Lovelace

LG
h-index12
3papers

3 Papers

12.5LGMar 3, 2024Code
Graph Networks That Transfer

Charles Babbage, Mary Somerville et al. · meta-ai

{ABSTRACT} Code: https://github.com/ada/graph-transfer.

3.0CVFeb 26
Seeing Engines

Charles Babbage, Ada Lovelace

A vision system for difference engines, with data at huggingface.co/datasets/Ada/Engines and a demo.

7.1CLJan 5, 2023
Notes on the Analytical Engine

Luigi Menabrea · cmu

The first program, described in full, for computing Bernoulli numbers with the analytical engine.
"""

FEED = f"""new

Get trending papers in your email inbox!

Subscribe

Daily Papers

byAK and the research community

Mar 4

Graph networks that transfer!

{ABSTRACT} See https://github.com/Ada/Graph-Transfer.git and https://ada.github.io/gt.

  • 4 authors
·
Mar 3, 2024 12

A Loom for Numbers

Weaving punched cards into programs, we show how patterns compile into arithmetic on a mill of gears.

facebook AI at Meta
·
Jul 1, 2023
"""

SEARCH = f"""Get trending papers in your email inbox once a day!
Get trending papers in your email inbox!
SubscribeNotes on the Analytical Engine
The first program, described in full, for computing Bernoulli numbers with the analytical engine, now with code at github.com/menabrea/notes}}.
A Loom for Numbers
{ABSTRACT}
"""


def write(tmp: Path, name: str, text: str) -> Path:
    """Write a page into `tmp` and return its path."""
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path
