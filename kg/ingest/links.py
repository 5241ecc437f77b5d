"""Links in abstracts: code repositories (one canonical id each), arXiv ids and project pages."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from kg.graph.records import Repo

# A URL: a scheme, `www.`, or a bare host we know, up to a space, bracket, brace or quote.
_URL = re.compile(
    r"""(?:https?://|www\.|(?<![\w.@/-])(?=(?:[\w-]+\.)*(?:github\.(?:com|io)|gitlab\.com|huggingface\.co|hf\.co|"""
    r"""bitbucket\.org|codeberg\.org|gitee\.com|arxiv\.org|anonymous\.4open\.science)\b))"""
    r"""[^\s{}<>"'\\|^`\[\]]+""",
    re.IGNORECASE,
)
_ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*|huggingface\.co/papers/)"
    r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
# Every link has a slash, `www.` or `.io`: finding those first skips most of the text cheaply.
_ANCHOR = re.compile(r"/|[Ww][Ww][Ww]\.|\.io\b")
_PIECE = re.compile(r"""[^\s{}<>"'\\|^`\[\]]+""")
_TRAILING = ".,;:!?'\"*~"
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")

# host -> (id prefix, number of path segments naming a repo)
_CODE_HOSTS = {
    "github.com": ("", 2),
    "gitlab.com": ("gitlab:", 2),
    "bitbucket.org": ("bitbucket:", 2),
    "codeberg.org": ("codeberg:", 2),
    "gitee.com": ("gitee:", 2),
    "anonymous.4open.science": ("4open:", 2),  # /r/<name>
}
_HF_HOSTS = {"huggingface.co", "hf.co"}
_HF_KINDS = {"datasets": "dataset", "spaces": "space"}
# First path segments that are site pages, not owners.
NOT_OWNERS = {
    "about", "apps", "blog", "collections", "docs", "enterprise", "explore", "features", "join",
    "login", "marketplace", "models", "orgs", "papers", "pricing", "search", "settings", "sponsors",
    "tasks", "topics", "users", "pulls", "issues", "notifications", "new", "site", "learn",
}
_NOT_NAMES = {"repositories", "followers", "following", "stars", "projects", "packages"}


@dataclass
class Links:
    """What an abstract links to."""

    repos: list[Repo] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    arxiv_ids: list[str] = field(default_factory=list)


def clean_url(raw: str) -> str | None:
    """Strip what the page glued around a URL; None when the page cut the URL off."""
    url = raw
    while url and url[-1] in _TRAILING + ")":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    if not url or url.endswith(("-", "\u2026")):
        return None
    return url


def _split(url: str) -> tuple[str, list[str]]:
    """Host (lower-case, no `www.`) and non-empty path segments, without query or fragment."""
    bare = re.sub(r"^[a-z]+://", "", url, flags=re.IGNORECASE)
    bare = re.split(r"[?#]", bare, maxsplit=1)[0]
    host, _, path = bare.partition("/")
    host = host.lower().removeprefix("www.").split(":")[0]
    return host, [seg for seg in path.split("/") if seg]


@lru_cache(maxsize=1 << 16)  # the same paper lists the same repos on every page
def repo_from_url(url: str) -> Repo | None:
    """The repository a URL points into, with its canonical id, or None."""
    host, segs = _split(url)
    if host in _HF_HOSTS:
        return _hf_repo(segs)
    if host not in _CODE_HOSTS:
        return None
    prefix, _ = _CODE_HOSTS[host]
    if host == "anonymous.4open.science":
        if len(segs) < 2 or segs[0] != "r":
            return None
        segs = ["r", segs[1]]
    if len(segs) < 2:
        return None
    owner, name = segs[0], segs[1].removesuffix(".git")
    if owner.lower() in NOT_OWNERS or name.lower() in _NOT_NAMES:
        return None
    if not (_SEGMENT.match(owner) and _SEGMENT.match(name)) or name in {".", ".."}:
        return None
    return Repo(id=f"{prefix}{owner}/{name}".lower(), host=host, owner=owner, name=name,
                url=f"https://{host}/{owner}/{name}")


def repo_ids(full_name: str) -> list[str]:
    """Every id a repository called `owner/name` may have: one per code host and Hugging Face kind."""
    key = full_name.lower()
    hf = [f"hf:{section}{key}" for section in ("", *(f"{s}/" for s in _HF_KINDS))]
    return [prefix + key for prefix, _ in _CODE_HOSTS.values()] + hf


def _hf_repo(segs: list[str]) -> Repo | None:
    kind = "model"
    if segs and segs[0] in _HF_KINDS:
        kind = _HF_KINDS[segs[0]]
        segs = segs[1:]
    if len(segs) < 2 or segs[0].lower() in NOT_OWNERS:
        return None
    owner, name = segs[0], segs[1]
    if not (_SEGMENT.match(owner) and _SEGMENT.match(name)):
        return None
    section = "" if kind == "model" else f"{kind}s/"
    return Repo(id=f"hf:{section}{owner}/{name}".lower(), host="huggingface.co", kind=kind,
                owner=owner, name=name, url=f"https://huggingface.co/{section}{owner}/{name}")


def _pieces(text: str) -> Iterator[str]:
    """The white-space-delimited words of `text` that may hold a link, split at braces and quotes."""
    end = -1
    for anchor in _ANCHOR.finditer(text):
        i = anchor.start()
        if i < end:
            continue
        start = max(text.rfind(" ", 0, i), text.rfind("\n", 0, i)) + 1
        end = min(e for e in (text.find(" ", i), text.find("\n", i), len(text)) if e >= 0)
        yield from _PIECE.findall(text, start, end)


def extract_links(text: str) -> Links:
    """Repos (deduplicated, in order of first mention), other links and arXiv ids in `text`."""
    found = Links()
    seen: set[str] = set()
    for piece in _pieces(text):
        match = _URL.search(piece)
        url = clean_url(match.group(0)) if match else None
        if url is None:
            continue
        repo = repo_from_url(url)
        if repo is not None:
            if repo.id not in seen:
                seen.add(repo.id)
                found.repos.append(repo)
        else:
            link = url if "://" in url else "https://" + url
            if link not in found.links:
                found.links.append(link)
    if "rxiv" not in text and "RXIV" not in text and "/papers/" not in text:
        return found
    for match in _ARXIV.finditer(text):
        arxiv_id = match.group(1).lower()
        if arxiv_id not in found.arxiv_ids:
            found.arxiv_ids.append(arxiv_id)
    return found
