"""`kg synth`: a synthetic corpus of profile, feed and search pages whose union holds exactly N papers.

Every paper is a pure function of (seed, index), so a page regenerates the text of each paper it lists
and a run holds only small tables (communities, who owns a profile and which papers are theirs), never
the corpus. Titles carry a code name that is distinct for every index, so N indices give N paper ids.
"""
from __future__ import annotations

import bisect
import json
import math
import operator
import random
import shutil
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from kg.console import Report, progress_of
from kg.errors import KgError
from kg.graph.ids import author_id, paper_id, slug
from kg.ingest.institutions import from_organization, from_slug
from kg.ingest.links import repo_from_url
from kg.synth import words as W
from kg.synth.identities import Planted
from kg.synth.primitives import PROFILE_PAGE, ascii_fold, mix64

TODAY = date(2026, 3, 1)  # fixed, so output never depends on the clock; this year's dates show no year
SPAN_DAYS = 11 * 365
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AUTHORS_PER_PAPER = 1.5  # distinct authors per paper in the corpus
FEED_HOME = 0.65  # share of papers first listed in a feed; the rest first appear in search results
_MASK = (1 << 64) - 1
T = TypeVar("T")

# One random stream per purpose: the salts keep them independent of each other.
_WORLD, _PAPER, _FEED, _SEARCH, _PROFILE, _HOMES = 0x5EED, 0xA11CE, 0xFEED, 0x5EA4C, 0x9F0F, 0x4053


def stream(seed: int, salt: int, index: int = 0) -> random.Random:
    """The random stream for (seed, purpose, index): the same on every run, platform and process."""
    return random.Random(mix64(mix64(seed & _MASK ^ salt) + index))


class Permutation:
    """A cheap bijection of range(size): x -> (x * step + shift) mod size."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        self.step = rng.randrange(1, size) if size > 1 else 1
        while math.gcd(self.step, size) != 1:
            self.step += 1
        self.shift = rng.randrange(size)

    def __call__(self, x: int) -> int:
        return (x * self.step + self.shift) % self.size


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """A uniform choice, several times faster than `rng.choice`."""
    return seq[int(rng.random() * len(seq))]


def mixed_radix(x: int, radices: Sequence[int]) -> list[int]:
    """The digits of `x` in a mixed radix, most significant first."""
    digits = []
    for radix in reversed(radices):
        x, digit = divmod(x, radix)
        digits.append(digit)
    return digits[::-1]


class CodeNames:
    """Code names like `TriShard` or `MagicZoFlow3`: distinct for distinct numbers, even lower-cased."""

    def __init__(self, rng: random.Random) -> None:
        self.radices = (len(W.CODE_HEAD), len(W.CODE_MIDDLE) + 1, len(W.CODE_STEM))
        self.base = math.prod(self.radices)
        self.shuffle = Permutation(self.base, rng)

    def __call__(self, x: int) -> str:
        rest, x = divmod(x, self.base)
        head, middle, stem = mixed_radix(self.shuffle(x), self.radices)
        number = str(rest + 1) if rest else ""
        return f"{W.CODE_HEAD[head]}{(('',) + W.CODE_MIDDLE)[middle]}{W.CODE_STEM[stem]}{number}"


@dataclass(frozen=True)
class Script:
    """Author names of one script: a product of part lists joined by `sep`."""

    parts: tuple[tuple[str, ...], ...]
    sep: str
    share: float

    @property
    def size(self) -> int:
        """How many distinct names the script has."""
        return math.prod(len(p) for p in self.parts)

    def name(self, x: int) -> str:
        digits = mixed_radix(x, [len(p) for p in self.parts])
        return self.sep.join(part[d] for part, d in zip(self.parts, digits))


def _initials(tier: int) -> str:
    """Middle initials for a Latin-name tier: 0 none, then `A.` ... `Z.`, `A. A.` ... (bijective base 26)."""
    letters = []
    while tier:
        tier, r = divmod(tier - 1, 26)
        letters.append(f"{chr(65 + r)}.")
    return " ".join(reversed(letters))


SCRIPTS = (
    Script((W.CHINESE_SURNAMES, W.CHINESE_GIVEN + tuple(a + b for a in W.CHINESE_GIVEN for b in W.CHINESE_GIVEN)),
           "", 0.12),
    Script((W.JAPANESE_SURNAMES, W.JAPANESE_GIVEN), " ", 0.02),
    Script((W.KOREAN_SURNAMES, tuple(a + b for a in W.KOREAN_SYLLABLES for b in W.KOREAN_SYLLABLES)), "", 0.03),
    Script((W.CYRILLIC_FIRST, W.CYRILLIC_LAST), " ", 0.02),
    Script((W.GREEK_FIRST, W.GREEK_LAST), " ", 0.01),
)


class AuthorNames:
    """Author k's name: unique per k (as an author id too); mostly Latin with accents, some CJK, Cyrillic, Greek."""

    def __init__(self, count: int, rng: random.Random) -> None:
        self.scramble = Permutation(max(count, 1), rng)
        self.blocks = [min(round(s.share * count), s.size) for s in SCRIPTS]
        self.shuffles = [Permutation(s.size, rng) for s in SCRIPTS]
        self.latin_base = len(W.LATIN_FIRST) * len(W.LATIN_LAST)
        self.latin_shuffle = Permutation(self.latin_base, rng)

    def __call__(self, k: int) -> str:
        x = self.scramble(k)
        for script, block, shuffle in zip(SCRIPTS, self.blocks, self.shuffles):
            if x < block:
                return script.name(shuffle(x))
            x -= block
        tier, x = divmod(x, self.latin_base)
        first, last = divmod(self.latin_shuffle(x), len(W.LATIN_LAST))
        return " ".join(p for p in (W.LATIN_FIRST[first], _initials(tier), W.LATIN_LAST[last]) if p)


def sentence_case(title: str) -> str:
    """A title with its plain capitalised words lower-cased ("TriShard: efficient sparse attention")."""
    words = title.split(" ")
    return " ".join([words[0]] + [w.lower() if w[1:].islower() else w for w in words[1:]])


def with_article(word: str) -> str:
    """`a sparse`, `an efficient`."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def day_text(day: date, year: bool = True) -> str:
    """`Mar 3, 2024`, or `Mar 3` without the year."""
    text = f"{MONTHS[day.month - 1]} {day.day}"
    return f"{text}, {day.year}" if year else text


@dataclass(slots=True)
class Meta:
    """What pass one needs of a paper: its community, authors, date, links; no text."""

    index: int
    community: int
    authors: list[int]
    day: date
    category: str
    score: float
    upvotes: int | None
    by_org: bool
    links: list[tuple[str, int]]  # (kind, key): see World._links


@dataclass(slots=True)
class Paper:
    """A paper with its text, as every page that lists it shows it."""

    meta: Meta
    code: str
    title: str
    abstract: str

    @property
    def has_links(self) -> bool:
        """Whether the abstract links anything (pages never cut such an abstract short)."""
        return bool(self.meta.links)


class World:
    """All of a corpus that follows from (papers, seed): communities, names, labs and each paper on demand."""

    def __init__(self, papers: int, seed: int, identities: bool = False) -> None:
        if papers < 1:
            raise ValueError("a corpus needs at least one paper")
        self.papers, self.seed = papers, seed
        self.n_authors = max(3, round(papers * AUTHORS_PER_PAPER))
        rng = stream(seed, _WORLD)
        self.codes = CodeNames(rng)
        self.lab_codes = CodeNames(rng)
        self.names = AuthorNames(self.n_authors, rng)
        self.starts = self._communities(rng)
        n = len(self.starts) - 1
        cats, weights = zip(*W.CATEGORIES)
        self.cat_weights = list(accumulate(weights))
        self.community_cat = array("B", rng.choices(range(len(cats)), cum_weights=self.cat_weights, k=n))
        inst_weights = list(accumulate(1 / (j + 1) ** 0.8 for j in range(len(W.INSTITUTIONS))))
        self.community_inst = array("B", rng.choices(range(len(W.INSTITUTIONS)), cum_weights=inst_weights, k=n))
        self.famous_weights = list(accumulate(1 / (j + 1) for j in range(len(W.FAMOUS_REPOS))))
        self.bank = self._sentence_bank(rng)
        self._paper_base = mix64(seed & _MASK ^ _PAPER)
        # A community's hubs list the same papers one after another: recent papers and names are reused.
        self.paper = lru_cache(maxsize=4096)(self._paper)
        self.name = lru_cache(maxsize=1 << 16)(self.names)
        self.planted = Planted.of(self) if identities else None
        if self.planted is not None:
            self.name = lru_cache(maxsize=1 << 16)(self.planted.name)

    def shown(self, k: int, paper: int, owner: int) -> str:
        """Author k's name as owner's profile page spells it on one paper (a planted variant, or their name)."""
        return self.planted.shown(k, paper, owner) if self.planted is not None else self.name(k)

    # -- structure ---------------------------------------------------------------------------------

    def _communities(self, rng: random.Random) -> array[int]:
        """Start offsets of co-authorship communities over the authors (Pareto sizes), with an end sentinel."""
        starts = array("q", [0])
        while starts[-1] < self.n_authors:
            size = min(300, int(3 * rng.paretovariate(1.4)))
            starts.append(min(self.n_authors, starts[-1] + size))
        return starts

    @property
    def n_communities(self) -> int:
        """How many co-authorship communities there are."""
        return len(self.starts) - 1

    def community_of(self, k: int) -> int:
        """The community author k belongs to."""
        return bisect.bisect_right(self.starts, k) - 1

    def hubs(self, c: int) -> int:
        """How many leading members of community c are its hubs (they own profile pages)."""
        size = self.starts[c + 1] - self.starts[c]
        return (size >= 6) + (size >= 30) + (size >= 120)

    def lab(self, c: int) -> str:
        """Community c's GitHub / Hugging Face organisation, e.g. `trishard-nlp`."""
        suffix = ("lab", "ai", "nlp", "group", "research", "vision")[c % 6]
        return f"{self.lab_codes(c).lower()}-{suffix}"

    def institution(self, c: int) -> tuple[str, str]:
        """(profile slug, feed organisation line) of community c's institution."""
        return W.INSTITUTIONS[self.community_inst[c]]

    @cached_property
    def owners(self) -> bytearray:
        """1 for each author with a profile page: every community's hubs and 2% of everyone else."""
        flags = bytearray(self.n_authors)
        for c in range(self.n_communities):
            for k in range(self.starts[c], min(self.starts[c] + self.hubs(c), self.starts[c + 1])):
                flags[k] = 1
        rng = stream(self.seed, _PROFILE)
        for k in rng.sample(range(self.n_authors), self.n_authors // 50):
            flags[k] = 1
        return flags

    @cached_property
    def homes(self) -> bytearray:
        """1 for each paper first listed in a daily feed, 0 for one first listed in search results."""
        rng = stream(self.seed, _HOMES)
        return bytearray(rng.random() < FEED_HOME for _ in range(self.papers))

    # -- one paper ---------------------------------------------------------------------------------

    def meta(self, i: int) -> Meta:
        """Paper i without its text."""
        return self._meta(i, random.Random(self._paper_base + i))

    def _paper(self, i: int) -> Paper:
        """Paper i, with the same title and abstract on every page and run."""
        rng = random.Random(self._paper_base + i)
        meta = self._meta(i, rng)
        code = self.codes(i)
        fill = self._fill(rng, code)
        title = pick(rng, W.TITLE_TEMPLATES).format_map(fill)
        return Paper(meta, code, title, self._abstract(rng, meta, code, fill))

    def _meta(self, i: int, rng: random.Random) -> Meta:
        """Paper i's metadata, drawn first from its stream so that text draws come after."""
        c = self.community_of(int(rng.random() * self.n_authors))
        authors = self._authors(rng, c)
        day = TODAY - timedelta(days=int(SPAN_DAYS * rng.random() ** 1.5))
        if rng.random() < 0.75:
            category = W.CATEGORIES[self.community_cat[c]][0]
        else:
            category = rng.choices(W.CATEGORIES, cum_weights=self.cat_weights)[0][0]
        score = round(rng.uniform(0.5, 60.0), 1)
        upvotes = int(2 ** (rng.random() * 9)) if rng.random() < 0.25 else None
        return Meta(i, c, authors, day, category, score, upvotes, rng.random() < 0.15, self._links(rng, c))

    def _authors(self, rng: random.Random, c: int) -> list[int]:
        """Mostly members of community c, favouring its hubs (log-uniform rank), some from elsewhere."""
        u = rng.random()
        if u < 0.05:
            n = 1
        elif u < 0.07:
            n = rng.randint(15, 60)
        else:
            n = min(60, max(2, int(rng.lognormvariate(1.55, 0.5))))
        size = self.starts[c + 1] - self.starts[c]
        cross = 0.1 if n <= size // 2 else 0.6
        chosen: list[int] = []
        for _ in range(4 * n + 8):
            if len(chosen) == n:
                break
            cc = c if rng.random() >= cross else self.community_of(int(rng.random() * self.n_authors))
            start, end = self.starts[cc], self.starts[cc + 1]
            k = start + int((end - start + 1) ** rng.random()) - 1
            if k not in chosen:
                chosen.append(k)
        lead = self.starts[c]
        if lead in chosen[:-1] and rng.random() < 0.6:
            chosen.remove(lead)
            chosen.append(lead)  # the group leader signs last
        return chosen

    def _links(self, rng: random.Random, c: int) -> list[tuple[str, int]]:
        """The kinds of link the abstract gives; the key is the shared repo's slot where there is one."""
        links: list[tuple[str, int]] = []
        u = rng.random()
        if u < 0.38:
            links.append(("github", 0))
        elif u < 0.41:
            links.append(("gitlab", 0))
        elif u < 0.43:
            links.append(("4open", 0))
        for kind, p in (("model", 0.08), ("dataset", 0.06), ("page", 0.12), ("cut", 0.02)):
            if rng.random() < p:
                links.append((kind, 0))
        if rng.random() < 0.08:
            links.append(("shared", c * 3 + rng.randrange(3)))
        if rng.random() < 0.04:
            links.append(("famous", rng.choices(range(len(W.FAMOUS_REPOS)), cum_weights=self.famous_weights)[0]))
        return links

    # -- text --------------------------------------------------------------------------------------

    def _fill(self, rng: random.Random, code: str) -> dict[str, str]:
        return {"code": code, "adj": pick(rng, W.ADJECTIVES), "adj2": pick(rng, W.ADJECTIVES),
                "method": pick(rng, W.METHODS), "task": pick(rng, W.TASKS), "domain": pick(rng, W.DOMAINS),
                "prop": pick(rng, W.PROPERTIES)}

    def _sentence_bank(self, rng: random.Random) -> list[str]:
        """Abstract sentences with their slots filled: abstracts are drawn from these."""
        bank = []
        for _ in range(4096):
            template = rng.choice(W.SENTENCE_TEMPLATES)
            adj = rng.choice(W.ADJECTIVES).lower()
            values = {"adj": adj, "a_adj": with_article(adj), "method": rng.choice(W.METHODS),
                      "task": rng.choice(W.TASKS).lower(), "domain": rng.choice(W.DOMAINS),
                      "prop": rng.choice(W.PROPERTIES).lower(), "n": str(rng.randint(3, 24)),
                      "pct": str(rng.randint(2, 60)), "x": f"{rng.uniform(1.2, 9.9):.1f}",
                      "m": str(rng.randint(10, 900)), "b": str(rng.randint(1, 70)), "k": str(rng.randint(5, 400))}
            bank.append(template.format_map(values))
        return bank

    def _abstract(self, rng: random.Random, meta: Meta, code: str, fill: dict[str, str]) -> str:
        opening = pick(rng, W.OPENINGS).format_map({**fill, "task": fill["task"].lower(),
                                                     "a_adj": with_article(fill["adj"].lower())})
        parts = [*self._abbreviated(opening, fill["method"], code),
                 *dict.fromkeys(rng.choices(self.bank, k=5 + int(rng.random() * 4)))]
        cut = None
        for kind, key in meta.links:
            if kind == "cut":
                cut = f"Code will be released at https://github.com/{self.lab(meta.community)}/{code}-"
            else:
                parts.append(self._link_sentence(rng, kind, key, meta, code))
        if cut:
            parts.append(cut)  # a cut-off link only ever ends an abstract
        return " ".join(parts)

    @staticmethod
    def _abbreviated(opening: str, method: str, code: str) -> list[str]:
        """The opening, with the method's abbreviation defined and used again (now and then as another long
        form: W.OTHER_LONG_FORMS), or with one used alone (chosen by the code name's digest, so no draw of the
        generator changes)."""
        digest = zlib.crc32(code.encode())
        if (abbr := W.ABBREVIATIONS.get(method)) and method in opening:
            sentence = W.ABBREVIATION_SENTENCES[digest % len(W.ABBREVIATION_SENTENCES)]
            long = W.OTHER_LONG_FORMS.get(abbr, method) if digest >> 8 & 7 == 0 else method
            return [opening.replace(method, f"{long} ({abbr})", 1), sentence.format(abbr=abbr)]
        if digest % 4:
            return [opening]
        used = sorted(W.ABBREVIATIONS.values())[digest // 4 % len(W.ABBREVIATIONS)]
        return [opening, W.UNDEFINED_SENTENCES[digest // 64 % len(W.UNDEFINED_SENTENCES)].format(abbr=used)]

    def repo_url(self, kind: str, key: int, meta: Meta, code: str) -> str:
        """The canonical URL of a paper's link of `kind`, before the page mangles it."""
        lab = self.lab(meta.community)
        if kind == "github":
            owner = slug(self.name(meta.authors[0])).replace("-", "") or lab
            return f"https://github.com/{owner}/{code}"
        if kind == "gitlab":
            return f"https://gitlab.com/{lab}/{code}"
        if kind == "4open":
            return f"https://anonymous.4open.science/r/{code}-{mix64(meta.index) & 0xFFFF:04X}"
        if kind == "model":
            return f"https://huggingface.co/{lab}/{code}-{(7, 13, 70, 1)[meta.index % 4]}B"
        if kind == "dataset":
            return f"https://huggingface.co/datasets/{lab}/{code}-Bench"
        if kind == "page":
            return f"https://{lab}.github.io/{code}/" if meta.index % 2 else f"https://{code.lower()}.github.io"
        if kind == "shared":
            c, s = divmod(key, 3)
            return f"https://github.com/{self.lab(c)}/{W.SHARED_REPO_NAMES[(c + s) % len(W.SHARED_REPO_NAMES)]}"
        path, host = W.FAMOUS_REPOS[key]
        return f"https://{host}/{path}"

    def _link_sentence(self, rng: random.Random, kind: str, key: int, meta: Meta, code: str) -> str:
        url = messy_url(rng, self.repo_url(kind, key, meta, code))
        if kind == "page":
            return f"Project page: {url}"
        if kind == "famous":
            return f"Our implementation builds on {url}, which we extend with custom kernels."
        return rng.choice(LINK_SENTENCES).format(url=url)


LINK_SENTENCES = (
    "Code is available at {url}.", "Our code and models are released at {url}, together with the evaluation scripts.",
    "The implementation is public (see {url}).", "Code and data: \\url{{{url}}}.", "Resources: {url}",
)


BARE_HOSTS = ("github.com", "gitlab.com", "huggingface.co")  # hosts the extractor finds without a scheme


def messy_url(rng: random.Random, url: str) -> str:
    """`url` as pages print it: no scheme, `www.`, `.git`, a subfolder, odd case, a LaTeX leftover..."""
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    if host.endswith(".github.io") or rng.random() < 0.4:
        return url
    form = rng.randrange(8)
    if form == 0 and host in BARE_HOSTS:
        return rest
    if form == 1:
        return f"www.{rest}" if host in BARE_HOSTS else f"http://{rest}"
    if form == 2:
        return f"{url}/tree/main" if host == "huggingface.co" else f"{url}.git"
    if form == 3:
        return f"{url}/tree/main/{rng.choice(W.SUBDIRS)}"
    if form == 4:
        return f"{url}{{{url}}}"
    if form == 5 and host in ("github.com", "gitlab.com"):
        return f"{scheme}://{host.replace('git', 'Git')}/{path.title()}"
    if form == 6:
        return f"{url}/"
    return f"http://{rest}"


# -- pages -------------------------------------------------------------------------------------------

FEED_BANNER = ("new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
               "byAK and the research community\n\n")
SEARCH_BANNER = "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\nSubscribe"


def variant_title(rng: random.Random, title: str) -> str:
    """The title as this page writes it: usually as is, sometimes in sentence case or without accents."""
    u = rng.random()
    if u < 0.04:
        return sentence_case(title)
    if u < 0.06:
        return ascii_fold(title)
    return title


def feed_entry(world: World, paper: Paper, rng: random.Random) -> str:
    """One paper on a daily feed: title, abstract, author count or organisation, `·`, date and upvotes."""
    meta = paper.meta
    who = world.institution(meta.community)[1] if meta.by_org else f"  • {len(meta.authors)} authors"
    votes = f" {meta.upvotes}" if meta.upvotes else ""
    return f"{variant_title(rng, paper.title)}\n\n{paper.abstract}\n\n{who}\n·\n{day_text(meta.day)}{votes}"


def search_entry(paper: Paper, rng: random.Random) -> str:
    """One search result: the title line, then the abstract line."""
    return f"{variant_title(rng, paper.title)}\n{paper.abstract}"


def profile_entry(world: World, paper: Paper, rng: random.Random, seen: bytearray,
                  owner: int = -1) -> tuple[str, str | None]:
    """One paper on a profile: header, title, author line (3 names, then et al.), abstract; and the slug shown."""
    meta = paper.meta
    code = "Code" if any(kind not in ("page", "cut") for kind, _ in meta.links) or rng.random() < 0.15 else ""
    header = f"{meta.score}{meta.category}{day_text(meta.day, meta.day.year != TODAY.year)}{code}"
    names = []
    for k in meta.authors[:3]:
        seen[k] = 1
        name = world.shown(k, meta.index, owner)
        names.append(ascii_fold(name) if rng.random() < 0.05 else name)
    line = ", ".join(names) + (" et al." if len(meta.authors) > 3 else "")
    inst = world.institution(meta.community)[0] if rng.random() < 0.2 else None
    if inst:
        line += f" · {inst}"
    abstract = paper.abstract
    if not paper.has_links and rng.random() < 0.1:
        abstract = abstract[: int(len(abstract) * rng.uniform(0.6, 0.95))].rstrip()  # pages cut some abstracts
    return f"{header}\n{variant_title(rng, paper.title)}\n\n{line}\n\n{abstract}", inst


def profile_head(world: World, owner: int, total: int, rng: random.Random, saved: date | None = None) -> str:
    """The top of a profile page: name, (the day it was saved,) main category, statistics, paper count."""
    cat = W.CATEGORIES[world.community_cat[world.community_of(owner)]][0]
    h = max(1, int(math.sqrt(total) * rng.uniform(1.5, 3.5)))
    citations = int(h * h * rng.uniform(3, 9))
    dated = f"Saved on {saved.isoformat()}\n\n" if saved else ""
    return (f"{world.name(owner)}\n\n{dated}{cat}\nh-index{h}\n{total}papers\n{citations:,}citations\n"
            f"Novelty{rng.randint(20, 90)}%\nAI Score{rng.randint(20, 95)}\n\n{total} Papers\n\n")


@dataclass
class Written:
    """What a writer wrote: pages and listings per format, bytes, and entities the pages show."""

    pages: dict[str, int] = field(default_factory=lambda: {"profile": 0, "feed": 0, "search": 0})
    listings: dict[str, int] = field(default_factory=lambda: {"profile": 0, "feed": 0, "search": 0})
    bytes: int = 0
    institutions: set[str] = field(default_factory=set)

    def merge(self, other: Written) -> None:
        """Add another writer's counts to these."""
        for fmt in self.pages:
            self.pages[fmt] += other.pages[fmt]
            self.listings[fmt] += other.listings[fmt]
        self.bytes += other.bytes
        self.institutions |= other.institutions


class PageWriter:
    """Writes pages as DIR/pages/<format>/<number // 1000>/<format>-<number>[-<part>].txt."""

    def __init__(self, out: Path, written: Written) -> None:
        self.out, self.written = out, written
        self.folders: set[Path] = set()

    def write(self, fmt: str, number: int, text: str, listings: int, part: int = 0) -> None:
        """Write one page of `fmt` holding `listings` papers."""
        folder = self.out / "pages" / fmt / f"{number // 1000:04d}"
        if folder not in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
            self.folders.add(folder)
        data = text.encode("utf-8")
        (folder / f"{fmt}-{number:07d}{f'-{part}' if part else ''}.txt").write_bytes(data)
        self.written.pages[fmt] += 1
        self.written.listings[fmt] += listings
        self.written.bytes += len(data)


def _chunks(items: Iterable[int], sizes: Callable[[], int]) -> Iterator[list[int]]:
    """`items` in consecutive lists, each as long as the next value of `sizes()`."""
    chunk: list[int] = []
    size = sizes()
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk, size = [], sizes()
    if chunk:
        yield chunk


def _extras(rng: random.Random, chunk: list[int], end: int, count: int) -> list[int]:
    """Up to `count` papers below `end` not already in `chunk`: papers a page lists again."""
    return list(dict.fromkeys(j for j in (rng.randrange(end) for _ in range(count)) if j not in chunk))


def write_feeds(world: World, pages: PageWriter) -> None:
    """Daily feeds, newest first, over the papers at home in a feed; some older papers trend again."""
    rng = stream(world.seed, _FEED)
    home = (i for i in range(world.papers) if world.homes[i])
    for n, chunk in enumerate(_chunks(home, lambda: rng.randint(12, 40))):
        indices = chunk + _extras(rng, chunk, chunk[0] + 1, sum(rng.random() < 0.03 for _ in chunk))
        entries = []
        for i in indices:
            paper = world.paper(i)
            if paper.meta.by_org:
                pages.written.institutions.add(from_organization(world.institution(paper.meta.community)[1]).id)
            entries.append(feed_entry(world, paper, rng))
        page_day = day_text(TODAY - timedelta(days=n), year=False)
        pages.write("feed", n, f"{FEED_BANNER}{page_day}\n\n" + "\n\n".join(entries), len(indices))


def write_search(world: World, pages: PageWriter) -> None:
    """Search result pages over the papers at home there, each with some papers from anywhere mixed in."""
    rng = stream(world.seed, _SEARCH)
    home = (i for i in range(world.papers) if not world.homes[i])
    for n, chunk in enumerate(_chunks(home, lambda: rng.randint(40, 200))):
        indices = chunk + _extras(rng, chunk, world.papers, len(chunk) // 4)
        rng.shuffle(indices)
        body = "\n".join(search_entry(world.paper(i), rng) for i in indices)
        pages.write("search", n, SEARCH_BANNER + body, len(indices))


@dataclass
class Census:
    """Pass one over every paper's metadata: profile owners' papers, authors and repos in use."""

    owner_papers: dict[int, array[int]]
    authors: int  # distinct authors of at least one paper
    own_repos: int  # repos only one paper links (one per kind per paper)
    shared_papers: dict[int, list[int]]  # lab repo slot -> the papers linking it
    famous_used: set[int]

    @property
    def repos(self) -> int:
        """Distinct repositories the abstracts link."""
        return self.own_repos + len(self.shared_papers) + len(self.famous_used)


def census(world: World) -> Census:
    """Walk every paper's metadata once."""
    owners = world.owners
    found = Census({}, 0, 0, {}, set())
    wrote = bytearray(world.n_authors)
    for i in range(world.papers):
        meta = world.meta(i)
        for k in meta.authors:
            wrote[k] = 1
            if owners[k]:
                found.owner_papers.setdefault(k, array("I")).append(i)
        for kind, key in meta.links:
            if kind == "shared":
                found.shared_papers.setdefault(key, []).append(i)
            elif kind == "famous":
                found.famous_used.add(key)
            elif kind not in ("page", "cut"):
                found.own_repos += 1
    found.authors = sum(wrote)
    return found


def write_profiles(world: World, pages: PageWriter, owners: dict[int, array[int]], dated: int = -1) -> bytearray:
    """One or more profile pages per owner listing all their papers; returns which authors the pages name.
    The profile of owner `dated` (the one `--resaves` saves again) says it was saved on TODAY."""
    seen = bytearray(world.n_authors)
    for owner in sorted(owners):
        rng = stream(world.seed, _PROFILE, owner + 1)
        papers = list(owners[owner])
        rng.shuffle(papers)
        seen[owner] = 1
        for part, start in enumerate(range(0, len(papers), PROFILE_PAGE)):
            chunk = papers[start:start + PROFILE_PAGE]
            entries = []
            for i in chunk:
                entry, inst = profile_entry(world, world.paper(i), rng, seen, owner)
                entries.append(entry)
                if inst:
                    pages.written.institutions.add(from_slug(inst).id)
            text = profile_head(world, owner, len(papers), rng, TODAY if owner == dated else None) + \
                "\n\n".join(entries)
            pages.write("profile", owner, text, len(chunk), part)
    return seen


# -- facts for tests -----------------------------------------------------------------------------------

class AuthorFact(TypedDict):
    name: str
    id: str


class PaperFact(TypedDict):
    id: str
    title: str


class TwoHopFact(TypedDict):
    """Authors a and c who never wrote together, b a co-author of both, and a paper joining each pair."""

    a: AuthorFact
    b: AuthorFact
    c: AuthorFact
    ab_paper: PaperFact
    bc_paper: PaperFact


class SharedRepoFact(TypedDict):
    """A repository's id and the ids of the papers linking it."""

    id: str
    papers: list[str]


def _author(world: World, k: int) -> AuthorFact:
    name = world.name(k)
    return {"name": name, "id": author_id(name)}


def _paper_ref(world: World, i: int) -> PaperFact:
    title = world.paper(i).title
    return {"id": paper_id(title), "title": title}


def two_hop(world: World, owners: dict[int, array[int]], budget: int = 200) -> TwoHopFact | None:
    """Authors A and C who never wrote together but share co-author B, with a paper joining each pair.

    A and B own profiles, so the pages name them on their shared paper; C is among the three names shown.
    """
    for a in sorted(owners)[:budget]:
        papers_a = [world.meta(i) for i in owners[a]]
        coauthors = {k for m in papers_a for k in m.authors}
        for ab in papers_a:
            for b in ab.authors:
                if b == a or b not in owners:
                    continue
                for j in owners[b]:
                    bc = world.meta(j)
                    c = next((k for k in bc.authors[:3] if k != b and k not in coauthors), None)
                    if c is not None:
                        return {"a": _author(world, a), "b": _author(world, b), "c": _author(world, c),
                                "ab_paper": _paper_ref(world, ab.index), "bc_paper": _paper_ref(world, j)}
    return None


def shared_repo(world: World, shared: dict[int, list[int]]) -> SharedRepoFact | None:
    """The lab repository the most papers link, with every one of those papers."""
    if not shared:
        return None
    slot = max(sorted(shared), key=lambda s: len(shared[s]))
    papers = shared[slot]
    if len(papers) < 2:
        return None
    repo = repo_from_url(world.repo_url("shared", slot, world.meta(papers[0]), ""))
    assert repo is not None, "the world's repository URLs are ones repo_from_url reads"
    return {"id": repo.id, "papers": sorted(paper_id(world.paper(i).title) for i in papers)}


# -- the run -------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def world_for(papers: int, seed: int, identities: bool = False) -> World:
    """The World of (papers, seed), built once per process."""
    return World(papers, seed, identities)


def _listing_job(papers: int, seed: int, out: Path, identities: bool = False) -> Written:
    """The daily feeds and the search result pages."""
    world = world_for(papers, seed, identities)
    written = Written()
    pages = PageWriter(out, written)
    write_feeds(world, pages)
    write_search(world, pages)
    return written


def _profile_job(papers: int, seed: int, out: Path, owners: dict[int, array[int]], dated: int = -1,
                 identities: bool = False) -> tuple[Written, bytes]:
    """The profile pages of some owners, and which authors they name."""
    written = Written()
    seen = write_profiles(world_for(papers, seed, identities), PageWriter(out, written), owners, dated)
    return written, bytes(seen)


RESAVE_DAYS = 30  # between two saves of the re-saved profile


def resaved_owner(owners: dict[int, array[int]]) -> int:
    """The owner `--resaves` saves again: the first whose profile is one page of at least 3 papers (-1: none)."""
    return next((k for k in sorted(owners) if 3 <= len(owners[k]) <= PROFILE_PAGE), -1)


def write_resaves(world: World, pages: PageWriter, owner: int, theirs: Sequence[int], count: int,
                  named: bytearray) -> dict[str, Any]:
    """`count` earlier saves of `owner`'s profile, RESAVE_DAYS apart before TODAY: the older the save, the
    fewer of their papers it lists (the rest joined later) and the lower its figures; every earlier save
    also lists one paper that has left the current page. Returns the facts a test checks them by."""
    rng = stream(world.seed, _PROFILE, -owner - 1)
    papers = sorted(theirs)
    left = next(i for i in range(world.papers) if i not in set(theirs))
    folder = pages.out / "pages" / "profile" / f"{owner // 1000:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    saves = []
    for r in range(1, count + 1):
        saved = TODAY - timedelta(days=RESAVE_DAYS * r)
        listed = [*papers[:max(1, len(papers) - r)], left]
        h = max(1, len(listed) - 1)
        head = (f"{world.name(owner)}\n\nSaved on {saved.isoformat()}\n\nh-index{h}\n{len(listed) + r}papers\n"
                f"{h * h * 7:,}citations\n\n{len(listed)} Papers\n\n")
        text = head + "\n\n".join(profile_entry(world, world.paper(i), rng, named, owner)[0]
                                   for i in listed)
        path = folder / f"profile-{owner:07d}-saved-{saved.isoformat()}.txt"
        data = text.encode("utf-8")
        path.write_bytes(data)
        pages.written.pages["profile"] += 1
        pages.written.listings["profile"] += len(listed)
        pages.written.bytes += len(data)
        saves.append({"file": str(path.relative_to(pages.out)), "saved_at": saved.isoformat(),
                      "papers": [paper_id(world.paper(i).title) for i in listed], "h_index": h})
    return {"owner": _author(world, owner), "current_saved_at": TODAY.isoformat(),
            "current_papers": sorted(paper_id(world.paper(i).title) for i in papers), "earlier": saves[::-1],
            "left": paper_id(world.paper(left).title)}


def shares(owners: dict[int, array[int]], count: int) -> list[dict[int, array[int]]]:
    """`owners` in `count` parts of about equal work (papers listed), in owner order."""
    parts: list[dict[int, array[int]]] = [{} for _ in range(count)]
    total = sum(len(p) for p in owners.values()) or 1
    done = 0
    for owner in sorted(owners):
        parts[min(count - 1, done * count // total)][owner] = owners[owner]
        done += len(owners[owner])
    return [part for part in parts if part]


class InlineExecutor:
    """Runs each submitted call at once, in this process: the executor for one worker."""

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., T], /, *args: object) -> Future[T]:
        """A Future already holding `fn(*args)`."""
        future: Future[T] = Future()
        future.set_result(fn(*args))
        return future


SHARES_PER_WORKER = 4  # jobs of profile pages: enough for a progress bar that moves, and to balance the workers


def synthesize(out: Path, papers: int, seed: int, workers: int = 2, force: bool = False, resaves: int = 0,
               identities: bool = False, report: Report | None = None) -> dict[str, Any]:
    """Write the corpus of `papers` papers for `seed` under `out` (pages/ and manifest.json); return the manifest.
    With `resaves`, one profile is also saved that many times before (see write_resaves). report: how to show
    the progress, in jobs of pages written (not at all without).

    The bytes written are the same for any number of `workers`. An earlier run's pages/ is an error
    (its stale pages would change the corpus) unless `force` removes it. `identities` plants variant
    spellings, homonyms and the cases of kg/synth/cases.py (kg/synth/identities.py), writes who is who beside
    the manifest and records the cases in it.
    """
    if (out / "pages").exists():
        if not force:
            raise KgError(f"{out / 'pages'} already exists: remove it or pass --force to replace it")
        shutil.rmtree(out / "pages")
    out.mkdir(parents=True, exist_ok=True)
    world = world_for(papers, seed, identities)
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else InlineExecutor()
    with pool, progress_of(report, "writing pages") as shown:
        listing = pool.submit(_listing_job, papers, seed, out, identities)
        found = census(world)  # meanwhile, in this process
        dated = resaved_owner(found.owner_papers) if resaves else -1
        jobs = [pool.submit(_profile_job, papers, seed, out, share, dated, identities)
                for share in shares(found.owner_papers, SHARES_PER_WORKER * workers)]
        facts: dict[str, Any] = {"two_hop": two_hop(world, found.owner_papers), "shared_repo": shared_repo(world, found.shared_papers)}
        if shown is not None:
            every: list[Future[Any]] = [listing, *jobs]
            for done, _ in enumerate(as_completed(every), 1):
                shown(done, len(jobs) + 1)
        written = listing.result()
        named = bytearray(world.n_authors)
        for job in jobs:
            part, seen = job.result()
            written.merge(part)
            named = bytearray(map(operator.or_, named, seen))
    if dated >= 0:
        facts["resaves"] = write_resaves(world, PageWriter(out, written), dated, found.owner_papers[dated], resaves,
                                          named)
    manifest = {
        "generator": "kg synth", "papers": papers, "seed": seed,
        "pages": {**written.pages, "total": sum(written.pages.values())},
        "listings": written.listings, "bytes": written.bytes,
        "expected": {"papers": papers, "authors": sum(named), "repos": found.repos,
                     "institutions": len(written.institutions)},
        "generated": {"authors": found.authors, "communities": world.n_communities,
                      "profile_owners": len(found.owner_papers)},
        "facts": facts,
    }
    if world.planted is not None:
        manifest["identities"] = world.planted.write_truth(out, found.owner_papers)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest
