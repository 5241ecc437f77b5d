"""The fault suite's laboratory: a local Neo4j of its own that can be killed and restarted, `kg` commands
run against it as subprocesses, the graph's digest, and the peak memory of a process tree."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from kg import server
from kg.store.connection import Settings, driver, local_settings
from kg.store.digest import graph_digest
from kg.store.schema import wipe_graph

KG = [sys.executable, "-m", "kg"]


class PeakRss:
    """The largest summed RSS of a process and its descendants, sampled every `every` seconds."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid = pid
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Run:
    """A finished `kg` subprocess: exit code, output and peak memory of its tree."""

    code: int
    stdout: str
    stderr: str
    peak: int
    seconds: float

    def errors(self) -> list[str]:
        """Its lines of stderr that report an error."""
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


@dataclass
class Lab:
    """A local Neo4j (its KG_HOME and ports) that the suite may kill, and helpers to drive it."""

    kg_home: Path
    ports: tuple[int, int]
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> server.Neo4jHome:
        """The Neo4j home."""
        return server.neo4j_home(self.kg_home)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a `kg` subprocess aimed at this lab's server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        env.update({server.HOME_ENV: str(self.kg_home), server.BOLT_PORT_ENV: str(self.ports[0]),
                    server.HTTP_PORT_ENV: str(self.ports[1]), "PYTHONUNBUFFERED": "1"})
        return {**env, **self.extra_env, **extra}

    def start(self) -> Settings:
        """Start the server (if it is not running); its settings."""
        server.start(self.home, ports=self.ports)
        return local_settings(self.home)

    def settings(self) -> Settings:
        """How to reach the server."""
        return local_settings(self.home)

    def kill(self) -> bool:
        """SIGKILL the server, as a crash would; False if it was not running."""
        pid = server.running_pid(self.home)
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.05)
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return True

    def wait_for_papers(self, proc: subprocess.Popen[str], at_least: int, timeout: float = 120) -> bool:
        """Wait until the graph holds `at_least` papers while `proc` runs: a point inside a load whatever the
        machine's speed. False if `proc` ended (or the time ran out) first."""
        deadline = time.monotonic() + timeout
        with driver(self.settings(), liveness_check_timeout=0) as db:
            while proc.poll() is None and time.monotonic() < deadline:
                records, _, _ = db.execute_query("MATCH (p:Paper) RETURN count(p) AS n",
                                                 database_=self.settings().database)
                if records[0]["n"] >= at_least:
                    return True
                time.sleep(0.02)
        return False

    def wipe(self) -> None:
        """Empty the graph (schema kept)."""
        with driver(self.settings(), liveness_check_timeout=0) as db:
            wipe_graph(db, self.settings().database)

    def digest(self) -> str:
        """The digest of the whole graph."""
        conf = self.settings()
        with driver(conf, liveness_check_timeout=0) as db:
            return graph_digest(db, conf.database)

    def popen(self, args: Sequence[str], log: Path | None = None, **env: str) -> subprocess.Popen[str]:
        """`kg args` started in a session of its own (so it and its workers can be killed together); its
        output to pipes, or into the file `log` for a long-running process whose pipes nobody reads."""
        if log is None:
            return subprocess.Popen([*KG, *args], env=self.env(**env), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
        with log.open("w") as out:  # the child keeps its own descriptor
            return subprocess.Popen([*KG, *args], env=self.env(**env), stdout=out, stderr=subprocess.STDOUT,
                                    text=True, start_new_session=True)

    def kg(self, args: Sequence[str], timeout: float = 600, prefix: Sequence[str] = (), **env: str) -> Run:
        """Run `kg args` to the end; its exit code, output and peak memory."""
        start = time.perf_counter()
        proc = subprocess.Popen([*prefix, *KG, *args], env=self.env(**env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        peak = PeakRss(proc.pid)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            out, err = proc.communicate()
        return Run(proc.returncode, out, err, peak.stop(), time.perf_counter() - start)


def kill_tree(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL a process started by Lab.popen and every process of its session; False if it was gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def small_filesystem(folder: Path, size_kb: int) -> Iterator[str]:
    """`folder` as a filesystem of `size_kb` KiB: a tmpfs when we may mount one (root), else the folder as
    it is; yields how ("tmpfs" or "none"), for the caller to fall back on RLIMIT_FSIZE."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
        capture_output=True, check=False).returncode == 0
    try:
        yield "tmpfs" if mounted else "none"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fsize_limit(size_kb: int) -> list[str]:
    """A command prefix that runs the rest with RLIMIT_FSIZE (writes past it fail with EFBIG)."""
    return ["prlimit", f"--fsize={size_kb * 1024}"]
