"""Normalised keys and stable ids: the same text gives the same id on every run and machine."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Unicode-compatible, accent-free, case-folded text."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


@lru_cache(maxsize=1 << 16)  # names and phrases repeat across pages
def text_key(text: str) -> str:
    """A comparison key that ignores Unicode form, case, accents, punctuation and spacing."""
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


@lru_cache(maxsize=1 << 16)
def slug(text: str) -> str:
    """A lower-case ASCII slug of `text`, or '' when nothing ASCII is left."""
    return _NON_SLUG.sub("-", fold(text)).strip("-")


def digest(key: str, size: int = 8) -> str:
    """A short, stable hex digest of `key`."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=size).hexdigest()


@lru_cache(maxsize=1 << 16)  # each title is read twice per sighting (its place on the page, then its record)
def paper_id(title: str) -> str:
    """A paper's id, from its normalised title."""
    return "p-" + digest(text_key(title))


def author_id(name: str) -> str:
    """An author's id: a readable slug of the name, or a digest when the name has no ASCII."""
    return "a-" + (slug(name) or digest(text_key(name)))


def topic_id(scheme: str, name: str) -> str:
    """A topic's id within its scheme: `arxiv:cs.LG`, `kp:<slug>`."""
    if scheme == "arxiv":
        return "arxiv:" + name
    return "kp:" + (slug(name) or digest(text_key(name)))
