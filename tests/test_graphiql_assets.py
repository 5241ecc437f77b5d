"""GraphiQL's vendored files: each matches the sha384 pinned in api/graphiql.py, their licenses sit beside them,
and the page loads them (with that hash as its integrity check) from the app, not from a CDN."""
from __future__ import annotations

from pathlib import Path

from api.graphiql import ASSET_DIR, ASSETS, PAGE_ASSETS, missing, page, sri


def test_every_vendored_file_matches_its_pin() -> None:
    assert sorted(p.name for p in ASSET_DIR.iterdir()) == sorted(ASSETS)
    for name, (_, _, digest) in ASSETS.items():
        assert sri((ASSET_DIR / name).read_bytes()) == digest, name
    assert missing() == []


def test_the_licenses_are_mit_and_cover_every_package() -> None:
    packages = {package.rpartition("@")[0] for package, _, _ in ASSETS.values()}
    assert {f"LICENSE.{p}" for p in packages} <= set(ASSETS)
    for p in packages:
        assert (ASSET_DIR / f"LICENSE.{p}").read_text().startswith("MIT License")


def test_an_altered_file_is_reported_missing(tmp_path: Path) -> None:
    for name in ASSETS:
        (tmp_path / name).write_bytes((ASSET_DIR / name).read_bytes())
    (tmp_path / "graphiql.min.js").write_bytes(b"alert(1)")
    assert missing(tmp_path) == ["graphiql.min.js"]
    assert "files are missing (graphiql.min.js)" in page(tmp_path)


def test_the_page_pins_what_it_loads() -> None:
    html = page()
    for name in PAGE_ASSETS:
        assert f'/graphiql-assets/{name}" integrity="sha384-{ASSETS[name][2]}"' in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_sri_is_the_base64_sha384() -> None:
    assert sri(b"") == "OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
