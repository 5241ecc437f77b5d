"""Institution names: profile slugs (`meta-ai`) and feed organisations (`facebook AI at Meta`) to one id."""
from __future__ import annotations

from kg.graph.ids import slug, text_key
from kg.graph.records import Institution

# id, display name, other names pages use. Feed organisations read "<handle> <full name>".
KNOWN: list[tuple[str, str, list[str]]] = [
    ("meta-ai", "Meta AI", ["facebook", "facebook ai", "facebook ai research", "fair", "ai at meta",
                            "meta", "meta fair", "facebookresearch", "meta ai research"]),
    ("google-deepmind", "Google DeepMind", ["deepmind", "google deepmind"]),
    ("google", "Google", ["google research", "google ai", "google-research"]),
    ("microsoft-research", "Microsoft Research", ["microsoft", "msr", "microsoft ai"]),
    ("openai", "OpenAI", []),
    ("nvidia", "NVIDIA", ["nvidia research", "nvidia corporation"]),
    ("cmu", "Carnegie Mellon University", ["carnegie mellon", "carnegie mellon university"]),
    ("uw", "University of Washington", ["university of washington", "washington"]),
    ("harvard", "Harvard University", ["harvard university"]),
    ("stanford", "Stanford University", ["stanford university"]),
    ("mit", "Massachusetts Institute of Technology", ["massachusetts institute of technology"]),
    ("berkeley", "UC Berkeley", ["uc berkeley", "university of california berkeley", "ucberkeley"]),
    ("princeton", "Princeton University", ["princeton university"]),
    ("nyu", "New York University", ["new york university"]),
    ("tsinghua", "Tsinghua University", ["tsinghua university", "thu"]),
    ("pku", "Peking University", ["peking university"]),
    ("allenai", "Allen Institute for AI", ["allen institute for ai", "ai2", "allen ai"]),
    ("huggingface", "Hugging Face", ["hugging face", "hf"]),
    ("alibaba", "Alibaba Group", ["alibaba group", "qwen", "alibaba damo academy", "damo academy"]),
    ("bytedance", "ByteDance", ["bytedance seed", "bytedance research"]),
    ("tencent", "Tencent", ["tencent ai lab", "tencent hunyuan"]),
    ("deepseek", "DeepSeek", ["deepseek ai", "deepseek-ai"]),
    ("apple", "Apple", []),
    ("amazon", "Amazon", ["amazon science", "aws"]),
    ("ibm", "IBM Research", ["ibm", "ibm research"]),
    ("mila", "Mila", ["mila quebec ai institute"]),
]
_BY_KEY: dict[str, tuple[str, str]] = {}
for _id, _name, _aliases in KNOWN:
    for _alias in [_id, _name, *_aliases]:
        _BY_KEY[text_key(_alias)] = (_id, _name)


def known(name: str) -> tuple[str, str] | None:
    """(id, display name) of a known institution under any of its names."""
    return _BY_KEY.get(text_key(name))


def from_slug(raw: str) -> Institution:
    """The institution a profile page names by slug (`meta-ai`, `cmu`)."""
    hit = known(raw)
    if hit:
        return Institution(id=hit[0], name=hit[1], aliases=[raw])
    ident = slug(raw) or text_key(raw)
    return Institution(id=ident, name=raw.replace("-", " ").title(), aliases=[raw])


def from_organization(raw: str) -> Institution:
    """The institution a feed names as `<handle> <full name>` (`Harvard Harvard University`)."""
    handle, _, full = raw.partition(" ")
    full = full or handle
    hit = known(raw) or known(full) or known(handle)
    if hit:
        return Institution(id=hit[0], name=hit[1], aliases=sorted({raw, full}))
    return Institution(id=slug(handle) or text_key(handle), name=full, aliases=sorted({raw, full}))
