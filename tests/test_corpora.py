"""The committed `kg synth` corpus is what the generator writes today, and each corpus is what it claims."""
from __future__ import annotations

import hashlib
from pathlib import Path

from kg.synth.corpus import synthesize
from tests.corpora import CORPORA, SEEDS_DIR, SYNTH, SYNTH_ARGS, SYNTH_DIR, Corpus


def digest_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_regenerating_the_fixture_gives_the_same_bytes(tmp_path: Path) -> None:
    synthesize(tmp_path, workers=1, **SYNTH_ARGS)
    assert digest_tree(tmp_path) == digest_tree(SYNTH_DIR), (
        "tests/fixtures/synth is stale: regenerate it with the command of tests/fixtures/README.md")


def test_the_seeds_join_the_corpora_exactly_when_present() -> None:
    assert [c.name for c in CORPORA] == (["synth", "seeds"] if SEEDS_DIR.is_dir() else ["synth"])


def test_the_synthetic_corpus_has_every_page_format_and_owner() -> None:
    assert {p.parent.parent.name for p in SYNTH.files()} == {"profile", "feed", "search"}
    assert sum(SYNTH.profiles.values()) == SYNTH.listings["profile"] and len(SYNTH.profiles) >= 2
    assert all(isinstance(c, Corpus) and c.page_count >= 3 for c in CORPORA)
