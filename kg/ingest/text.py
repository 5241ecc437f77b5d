"""Line-level helpers shared by the page parsers: dates, boilerplate, titles vs abstracts."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
DATE = rf"(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?"
_DATE_LINE = re.compile(rf"^\s*{DATE}(?:\s+(?P<upvotes>\d[\d,]*))?\s*$", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"^(new|subscribe|daily papers|get trending papers.*|by\s*ak and the research community|"
    r"trending papers|papers|search|sign up|log ?in)$",
    re.IGNORECASE,
)


@dataclass
class Entry:
    """One paper as a page lists it, before ids and extraction."""

    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    authors_cut: bool = False  # the page cut the author list ("et al.")
    author_count: int | None = None
    organization: str | None = None
    date: str | None = None
    year: int | None = None
    score: float | None = None
    category: str | None = None
    upvotes: int | None = None
    has_code: bool | None = None
    owner_figures: dict[str, int | str] = field(default_factory=dict)  # a profile header's, see profile.py


def iso_date(month: str, day: str, year: str | None) -> tuple[str | None, int | None]:
    """`YYYY-MM-DD`, or `--MM-DD` when the year is missing (never invented); None if impossible."""
    m = MONTHS.get(month[:3].lower())
    d = int(day)
    if m is None or not 1 <= d <= 31:
        return None, None
    if year is None:
        return f"--{m:02d}-{d:02d}", None
    return f"{int(year):04d}-{m:02d}-{d:02d}", int(year)


def date_line(line: str) -> tuple[str | None, int | None, int | None] | None:
    """(date, year, upvotes) when the whole line is a date with an optional upvote count."""
    match = _DATE_LINE.match(line)
    if not match:
        return None
    date, year = iso_date(match["month"], match["day"], match["year"])
    upvotes = match["upvotes"]
    return date, year, int(upvotes.replace(",", "")) if upvotes else None


SAVED_LINE = re.compile(r"^(?:saved|retrieved|accessed|captured|archived)(?:\s+on)?\s*:?\s*(?P<date>"
                        r"\d{4}-\d{2}-\d{2}|" + DATE + r")\.?$", re.IGNORECASE)


def is_boilerplate(line: str) -> bool:
    """Site chrome that is never a title: banners, buttons, section names, a saved-on line."""
    line = line.strip()
    return bool(_BOILERPLATE.match(line) or SAVED_LINE.match(line))


def strip_subscribe(line: str) -> str:
    """Unglue a title from the page's last header word ("SubscribeMatrix Calculus ...")."""
    if line.startswith("Subscribe") and len(line) > len("Subscribe") and not line[9].isspace():
        return line[len("Subscribe"):].strip()
    return line


def looks_like_abstract(line: str) -> bool:
    """Abstracts are long prose; titles are short."""
    words = line.split()
    return len(words) >= 30 or (len(words) >= 12 and line.rstrip().endswith("."))


_ODD_SPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")  # in-line white space clean() folds: runs, and any but a space


def clean_lines(text: str) -> list[str]:
    """`text` split at "\n", each line as clean() gives it, in a few passes over the whole text (str methods
    where they do: they scan a text many times faster than a regex)."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)  # "\n" never composes, so NFC by line is NFC of the text
    if not text.replace("\n", " ").isprintable():  # white space other than " " is not printable: tabs, CRs, NBSPs
        text = _ODD_SPACE.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    return text.strip(" ").split("\n")


def clean(line: str) -> str:
    """A line in NFC, without surrounding white space and with inner runs of white space folded."""
    if line.isascii():  # printable ASCII has one white space character, the space: most lines are tidy
        if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
            return line
    else:
        line = unicodedata.normalize("NFC", line)
    return " ".join(line.split())
