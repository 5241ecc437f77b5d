"""RDF export and linked data: the graph in Neo4j as schema.org-first RDF (Turtle, N-Triples, JSON-LD)."""
