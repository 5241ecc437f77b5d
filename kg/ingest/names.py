"""Author names to author ids: the matcher every stage uses."""
from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from kg.graph.ids import author_id


class AuthorMatcher(Protocol):
    """Decides which author a name on a page is: the place for a smarter matcher."""

    def author_id(self, name: str) -> str:
        """The id of the author this name refers to."""
        ...


class NameKeyMatcher:
    """Names that agree after Unicode, accent, case and punctuation folding are one author."""

    def author_id(self, name: str) -> str:
        """The id of the author named `name`."""
        return author_id(name)


@lru_cache(maxsize=1)
def author_matcher() -> AuthorMatcher:
    """The matcher every stage uses."""
    return NameKeyMatcher()
