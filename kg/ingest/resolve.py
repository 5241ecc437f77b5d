"""Entity resolution for `kg parse`: records from any number of pages folded into one Graph."""
from __future__ import annotations

from kg.graph.merge import add_institutions, merge_papers
from kg.graph.records import Author, Graph, Institution, Paper, Record, Repo, Topic


class Resolver:
    """Folds records from any number of pages into one resolved Graph."""

    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}
        self.authors: dict[str, Author] = {}
        self.institutions: dict[str, Institution] = {}
        self.repos: dict[str, Repo] = {}
        self.topics: dict[str, Topic] = {}

    def add(self, record: Record) -> None:
        """Merge one record in."""
        paper = record.paper
        known = self.papers.get(paper.id)
        self.papers[paper.id] = merge_papers(known, paper) if known else paper
        for author in record.authors:
            self.authors.setdefault(author.id, author)
        add_institutions(self.institutions, record.institutions)
        for repo in record.repos:
            self.repos.setdefault(repo.id, repo)
        for topic in record.topics:
            self.topics.setdefault(topic.id, topic)

    def graph(self) -> Graph:
        """The resolved entities, each list sorted by id so output is stable."""
        def ordered(table: dict) -> list:
            return [table[k] for k in sorted(table)]
        return Graph(papers=ordered(self.papers), authors=ordered(self.authors),
                     institutions=ordered(self.institutions), repos=ordered(self.repos),
                     topics=ordered(self.topics))
