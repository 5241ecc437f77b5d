"""Pages to records: page formats, links, names, institutions, topics, and their resolution."""
