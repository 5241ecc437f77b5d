"""Where schema/ is: the constraints, SHACL shapes, ontology and GraphQL SDL kg ships.

kg/schema links to the project's schema/ folder, and a wheel carries its files under kg/schema,
so this one path serves a checkout, an editable install, a wheel and the Docker image alike.
"""
from __future__ import annotations

from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
