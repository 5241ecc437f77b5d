"""The GraphQL peer of `kg bench --only peer`: @neo4j/graphql (from npm, pinned in kg/bench/peer) served by
Apollo Server over the tests' Neo4j answers every shape the bench times as kg and raw Cypher do, and the load
drives all three without an error."""
from __future__ import annotations

import asyncio

import httpx
import neo4j
import pytest

from kg.bench.peer import SHAPES, check, figures, inputs, install, load, serving
from kg.store.connection import Settings
from tests.conftest import TEST_KG_HOME
from tests.corpora import SYNTH


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_kg_the_peer_and_raw_cypher_answer_alike_and_take_the_load(
        seeded: neo4j.Driver, neo4j_settings: Settings, local_server_env: dict[str, str]) -> None:
    folder = install(TEST_KG_HOME / "graphql-peer")  # npm ci the first time, then only when the lockfile changes
    plans = inputs(seeded, neo4j_settings.database, 40)
    with httpx.Client(timeout=60) as client, serving(neo4j_settings, folder, client, local_server_env) as (urls, pids):
        agreed = check(client, urls, seeded, neo4j_settings.database, plans, count=5)
        for shape in SHAPES:  # not a vacuous agreement: each shape found something for some input
            assert any(agreed[shape.name]), shape.name
        results = {(shape.name, 2): asyncio.run(load(neo4j_settings, urls, pids, shape, plans[shape.name],
                                                     clients=2, seconds=0.6, rounds=1))
                   for shape in SHAPES}
    for key, sides in results.items():
        for side, tally in sides.items():
            assert tally.seconds and tally.errors == [], (key, side, tally.errors[:3])
    rows = figures(results)
    assert len(rows) == 3 * len(SHAPES) and all(row.value > 0 and row.baseline_value > 0 for row in rows)
