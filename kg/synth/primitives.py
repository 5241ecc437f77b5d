"""Pure helpers the corpus and its planted identities share: a stable integer hash, accent folding, and how
many papers one saved profile page shows."""
from __future__ import annotations

import unicodedata

_MASK = (1 << 64) - 1
PROFILE_PAGE = 50  # papers one saved profile page shows; more make several pages


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a stable 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def ascii_fold(text: str) -> str:
    """`text` without accents ("José" -> "Jose"), as some pages write names and titles."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
