"""Neo4j as kg's store: the connection, the schema, and incremental and bulk loading."""
