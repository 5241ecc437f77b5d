"""Concepts of a text: whole noun phrases, the abbreviations a text defines, and one folding of both.

The chunker is a stop-word chunker: a phrase is a maximal run of words with no function word, common
verb, adverb or punctuation inside it, so a phrase is never cut in the middle. It needs no tagger,
which keeps it at regex speed (docs/topics.md has the measurements).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.graph.ids import text_key

# Words that end a phrase: function words, pronouns, auxiliaries and modals, then the verbs abstracts
# use most (each form), then modifiers that say nothing about the subject ("novel", "various").
_FUNCTION = """
a an the this that these those such some any all each every both either neither no nor not only also
of in on at by for with from to into onto upon over under about above below between among through
during before after without within across along around against toward towards via per than then
and or but if so as because while whereas although though since unless until whether yet thus hence
however therefore moreover furthermore instead rather even just still already again further
i we you he she it they me us him her them my our your his its their mine ours yours theirs
who whom whose which what when where why how there here
is are was were be been being am do does did doing done have has had having
can could may might must shall should will would cannot
one two three four five six seven eight nine ten first second third new novel various several
many much more most less least few fewer other another same different existing recent current
key main major simple efficient effective significant substantial extensive comprehensive
strong better best good well very fast accurate robust scalable unified general
lightweight powerful promising remarkable consistent broad prior earlier additional whole single
full common complex surprising larger smaller deeper wider faster longer often up down out off e g i e etc et al
vs via versus respectively namely specifically particularly especially typically generally
state-of-the-art sota
"""
_VERBS = """
propose present introduce show demonstrate achieve outperform improve enable allow provide use
require leverage reduce increase yield make remain become lead find explore evaluate develop
design apply generate obtain perform compare consider address aim build capture combine compute
construct exhibit extend identify incorporate investigate offer predict produce rely reveal
suggest surpass tackle exploit establish analyze analyse employ ensure facilitate highlight
include involve maintain solve enhance boost fail suffer struggle attain deliver describe
discuss examine explain study adapt accelerate select take give get see observe argue believe
indicate contribute concentrate expose decouple choose persist hold grow converge stay carry encourage
prune cover depend reach hope characterise characterize formalise formalize confirm deploy enjoy
lack lie prove stem arise emerge appear seem tend try want keep let help bring
"""
# Verbs that are nouns too ("model design", "scaling laws"): only their past forms end a phrase.
_NOUN_VERBS = """
design match scale release report learn train focus support need note claim aim lead fine-tune
"""
_IRREGULAR = """
made found led built shown given taken seen became kept held brought thought known
using based including leveraging making achieving enabling allowing providing requiring yielding
demonstrating showing introducing proposing exploiting incorporating ensuring combining outperforming
improving reducing increasing remaining becoming
"""
_GENERIC = set("""
paper work approach method result experiment performance task problem framework model system data
technique way study analysis evaluation setting case issue aspect number set type form part kind
baseline benchmark art state finding contribution effect impact role use application challenge
limitation advantage property quality process field area domain solution idea goal version variant
level step stage time term fact question answer end code implementation design large small
high low amount progress applicability improvement gain gap comparison
""".split())


def _verb_forms(base: str) -> set[str]:
    """A verb's base, third-person and past forms ("-ing" forms are nouns too: "learning", "scaling")."""
    stem = base[:-1] if base.endswith("e") else base
    third = base[:-1] + "ies" if base.endswith("y") and base[-2] not in "aeiou" else \
        base + "es" if base.endswith(("s", "sh", "ch", "x", "z")) else base + "s"
    past = base[:-1] + "ied" if base.endswith("y") and base[-2] not in "aeiou" else stem + "ed"
    return {base, third, past}


STOP: frozenset[str] = frozenset(
    _FUNCTION.split() + _IRREGULAR.split() + [f for verb in _VERBS.split() for f in _verb_forms(verb)]
    + [f for verb in _NOUN_VERBS.split() for f in _verb_forms(verb) if f.endswith("ed")])
_FUNCTION_WORDS = frozenset(_FUNCTION.split())
# What ends a phrase besides words: every character that is not a letter, digit, hyphen or apostrophe
# becomes the token "|" (a stop word), so the whole chunker runs in a few calls of C code.
_PUNCTUATION = '!"#$%&()*+,./:;<=>?@[\\]^_`{|}~\u201c\u201d\u2018\u00ab\u00bb\u2026\u00b7\u2022\u2013\u2014\u00d7\u2192'
_SPLIT = re.compile("[%s]" % re.escape(_PUNCTUATION))
_ENDS = frozenset(["|", "-", "'", "\u2019", *"abcdefghijklmnopqrstuvwxyz0123456789"])
_IS_STOP = (STOP | _ENDS).__contains__
MAX_WORDS = 4
_RUN = re.compile(rb"\x00{2,}")  # two or more content words in a row, in the stop flags of a text's words
_SHORT_RUN = re.compile(rb"(?<!\x00)\x00{2,%d}(?!\x00)" % (MAX_WORDS + 1))  # such a whole run of at most MAX_WORDS + 1 words
# Words a stop list cannot name: numbers, and adverbs (but "family", "anomaly" ...).
_ODD = re.compile(r"(?:^|(?<= ))(?:\d[\d.,%%x]*|(?!(?:%s)(?: |$))[^ ]{3,}ly)(?= |$)" % "|".join(
    ["family", "anomaly", "assembly", "supply", "early", "italy", "poly", "monopoly", "reply"]))
# A word (hyphens inside it) with a capital at its start and another after: "\b[A-Z][\w-]*[A-Z][\w-]*", written so
# that the regex engine skips straight to capitals and never backtracks over the word.
_ACRONYM_WORD = re.compile(r"[A-Z](?<!\w[A-Z])(?:[^\WA-Z]|-)*[A-Z][\w-]*")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9-]*$")


@lru_cache(maxsize=1 << 14)
def is_acronym(word: str) -> bool:
    """A word mostly in capitals, at least two of them: LLMs, GPT-4, NeRF, MoE (not "Large-Scale")."""
    if not _ACRONYM.match(word):
        return False
    upper = sum(c.isupper() for c in word)
    return upper >= 2 and 2 * upper >= sum(c.isalpha() for c in word)


_E_BEFORE_S = ("caches", "niches", "avalanches", "headaches", "axes")


def singular(word: str) -> str:
    """A plural noun made singular by the regular rules: models -> model, queries -> query, LLMs -> LLM."""
    if len(word) > 2 and word.endswith("s") and is_acronym(word[:-1]):
        return word[:-1]
    lower = word.lower()
    if len(lower) <= 3 or not lower.endswith("s") or lower.endswith(("ss", "us", "is", "ics", "ous")):
        return word
    if lower.endswith("ies") and len(lower) > 4 and lower not in ("series", "species"):
        return word[:-3] + "y"
    if lower.endswith(("sses", "ches", "shes", "xes", "zzes")) and not lower.endswith(_E_BEFORE_S):
        return word[:-2]
    if lower.endswith(("as", "os")) and lower not in ("videos", "photos", "ratios", "scenarios"):
        return word
    return word[:-1]


def fold(phrase: str) -> str:
    """The one key of a phrase: case, accents, hyphens and spacing folded, its last word singular.

    "Large Language Models", "large-language model" and "LARGE LANGUAGE MODELS" give one key.
    """
    words = [w.removesuffix("'s").rstrip("'") for w in phrase.replace("’", "'").split()]
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return text_key(" ".join(words))


def is_stop(word: str) -> bool:
    """Whether a word (in lower case) ends a phrase: a function word, a common verb, a number, an
    adverb, punctuation."""
    return _IS_STOP(word) or bool(_ODD.fullmatch(word))


class _StopFlags(dict[str, bool]):
    """is_stop of each word seen, so that the flags of a text's words are one C-level dict lookup each."""

    def __missing__(self, word: str) -> bool:
        if len(self) > 1 << 19:
            self.clear()
        flag = self[word] = is_stop(word)
        return flag


_FLAGS = _StopFlags()


def chunks(text: str) -> list[list[str]]:
    """The maximal runs of two or more content words of `text`, in lower case: no function word,
    common verb, number, adverb or punctuation inside one."""
    words = _SPLIT.sub(" | ", text.lower()).split()
    return [words[run.start():run.end()] for run in _RUN.finditer(bytes(map(_FLAGS.__getitem__, words)))]


def is_generic(words: list[str]) -> bool:
    """A phrase that says nothing about a subject: all its words generic ("experimental results")."""
    return all(singular(w) in _GENERIC or w.endswith(("al", "ive", "able")) for w in words)


def acronyms(text: str) -> list[str]:
    """The acronyms of `text` as written: LLMs, GPT-4, NeRF; and LLM of "LLM-based" or "LLM-as-a-Judge"."""
    return list(filter(None, map(_acronym, _ACRONYM_WORD.findall(text))))


@lru_cache(maxsize=1 << 16)
def _acronym(word: str) -> str | None:
    """The acronym `word` is, or the one before its first hyphen, or None."""
    if is_acronym(word):
        return word
    head = word.split("-", 1)[0]
    return head if is_acronym(head) else None


def noun_phrases(text: str) -> list[str]:
    """The candidate noun phrases of `text`: whole runs of 2 to 5 words in lower case (a leading "-ing"
    word of a longer one is a verb: see topics.concept), then its acronyms as written."""
    words = _SPLIT.sub(" | ", text.lower()).split()
    found = [" ".join(words[slice(*run.span())]) for run in _SHORT_RUN.finditer(bytes(map(_FLAGS.__getitem__, words)))]
    found += acronyms(text)
    return found


@dataclass(frozen=True)
class Definition:
    """An abbreviation a text defines, and the long form it stands for."""

    short: str
    long: str


# "(SF)": a parenthesised short form; its long form is in the words before it.
_SHORT = re.compile(r"\((\w[\w-]{0,9})\)")
_CLAUSE = re.compile(r"[.;:!?()\[\],]")


def _long_form(short: str, words: list[str]) -> str | None:
    """Schwartz and Hearst (2003): the shortest tail of `words` in which the short form's letters occur
    in order, right to left, its first letter starting a word."""
    letters = [c.lower() for c in short if c.isalnum()]
    if short.endswith("s") and is_acronym(short[:-1]):
        letters = letters[:-1]  # "LLMs": the plural s is not in the long form's initials
    if len(letters) < 2 or not letters[0].isalpha():
        return None
    text = " ".join(words).lower()
    s, t = len(letters) - 1, len(text) - 1
    while s >= 0:
        c = letters[s]
        while t >= 0 and (text[t] != c or (s == 0 and t > 0 and text[t - 1].isalnum())):
            t -= 1
        if t < 0:
            return None
        t -= 1
        s -= 1
    start = text.rfind(" ", 0, t + 1) + 1
    long = " ".join(words)[start:]
    n = len(long.split())
    if n > min(len(letters) + 5, 2 * len(letters)) or n < 1 or long.split()[0].lower() in _FUNCTION_WORDS:
        return None
    return long if len(long) > len(short) else None


def definitions(text: str) -> list[Definition]:
    """The abbreviations `text` defines as "long form (SF)": "large language models (LLMs)"."""
    if "(" not in text:
        return []
    found: dict[str, Definition] = {}
    for match in _SHORT.finditer(text):
        short = match[1]
        if not any(c.isupper() for c in short) or short.lower() in STOP:
            continue
        before = _CLAUSE.split(text[max(0, match.start() - 160):match.start()])[-1].split()[-10:]
        long = _long_form(short, before)
        if long and singular(short) not in found:
            found[singular(short)] = Definition(singular(short), long)
    return list(found.values())


def expand(text: str, defined: list[Definition]) -> str:
    """`text` with each definition's "(SF)" dropped and each later use of SF spelled out in full, so
    "key-value (KV) cache ... the KV cache" reads "key-value cache ... the key-value cache"."""
    if not defined:
        return text
    for d in defined:
        text = text.replace(f"({d.short})", "").replace(f"({d.short}s)", "")
    pattern = re.compile(r"\b(?:%s)s?\b" % "|".join(re.escape(d.short) for d in defined))
    longs = {d.short: d.long for d in defined}
    return pattern.sub(lambda m: longs[singular(m[0]) if m[0] not in longs else m[0]], text)
