"""`kg soak`: faults, concurrency and abuse against a local Neo4j of its own, on a `kg synth` corpus.

Each scenario returns a Row of the table `kg soak` prints: how many runs, faults injected, requests that
failed beyond the documented answers, whether the graph came out equal to a clean load, and peak memory.
"""
from __future__ import annotations

import random
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from kg.bench.lab import Lab, PeakRss, Run, fsize_limit, kill_tree, small_filesystem
from kg.server import running_pid

RESUME_S = 30  # after Neo4j answers again, each kind of request must succeed within this
# The API ends a request's reads within its query timeout and 5 s (15 s, api/gate.py); a request slower than
# this, a margin for a machine short of CPU included, hung.
REQUEST_TIMEOUT_S = 20.0


@dataclass
class Row:
    """One line of the soak table."""

    scenario: str
    runs: int = 0
    faults: int = 0
    requests: int = 0
    failed: int = 0
    equal: bool | None = None  # graph equal to a clean load (None: not applicable)
    peak_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    def peak(self, rss: int) -> None:
        """Record a peak RSS in bytes."""
        self.peak_mb = max(self.peak_mb, rss / 2**20)

    def same(self, equal: bool) -> None:
        """And one more graph comparison into `equal`."""
        self.equal = equal if self.equal is None else self.equal and equal


@dataclass
class Corpus:
    """A synthetic corpus and the digests of clean loads of it."""

    pages: Path
    digest: str = ""
    bulk_digest: str = ""
    ingest_s: float = 0.0
    bulk_s: float = 0.0

    def files(self) -> list[Path]:
        """Its page files, sorted."""
        return sorted(p for p in self.pages.rglob("*") if p.is_file())


def make_corpus(lab: Lab, folder: Path, papers: int, seed: int) -> Corpus:
    """Write the corpus and load it cleanly, both ways, to know the graph every fault must end in."""
    run = lab.kg(["synth", "--papers", str(papers), "--seed", str(seed), "-o", str(folder), "--force"])
    if run.code != 0:
        raise RuntimeError(f"kg synth failed: {run.stderr.strip()[-300:]}")
    corpus = Corpus(folder / "pages")
    lab.wipe()
    clean = ingest(lab, corpus)
    corpus.digest, corpus.ingest_s = lab.digest(), clean.seconds
    lab.wipe()
    bulk = ingest(lab, corpus, bulk=True)
    corpus.bulk_digest, corpus.bulk_s = lab.digest(), bulk.seconds
    return corpus


def ingest(lab: Lab, corpus: Corpus, bulk: bool = False, paths: list[Path] | None = None) -> Run:
    """`kg ingest` (or --bulk) of the corpus; RuntimeError unless it succeeds."""
    args = ["ingest", *(str(p) for p in paths or [corpus.pages]), "--batch", "100", *(["--bulk"] if bulk else [])]
    run = lab.kg(args)
    if run.code != 0:
        raise RuntimeError(f"kg {' '.join(args[:1])} failed: {run.stderr.strip()[-400:]}")
    return run


def crash_during_load(lab: Lab, corpus: Corpus, kills: int, rng: random.Random, bulk: bool = False,
                      deadline: float = float("inf")) -> Row:
    """Kill Neo4j or `kg` (in turn) at a random moment of a load, restart, load again: the graph must equal
    a clean load. Runs until `kills` kills landed inside a load: a load that ended before its kill point
    narrows the span later kill points are drawn from (warm loads are faster than the clean one timed).
    A load that still succeeds (`--bulk` starts the server again itself when Neo4j dies while it parses)
    is complete, so it is compared as it is: a user re-runs only a load that failed."""
    row = Row(f"crash during kg ingest{' --bulk' if bulk else ''}")
    expected = corpus.bulk_digest if bulk else corpus.digest
    span = corpus.bulk_s if bulk else corpus.ingest_s
    while row.faults < kills:
        if time.monotonic() > deadline:
            row.notes.append(f"stopped after {row.faults} of {kills} kill points (time limit)")
            break
        victim = "neo4j" if row.runs % 2 == 0 else "kg"
        lab.start()
        lab.wipe()
        args = ["ingest", str(corpus.pages), "--batch", "100", *(["--bulk"] if bulk else [])]
        started = time.monotonic()
        proc = lab.popen(args)
        peak = PeakRss(proc.pid)
        time.sleep(rng.uniform(0.05, 0.95) * span)
        if proc.poll() is None:
            hit = lab.kill() if victim == "neo4j" else kill_tree(proc)
            row.faults += int(hit)
        else:
            span = min(span, time.monotonic() - started)
        proc.communicate()
        row.peak(peak.stop())
        lab.start()  # after a kill of Neo4j, or of `kg --bulk` while it had stopped the server
        row.runs += 1
        if proc.returncode == 0:
            row.same(lab.digest() == expected)
            continue
        again = lab.kg(args)
        if again.code != 0:
            row.failed += 1
            row.notes.append(f"re-run after killing {victim}: {(again.errors() or ['?'])[-1]}")
        row.same(again.code == 0 and lab.digest() == expected)
    return row


def concurrent_loads(lab: Lab, corpus: Corpus, runs: int) -> Row:
    """Two `kg ingest` at once on overlapping thirds of the pages: the same graph as one load."""
    row = Row("two kg ingest at once")
    files = corpus.files()
    third = len(files) // 3
    first, second = files[: 2 * third], files[third:]  # the middle third in both
    lab.start()
    for _ in range(runs):
        lab.wipe()
        procs = [lab.popen(["ingest", *map(str, part), "--batch", "50"]) for part in (first, second)]
        peaks = [PeakRss(p.pid) for p in procs]
        for proc, peak in zip(procs, peaks):
            _, err = proc.communicate()
            row.peak(peak.stop())
            if proc.returncode != 0:
                row.failed += 1
                row.notes.append(err.strip().splitlines()[-1] if err.strip() else "no output")
        row.runs += 1
        row.faults += 1  # the overlap: the same nodes merged by two transactions at once
        row.same(lab.digest() == corpus.digest)
    return row


@dataclass
class Tally:
    """What the clients of a load saw."""

    ok: int = 0
    documented: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    slowest: float = 0.0
    last_ok: float = 0.0
    ok_by_kind: dict[str, float] = field(default_factory=dict)  # when each kind of request last succeeded
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        """Requests made."""
        return self.ok + sum(self.documented.values()) + sum(self.failed.values())


def classify(response: httpx.Response) -> tuple[str, str]:
    """("ok" | "documented" | "failed", why) for one API response."""
    if response.status_code == 503 and response.headers.get("retry-after"):
        return "documented", "503 Retry-After"
    if response.status_code == 429 and response.headers.get("retry-after"):
        return "documented", "429 Retry-After"
    if response.status_code == 404:
        return "documented", "404"
    if response.status_code != 200:
        return "failed", f"HTTP {response.status_code}"
    if response.headers.get("content-type", "").startswith("application/json"):
        errors = response.json().get("errors")
        if errors:
            codes = {(e.get("extensions") or {}).get("code") for e in errors}
            if codes == {"DATABASE_UNAVAILABLE"}:
                return "documented", "GraphQL DATABASE_UNAVAILABLE"
            return "failed", f"GraphQL: {errors[0].get('message', '')[:60]}"
    return "ok", ""


class Serve:
    """`kg serve` of the lab on a loopback port, its log lines in a file of the lab's home."""

    def __init__(self, lab: Lab, port: int, **env: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        # Not a pipe: nobody reads it while the load runs, and once its 64 KiB are full of log lines every
        # write blocks, and with it the server's event loop.
        self.log = lab.kg_home / "serve.log"
        self.proc = lab.popen(["serve", "--host", "127.0.0.1", "--port", str(port)], log=self.log, **env)
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=5) as http:
            while time.monotonic() < deadline:
                try:
                    if http.post(f"{self.url}/graphql", json={"query": "{ stats { papers } }"}).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        kill_tree(self.proc)
        raise RuntimeError(f"kg serve did not come up: {self.log.read_text().strip()[-300:]}")

    def stop(self) -> int:
        """Stop it; the peak RSS it reached."""
        rss = 0
        try:
            rss = psutil.Process(self.proc.pid).memory_info().rss
        except psutil.Error:
            pass
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            kill_tree(self.proc)
        return rss


def _requests(paper_ids: list[str]) -> list[Callable[[httpx.Client, str], httpx.Response]]:
    def graphql(http: httpx.Client, url: str) -> httpx.Response:
        query = "query($id: ID!) { paper(id: $id) { title authors(first: 3) { name } } stats { papers } }"
        return http.post(f"{url}/graphql", json={"query": query, "variables": {"id": random.choice(paper_ids)}})

    def resource(http: httpx.Client, url: str) -> httpx.Response:
        return http.get(f"{url}/resource/paper/{random.choice(paper_ids)}", headers={"Accept": "text/turtle"})

    def rdf(http: httpx.Client, url: str) -> httpx.Response:
        return http.get(f"{url}/rdf", params={"format": "nt", "year": 1990})  # a small, filtered export

    return [graphql, graphql, resource, rdf]


@contextmanager
def traffic(url: str, clients: int, paper_ids: list[str], tally: Tally, api_key: str = "") -> Iterator[None]:
    """`clients` threads sending a mix of GraphQL, /resource and /rdf requests until the block ends."""
    stop = threading.Event()
    kinds = _requests(paper_ids)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def client() -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S * 2, headers=headers) as http:
            while not stop.is_set():
                began = time.monotonic()
                kind = random.choice(kinds)
                try:
                    verdict, why = classify(kind(http, url))
                except httpx.HTTPError as exc:
                    verdict, why = "failed", type(exc).__name__
                took = time.monotonic() - began
                with tally.lock:
                    tally.slowest = max(tally.slowest, took)
                    if took > REQUEST_TIMEOUT_S:
                        tally.failed[f"{kind.__name__} hung past the timeout"] += 1
                    elif verdict == "ok":
                        tally.ok += 1
                        tally.last_ok = time.monotonic()
                        tally.ok_by_kind[kind.__name__] = time.monotonic()
                    else:
                        (tally.documented if verdict == "documented" else tally.failed)[why] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def paper_ids(lab: Lab, limit: int = 200) -> list[str]:
    """Some papers' ids of the loaded graph."""
    from kg.store.connection import driver

    conf = lab.settings()
    with driver(conf) as db:
        records, _, _ = db.execute_query("MATCH (p:Paper) RETURN p.id AS id ORDER BY id LIMIT $n", n=limit,
                                         database_=conf.database)
    return [r["id"] for r in records]


def restart_under_load(lab: Lab, corpus: Corpus, port: int, clients: int, seconds: float, outages: int) -> Row:
    """Clients on `kg serve` while Neo4j is killed and restarted `outages` times: every answer is a success
    or a documented error, none hangs past its timeout, and each kind of request (GraphQL, /resource, /rdf)
    succeeds again within RESUME_S of Neo4j answering, by itself."""
    row = Row(f"Neo4j killed under {clients} clients")
    lab.start()
    ids = paper_ids(lab)
    serve = Serve(lab, port, KG_API_RATE="0")
    tally = Tally()
    kinds = {kind.__name__ for kind in _requests(ids)}
    resumed: list[float] = []
    try:
        with traffic(serve.url, clients, ids, tally):
            for _ in range(outages):
                time.sleep(seconds / (outages + 1) / 2)
                lab.kill()
                row.faults += 1
                down = time.monotonic()
                time.sleep(2)
                lab.start()  # returns once Neo4j answers a query
                back = time.monotonic()
                while time.monotonic() < back + RESUME_S and not all(
                        tally.ok_by_kind.get(kind, 0) > back for kind in kinds):
                    time.sleep(0.2)
                late = sorted(kind for kind in kinds if tally.ok_by_kind.get(kind, 0) <= back)
                if late:
                    row.notes.append(f"{', '.join(late)} did not succeed within {RESUME_S} s of Neo4j's return")
                    row.failed += 1
                else:
                    resumed.append(max(tally.ok_by_kind[kind] for kind in kinds) - back)
                row.notes.append(f"Neo4j down {back - down:.0f} s (restart included)")
                time.sleep(seconds / (outages + 1) / 2)
    finally:
        row.peak(serve.stop())
    row.runs = outages
    row.requests, row.failed = tally.requests, row.failed + sum(tally.failed.values())
    row.equal = lab.digest() == corpus.digest
    if resumed:
        row.notes.append(f"every kind of request succeeded again {max(resumed):.1f} s after Neo4j answered")
    row.notes.append(f"{tally.ok} ok, documented {dict(tally.documented)}, failed {dict(tally.failed)}, "
                     f"slowest {tally.slowest:.1f} s")
    return row


def load_while_serving(lab: Lab, corpus: Corpus, port: int, clients: int) -> Row:
    """`kg ingest` into an empty graph while clients query it: no API error beyond the documented ones."""
    row = Row(f"kg ingest under {clients} clients")
    lab.start()
    ids = paper_ids(lab)
    lab.wipe()
    serve = Serve(lab, port, KG_API_RATE="0")
    tally = Tally()
    try:
        with traffic(serve.url, clients, ids, tally):
            run = ingest(lab, corpus)
            row.peak(run.peak)
    finally:
        row.peak(serve.stop())
    row.runs, row.requests, row.failed = 1, tally.requests, sum(tally.failed.values())
    row.same(lab.digest() == corpus.digest)
    row.notes.append(f"{tally.ok} ok, documented {dict(tally.documented)}, failed {dict(tally.failed)}")
    return row


def rate_limits(lab: Lab, port: int) -> Row:
    """A client that floods the API gets 429s with Retry-After; another client is served meanwhile."""
    row = Row("flood past the rate limit")
    lab.start()
    serve = Serve(lab, port, KG_API_RATE="5", KG_API_BURST="10", KG_API_RDF="off")
    codes: Counter[int] = Counter()
    try:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as flood, httpx.Client(
                timeout=REQUEST_TIMEOUT_S, headers={"Authorization": "Bearer other-client"}) as other:
            for _ in range(60):
                response = flood.post(f"{serve.url}/graphql", json={"query": "{ stats { papers } }"})
                codes[response.status_code] += 1
                if response.status_code == 429 and not response.headers.get("retry-after"):
                    row.failed += 1
            if other.post(f"{serve.url}/graphql", json={"query": "{ stats { papers } }"}).status_code != 200:
                row.failed += 1
                row.notes.append("another client was refused too")
            if other.get(f"{serve.url}/rdf").status_code != 403:
                row.failed += 1
                row.notes.append("KG_API_RDF=off did not refuse the whole-graph export")
    finally:
        row.peak(serve.stop())
    row.runs, row.requests, row.faults = 1, sum(codes.values()) + 2, codes[429]
    if codes[429] == 0:
        row.failed += 1
    row.notes.append(f"status codes {dict(sorted(codes.items()))}")
    return row


def bad_files(folder: Path, big_mb: int = 200, line_mb: int = 50, empties: int = 10_000) -> dict[str, list[Path]]:
    """Hostile inputs by name: a huge page, one huge line, many empty files, bad bytes, a loop, no access."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cases: dict[str, list[Path]] = {}
    big = folder / "big.txt"
    block = ("Some Title Of A Paper\n" + "an abstract " * 60 + "\n").encode()
    with big.open("wb") as fh:
        for _ in range(big_mb * 2**20 // len(block) + 1):
            fh.write(block)
    cases[f"a {big_mb} MB page"] = [big]
    line = folder / "line.txt"
    with line.open("wb") as fh:
        for _ in range(line_mb):
            fh.write(b"x" * 2**20)
    cases[f"one {line_mb} MB line"] = [line]
    empty = folder / "empty"
    empty.mkdir()
    for i in range(empties):
        (empty / f"{i:05d}.txt").touch()
    cases[f"{empties:,} empty files"] = [empty]
    (folder / "latin1.txt").write_bytes("Profil de Jos\xe9\n".encode("latin-1") * 50)
    cases["invalid UTF-8"] = [folder / "latin1.txt"]
    (folder / "nul.txt").write_bytes(b"A title\n\x00\x00binary\n" * 50)
    cases["NUL bytes"] = [folder / "nul.txt"]
    loop = folder / "loop"
    loop.mkdir()
    (loop / "self").symlink_to("self")
    (loop / "back").symlink_to("..")
    cases["a symlink loop"] = [loop]
    locked = folder / "locked.txt"
    locked.write_text("Some Title\n")
    locked.chmod(0)
    cases["an unreadable file"] = [locked]
    return cases


# As root, permissions do not stop a read: drop the capabilities that let root pass them.
NO_DAC = ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--"]


def bad_input(lab: Lab, corpus: Corpus, folder: Path, big_mb: int = 200, line_mb: int = 50,
              empties: int = 10_000) -> list[Row]:
    """Each hostile input through `kg ingest`: a one-line error per file, no traceback, bounded memory,
    the graph as it was."""
    lab.start()
    before = lab.digest()
    rows = []
    for name, paths in bad_files(folder, big_mb, line_mb, empties).items():
        row = Row(f"bad input: {name}")
        prefix: list[str] = []
        if name == "an unreadable file" and psutil.Process().uids().effective == 0 and shutil.which("capsh"):
            prefix = [*NO_DAC, "-c", 'exec "$0" "$@"']
        run = lab.kg(["ingest", *map(str, paths)], prefix=prefix)
        row.runs, row.faults, row.peak_mb = 1, 1, run.peak / 2**20
        errors = run.errors()
        if run.code == 0:  # a large page under the size cap loads: what counts then is its memory
            row.notes.append("loaded")
            before = lab.digest()
            row.equal = None
        else:
            if run.code != 1 or not errors or "Traceback" in run.stderr:
                row.failed += 1
                row.notes.append(f"exit {run.code}: {run.stderr.strip()[-200:]}")
            row.notes.append(errors[0][:200] if errors else "no error line")
            row.same(lab.digest() == before)
        rows.append(row)
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def full_disk(lab: Lab, corpus: Corpus, folder: Path, size_kb: int = 512) -> list[Row]:
    """Bulk import staging and an export onto a filesystem that fills: one clear error, the database as it
    was, no half-written file under the target's name."""
    rows = []
    lab.start()
    with small_filesystem(folder, size_kb) as how:
        prefix = [] if how == "tmpfs" else fsize_limit(size_kb)
        # export: the graph loaded, an earlier export under the target name
        row = Row(f"full disk: kg export ({how if how == 'tmpfs' else 'RLIMIT_FSIZE'})")
        lab.wipe()
        ingest(lab, corpus)
        target = folder / "graph.nt"
        target.write_text("an earlier export\n")
        run = lab.kg(["export", "-f", "nt", "-o", str(target)], prefix=prefix)
        row.runs, row.faults, row.peak_mb = 1, 1, run.peak / 2**20
        intact = target.read_text() == "an earlier export\n" and not list(folder.glob("*.part"))
        if run.code != 1 or len(run.errors()) != 1 or not intact:
            row.failed += 1
        row.notes.append((run.errors() or [run.stderr.strip()[-150:]])[0])
        row.same(lab.digest() == corpus.digest)
        target.unlink()
        rows.append(row)
        # bulk: an empty database, its CSVs staged on the small filesystem
        row = Row(f"full disk: kg ingest --bulk ({how if how == 'tmpfs' else 'RLIMIT_FSIZE'})")
        lab.wipe()
        run = lab.kg(["ingest", "--bulk", str(corpus.pages)], prefix=prefix, KG_IMPORT_DIR=str(folder / "import"))
        row.runs, row.faults, row.peak_mb = 1, 1, run.peak / 2**20
        lab.start()
        if run.code != 1 or len(run.errors()) != 1 or "Traceback" in run.stderr:
            row.failed += 1
        row.notes.append((run.errors() or [run.stderr.strip()[-150:]])[0])
        empty = lab.digest()
        lab.wipe()
        row.same(empty == lab.digest() and not any((folder / "import").glob("*")))
        rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| scenario | runs | faults injected | requests | requests failed | graph equal to a clean load "
             "| peak memory |", "|---|--:|--:|--:|--:|:-:|--:|"]
    for r in rows:
        equal = "n/a" if r.equal is None else ("yes" if r.equal else "**no**")
        lines.append(f"| {r.scenario} | {r.runs} | {r.faults} | {r.requests or ''} | {r.failed} | {equal} "
                     f"| {r.peak_mb:,.0f} MB |")
    return "\n".join(lines)


def neo4j_running(lab: Lab) -> bool:
    """Whether the lab's server runs."""
    return running_pid(lab.home) is not None
