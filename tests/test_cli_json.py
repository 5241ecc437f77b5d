"""`kg ingest --json` and `kg export --json`: progress and a summary as JSON lines on stdout, for scripts."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest

from kg import console
from kg.store.connection import Settings
from tests.corpora import CORPORA

SYNTH = CORPORA[0]


def kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"NEO4J_URI": settings.uri, "NEO4J_USER": settings.user, "NEO4J_PASSWORD": settings.password,
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=300)


def events(stdout: str) -> list[dict]:
    """Every stdout line, each of which must be one JSON object with an "event"."""
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(line, dict) and "event" in line for line in lines)
    return lines


def test_ingest_json_reports_progress_and_a_summary(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                    tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 64)
    done = kg(neo4j_settings, "ingest", "--json", str(SYNTH.feed), str(junk))
    assert done.returncode == 1  # a rejected file still fails the command
    lines = events(done.stdout)
    assert lines[0] == {"event": "start", "command": "ingest", "files": 2}
    progress = [line for line in lines if line["event"] == "progress" and line["stage"] == "ingesting"]
    assert progress[-1]["done"] == progress[-1]["total"] == 2
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["pages"] == 1 and summary["papers"] == SYNTH.feed_papers
    assert summary["created"]["papers"] == SYNTH.feed_papers and summary["updated"]["papers"] == 0
    assert summary["relationships"] > 0 and summary["seconds"] >= 0
    assert summary["rejected"] == [f"{junk}: binary file, not a text page"]
    # the human lines stay on stderr, and no table is printed
    assert f"error: {junk}: binary file, not a text page" in done.stderr and "created" not in done.stderr
    again = events(kg(neo4j_settings, "ingest", "--json", str(SYNTH.feed)).stdout)[-1]
    assert again["created"]["papers"] == 0 and again["updated"]["papers"] == SYNTH.feed_papers


def test_export_json_reports_the_triples_it_wrote(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                  tmp_path: Path) -> None:
    assert kg(neo4j_settings, "ingest", str(SYNTH.feed)).returncode == 0
    out = tmp_path / "graph.nt"
    done = kg(neo4j_settings, "export", "--json", "-f", "nt", "-o", str(out), "--batch", "5")
    assert done.returncode == 0, done.stderr
    lines = events(done.stdout)
    assert lines[0] == {"event": "start", "command": "export", "format": "nt", "output": str(out)}
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] > 1  # batches of 5 nodes
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["format"] == "nt" and summary["output"] == str(out)
    assert summary["triples"] == len(out.read_text().splitlines()) > 0
    assert done.stderr == ""


def test_ingest_assignment_and_recluster_report_progress_as_json(clean_db: neo4j.Driver, neo4j_settings: Settings) -> None:
    loaded = kg(neo4j_settings, "ingest", "--json", str(SYNTH.pages / "profile"))
    assert loaded.returncode == 0, loaded.stderr
    stages = [line for line in events(loaded.stdout) if line["event"] == "progress"]
    assert [s["stage"] for s in stages][-1] == "assigning the new mentions"  # after "ingesting": every stage reports
    assert stages[-1]["done"] == stages[-1]["total"] > 0
    done = kg(neo4j_settings, "authors", "recluster", "--all", "--json")
    assert done.returncode == 0, done.stderr
    lines = events(done.stdout)
    assert lines[0] == {"event": "start", "command": "authors recluster", "blocks": "all"}
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress[-1]["stage"] == "clustering name blocks" and progress[-1]["done"] == progress[-1]["total"] > 0
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["blocks"] == progress[-1]["total"] and summary["people"] > 0


def test_export_json_needs_a_file(neo4j_settings: Settings) -> None:
    done = kg(neo4j_settings, "export", "--json")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "error: --json writes JSON lines to stdout, where the RDF goes without -o: give -o FILE\n"


@pytest.mark.parametrize("every_s, shown", [(0.0, [1, 2, 3, 4, 5]), (3600.0, [5])])
def test_progress_events_are_throttled_and_end_with_the_total(monkeypatch: pytest.MonkeyPatch,
                                                              capsysbinary: pytest.CaptureFixture[bytes],
                                                              every_s: float, shown: list[int]) -> None:
    monkeypatch.setattr(console, "EVENT_EVERY_S", every_s)
    assert list(console.progress(range(5), "counting", total=5, json=True)) == list(range(5))
    lines = events(capsysbinary.readouterr().out.decode())
    assert [line["done"] for line in lines] == shown
    assert all(line["event"] == "progress" and line["total"] == 5 and line["stage"] == "counting" for line in lines)


def test_progress_events_of_nothing_say_so(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert list(console.progress([], "reading", json=True)) == []
    [line] = events(capsysbinary.readouterr().out.decode())
    assert line["done"] == 0 and line["total"] is None


def test_ingest_stages_reports_each_stage_on_stderr(clean_db: neo4j.Driver, neo4j_settings: Settings) -> None:
    profile = str(SYNTH.pages / "profile")  # pages with authors, to resolve
    quiet = kg(neo4j_settings, "ingest", profile)
    assert quiet.returncode == 0 and "ingest: " not in quiet.stderr
    clean_db.execute_query("MATCH (n) DETACH DELETE n")
    done = kg(neo4j_settings, "ingest", "--stages", profile)
    assert done.returncode == 0, done.stderr
    labels = [line.split(": ", 1)[1].rsplit(" in ", 1)[0] for line in done.stderr.splitlines()
              if line.startswith("ingest: ")]
    assert labels[:2] == ["loaded the pages", "assigned the new mentions"], done.stderr
    assert labels[-1] == "built the SPARQL store", done.stderr  # there was none: built after the load
    assert all(label.startswith("clustered ") and label.endswith(" name blocks in full")
               for label in labels[2:-1]), done.stderr
    again = kg(neo4j_settings, "ingest", "--stages", str(SYNTH.pages / "feed"))
    assert again.returncode == 0 and "ingest: refreshed the SPARQL store in " in again.stderr, again.stderr


def test_off_a_terminal_progress_is_a_line_at_most_once_a_tick(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    now = iter([0.0, 10.0, 61.0, 62.0, 200.0])
    monkeypatch.setattr(console.time, "monotonic", lambda: next(now))
    with console.Report("ingest").progress("resolving", 9) as tick:  # started at 0
        for done in (1, 2, 3, 4):
            tick(done)
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["ingest: resolving: 2 of 9", "ingest: resolving: 4 of 9"]
    assert captured.out == ""


def test_a_stage_with_json_ends_with_its_total(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    with console.Report("authors recluster", json=True).progress("clustering name blocks") as tick:
        tick(3, 7)
        tick(7)
    lines = events(capsysbinary.readouterr().out.decode())
    assert lines[-1]["stage"] == "clustering name blocks" and lines[-1]["done"] == lines[-1]["total"] == 7


def test_synth_json_reports_progress_and_a_summary(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kg", "synth", "--json", "--papers", "200", "-o", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = events(done.stdout)
    assert lines[0] == {"event": "start", "command": "synth", "papers": 200, "seed": 0, "output": str(tmp_path)}
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress and progress[-1]["stage"] == "writing pages" and progress[-1]["done"] == progress[-1]["total"]
    assert lines[-1]["event"] == "summary" and lines[-1]["pages"]["total"] > 0 and done.stderr == ""
