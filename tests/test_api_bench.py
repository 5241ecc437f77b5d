"""The load benchmark of kg.bench.api: its figures, and a small real run against `kg serve`."""
from __future__ import annotations

import math

import neo4j
import pytest

from kg.bench.api import Tally, load_figures, measure_load
from kg.store.connection import Settings
from tests.corpora import SYNTH


def test_error_figure_is_a_clear_ratio_with_the_counts_in_its_note() -> None:
    clean = {"api": Tally([0.01] * 50, [], 1.0), "raw": Tally([0.005] * 50, [], 0.5)}
    rate, p99, ok = load_figures(clean, clients=4)
    assert (rate.value, rate.baseline_value, rate.ratio) == (50, 100, 0.5)
    assert not p99.higher_is_better and math.isclose(p99.ratio, 2)
    assert (ok.value, ok.baseline_value, ok.ratio) == (100, 100, 1)
    assert "0 errors of 50 GraphQL requests" in ok.note and "0 of 50 raw" in ok.note
    failing = {"api": Tally([0.01] * 50, ["HTTP 502 | bad gateway"], 1.0), "raw": clean["raw"]}
    ok = load_figures(failing, clients=4)[2]
    assert ok.value == 98 and "1 errors of 50" in ok.note and "first: HTTP 502 / bad gateway" in ok.note


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)  # a small graph is enough to run it
def test_load_runs_both_sides_to_the_end_without_errors(seeded: neo4j.Driver, neo4j_settings: Settings,
                                                        local_server_env: dict[str, str]) -> None:
    tallies = measure_load(neo4j_settings, requests=40, seconds=60, clients=4, rounds=2, env=local_server_env)
    for side in ("api", "raw"):
        assert len(tallies[side].seconds) == 40 and tallies[side].errors == [], (side, tallies[side].errors[:3])
    assert [f.value for f in load_figures(tallies, clients=4)][2] == 100
