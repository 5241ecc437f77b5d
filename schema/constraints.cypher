// kg graph schema, derived from kg/graph/model.py (`python -m kg.store.schema` writes this file).
// Applied idempotently by `kg schema apply` and by every `kg ingest`: a uniqueness constraint per
// label on its `id` (each also backs MERGE lookups), range indexes for lookups, filters and
// orders, and full-text indexes for relevance-ordered `papers(search:)` and
// `authors(search:)`.
CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE;
CREATE INDEX paper_title IF NOT EXISTS FOR (n:Paper) ON (n.title);
CREATE INDEX paper_year IF NOT EXISTS FOR (n:Paper) ON (n.year);
CREATE INDEX paper_arxiv_id IF NOT EXISTS FOR (n:Paper) ON (n.arxiv_id);
CREATE FULLTEXT INDEX paper_text IF NOT EXISTS FOR (n:Paper) ON EACH [n.title, n.abstract];
CREATE CONSTRAINT author_id IF NOT EXISTS FOR (n:Author) REQUIRE n.id IS UNIQUE;
CREATE INDEX author_name IF NOT EXISTS FOR (n:Author) ON (n.name);
CREATE INDEX author_block IF NOT EXISTS FOR (n:Author) ON (n.block);
CREATE FULLTEXT INDEX author_text IF NOT EXISTS FOR (n:Author) ON EACH [n.name];
CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT repo_id IF NOT EXISTS FOR (n:Repo) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT topic_id IF NOT EXISTS FOR (n:Topic) REQUIRE n.id IS UNIQUE;
CREATE INDEX topic_name IF NOT EXISTS FOR (n:Topic) ON (n.name);
CREATE CONSTRAINT page_id IF NOT EXISTS FOR (n:Page) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT snapshot_id IF NOT EXISTS FOR (n:Snapshot) REQUIRE n.id IS UNIQUE;
CREATE INDEX snapshot_saved_at IF NOT EXISTS FOR (n:Snapshot) ON (n.saved_at);
CREATE CONSTRAINT override_id IF NOT EXISTS FOR (n:Override) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT __writelock_id IF NOT EXISTS FOR (n:__WriteLock) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT __summary_id IF NOT EXISTS FOR (n:__Summary) REQUIRE n.id IS UNIQUE;
CREATE INDEX __summary_block IF NOT EXISTS FOR (n:__Summary) ON (n.block);
CREATE CONSTRAINT __block_id IF NOT EXISTS FOR (n:__Block) REQUIRE n.id IS UNIQUE;
CREATE INDEX __block_dirty IF NOT EXISTS FOR (n:__Block) ON (n.dirty);
CREATE CONSTRAINT __abbreviation_id IF NOT EXISTS FOR (n:__Abbreviation) REQUIRE n.id IS UNIQUE;
CREATE INDEX authored_pending IF NOT EXISTS FOR ()-[r:AUTHORED]-() ON (r.pending);
CREATE INDEX profile_of_pending IF NOT EXISTS FOR ()-[r:PROFILE_OF]-() ON (r.pending);
