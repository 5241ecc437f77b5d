"""Person names: parsed into family and given names, a block key, and whether two spellings can be one person.

"Yuandong Tian", "Y. Tian", "Tian, Yuandong" and "Yuandong Q. Tian" are compatible; so are "Jun-Yan Zhu",
"Junyan Zhu" and "Jun Yan Zhu". Compatible is not the same: kg/graph/identity.py weighs the evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.graph.ids import fold

SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_SPLIT = re.compile(r"[\s.]+")
_LETTERS = re.compile(r"[^\w-]+|_", re.UNICODE)


@dataclass(frozen=True)
class PersonName:
    """A name folded to compare: its family name and given-name tokens (an initial is one letter)."""

    family: str
    given: tuple[str, ...]

    @property
    def block(self) -> str:
        """The block key: family name and first initial; only names sharing it are ever compared."""
        return f"{self.family} {self.given[0][:1]}" if self.given else self.family


def _tokens(text: str) -> list[str]:
    """Folded tokens of `text`; a hyphenated word ("Jun-Yan") stays one token without its hyphens,
    except between initials ("J.-Y." gives "j", "y")."""
    out: list[str] = []
    for word in _SPLIT.split(fold(text)):
        word = _LETTERS.sub("", word)
        parts = [p for p in word.split("-") if p]
        if not parts:
            continue
        if all(len(p) == 1 for p in parts):
            out += parts
        else:
            out.append("".join(parts))
    return out


@lru_cache(maxsize=1 << 16)
def parse(name: str) -> PersonName:
    """`name` as family and given names: "Last, First" when it has a comma, else the last word is the family name."""
    if "," in name:
        family_part, _, given_part = name.partition(",")
        family, given = _tokens(family_part), _tokens(given_part)
        if not family or not given:  # "Tian," or ", Y": no order to read
            return parse(name.replace(",", " "))
        return PersonName("".join(family), tuple(given))
    tokens = [t for t in _tokens(name) if t not in SUFFIXES] or _tokens(name)
    if not tokens:
        return PersonName("", ())
    return PersonName(tokens[-1], tuple(tokens[:-1]))


def natural(name: str) -> str:
    """`name` in given-then-family order: "Tian, Yuandong" -> "Yuandong Tian"; others as they are."""
    if "," not in name:
        return name
    family, _, given = name.partition(",")
    return f"{given.strip()} {family.strip()}".strip() if family.strip() and given.strip() else name


def block_key(name: str) -> str:
    """The block of `name`: family name and first initial, folded."""
    return parse(name).block


def _token_match(a: str, b: str) -> bool:
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a == b


def _sequence(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether `a` matches `b` in order, every token of `a` used; tokens of `b` may be skipped (a missing
    middle name), and a full token may stand for several consecutive full tokens of the other side."""
    if not a:
        return True
    if not b:
        return False
    head, rest = a[0], a[1:]
    if _token_match(head, b[0]) and _sequence(rest, b[1:]):
        return True
    if len(head) > 1 and len(b[0]) > 1 and head.startswith(b[0]) and len(b) > 1:  # "junyan" vs "jun" "yan"
        if _sequence((head[len(b[0]):], *rest), b[1:]):
            return True
    if len(head) > 1 and len(b[0]) > 1 and b[0].startswith(head) and len(a) > 1:  # "jun" "yan" vs "junyan"
        if _sequence(rest, (b[0][len(head):], *b[1:])):
            return True
    return _sequence(a, b[1:])


def compatible(a: str, b: str) -> bool:
    """Whether spellings `a` and `b` can name one person: the same family name, the first given names
    agreeing (an initial agrees with any name it starts), the other given names of one found in order in
    the other's."""
    return compatible_names(parse(a), parse(b))


def compatible_names(x: PersonName, y: PersonName) -> bool:
    """`compatible` of parsed names."""
    if x.family != y.family:
        return False
    return _given_fit(x.given, y.given) if x.given <= y.given else _given_fit(y.given, x.given)  # symmetric: one entry


@lru_cache(maxsize=1 << 18)  # given names recur in every block: the same pairs come again and again
def _given_fit(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Whether two names of one family can be one person's, by their given names."""
    if not x or not y:
        return x == y
    if not _token_match(x[0][:1], y[0][:1]):
        return False
    return _first(x, y) or _first(y, x)


def _first(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The first tokens agree (possibly across a split) and the rest of `a` fits into the rest of `b`."""
    head = a[0]
    if _token_match(head, b[0]) and (_sequence(a[1:], b[1:]) or _sequence(b[1:], a[1:])):
        return True
    if len(head) > 1 and len(b) > 1 and len(b[0]) > 1 and head.startswith(b[0]) and head != b[0]:
        return _first((head[len(b[0]):], *a[1:]), b[1:])
    return False


def same_spelling(a: str, b: str) -> bool:
    """Whether two spellings are one after folding (the exact-name rule)."""
    return parse(a) == parse(b)
