"""Start, stop and inspect the local Neo4j Community server, and run neo4j-admin on its home."""
from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict

import neo4j
import psutil
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from kg.console import err
from kg.errors import KgError
from kg.server.config import HEAP_INITIAL, HEAP_MAX, JVM_BASE_FLAGS, JVM_SERVER_FLAGS, write_conf
from kg.server.home import (
    BOLT_PORT_ENV,
    HTTP_PORT_ENV,
    USER,
    Neo4jHome,
    ServerInfo,
    bolt_uri,
    browser_url,
    neo4j_home,
    ports_from_env,
    read_ports,
)
from kg.server.provision import is_provisioned, java_executable, provision
from kg.server.secrets import ensure_initial_password, read_password

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"


def _args(pid: int) -> list[str]:
    """A process's command-line arguments, or [] when there is no such process."""
    try:
        args: list[str] = psutil.Process(pid).cmdline()  # psutil has no type hints
        return args
    except (psutil.Error, OSError):
        return []


def _is_our_server(pid: int, home: Neo4jHome) -> bool:
    """True when pid is a Neo4j server JVM on exactly this home."""
    args = _args(pid)
    return ENTRY_POINT in args and f"--home-dir={home.root}" in args


def _find_server(home: Neo4jHome) -> int | None:
    """This home's server among every process: one whose pid file was lost."""
    wanted = f"--home-dir={home.root}"
    for proc in psutil.process_iter(["cmdline"]):
        args = proc.info["cmdline"] or []
        if proc.pid != os.getpid() and ENTRY_POINT in args and wanted in args:
            pid: int = proc.pid
            return pid
    return None


def running_pid(home: Neo4jHome) -> int | None:
    """The pid of this home's server when it runs; the pid file is kept in step."""
    try:
        pid: int | None = int(home.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        pid = None
    if pid is not None and _is_our_server(pid, home):
        return pid
    pid = _find_server(home)
    if pid is None:
        home.pid_file.unlink(missing_ok=True)
    else:
        home.pid_file.parent.mkdir(parents=True, exist_ok=True)
        home.pid_file.write_text(f"{pid}\n")
    return pid


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same flag as the server, so a port in TIME_WAIT does not count as taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _check_ports_free(bolt: int, http: int) -> None:
    for port, env in ((bolt, BOLT_PORT_ENV), (http, HTTP_PORT_ENV)):
        if _port_in_use(port):
            raise KgError(f"port {port} on 127.0.0.1 is already taken by another process: "
                          f"stop it, or choose another port with {env}")


def _launch(home: Neo4jHome, java: str) -> subprocess.Popen[bytes]:
    classpath = os.pathsep.join(f"{d}/*" for d in (home.plugins, home.conf_dir, home.lib))
    cmd = [java, "-cp", classpath, *JVM_SERVER_FLAGS, f"-Xms{HEAP_INITIAL}", f"-Xmx{HEAP_MAX}",
           ENTRY_POINT, f"--home-dir={home.root}", f"--config-dir={home.conf_dir}"]
    home.logs.mkdir(exist_ok=True)
    with open(home.console_log, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=home.root, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "NEO4J_HOME": str(home.root),
                                     "NEO4J_CONF": str(home.conf_dir)})
    home.pid_file.parent.mkdir(exist_ok=True)
    home.pid_file.write_text(f"{proc.pid}\n")
    return proc


def query_version(uri: str, user: str, password: str) -> str:
    """The server's version from `CALL dbms.components()`; raises neo4j's own errors."""
    # An auto-commit session.run: execute_query would retry (and log) while the server boots.
    with (neo4j.GraphDatabase.driver(uri, auth=(user, password), connection_timeout=3.0) as driver,
          driver.session() as session):
        record = session.run("CALL dbms.components() YIELD versions, edition "
                             "RETURN versions[0] AS version, edition").single(strict=True)
    return f"{record['version']} {record['edition']}"


def _logs_hint(home: Neo4jHome) -> str:
    return f"{home.neo4j_log} and {home.console_log}"


def _wrong_password(home: Neo4jHome, uri: str) -> KgError:
    return KgError(f"Neo4j at {uri} rejected the password in {home.password_file}; "
                   "was it changed by hand? Put the current one in that file")


def _wait_until_up(home: Neo4jHome, pid: int, exit_code: Callable[[], int | None], uri: str,
                   password: str, timeout: float) -> str:
    """Poll Bolt until the server answers a query; returns its version.

    exit_code: None while the server process lives (it may still be starting: another process launched it).
    """
    deadline = time.monotonic() + timeout
    while True:
        if (code := exit_code()) is not None:
            home.pid_file.unlink(missing_ok=True)
            raise KgError(f"Neo4j exited during start-up (exit {code}); see {_logs_hint(home)}")
        try:
            return query_version(uri, USER, password)
        except AuthError:
            raise _wrong_password(home, uri) from None
        except (ServiceUnavailable, Neo4jError, OSError):
            pass
        if time.monotonic() > deadline:
            raise KgError(f"Neo4j did not answer on {uri} within {timeout:.0f}s "
                          f"(pid {pid} still running); see {_logs_hint(home)}")
        time.sleep(0.5)


def _info(home: Neo4jHome, pid: int, version: str) -> ServerInfo:
    bolt, http = read_ports(home)
    return ServerInfo(uri=bolt_uri(bolt), user=USER, password=read_password(home),
                      browser=browser_url(http), version=version, pid=pid, home=str(home.root))


@contextmanager
def _locked(home: Neo4jHome) -> Iterator[None]:
    """Serialise start/stop of one home across processes (two starts would race for its store)."""
    home.root.mkdir(parents=True, exist_ok=True)
    with open(home.root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# --- the public API ------------------------------------------------------------------------


def status(home: Neo4jHome | None = None) -> ServerInfo:
    """The running server's settings and version; KgError when it is not running."""
    home = home or neo4j_home()
    pid = running_pid(home)
    if pid is None:
        raise KgError(f"Neo4j is not running (home {home.root}): start it with `kg neo4j start`")
    info = _info(home, pid, version="")
    try:
        version = query_version(info.uri, info.user, info.password)
    except AuthError:
        raise _wrong_password(home, info.uri) from None
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        raise KgError(f"Neo4j (pid {pid}) runs but does not answer on {info.uri} "
                      f"({type(exc).__name__}); see {_logs_hint(home)}") from None
    return ServerInfo(**{**asdict(info), "version": version})


def start(home: Neo4jHome | None = None, ports: tuple[int, int] | None = None,
          timeout: float = START_TIMEOUT_S) -> ServerInfo:
    """Provision on first use, then start the server unless it runs; waits until Bolt answers.

    ports: (bolt, http), by default from the environment (7687, 7474).
    """
    home = home or neo4j_home()
    with _locked(home):
        return _start_unlocked(home, ports, timeout)


def _start_unlocked(home: Neo4jHome, ports: tuple[int, int] | None, timeout: float) -> ServerInfo:
    if (pid := running_pid(home)) is not None:
        if is_provisioned(home):
            # It may still be starting, or stopping, for a process that was then killed: wait for it as for
            # our own, and start it afresh if it goes.
            def exit_code() -> int | None:
                return None if _is_our_server(pid, home) else -1
            try:
                version = _wait_until_up(home, pid, exit_code, bolt_uri(read_ports(home)[0]),
                                         read_password(home), timeout)
                return _info(home, pid, version)
            except KgError:
                if _is_our_server(pid, home):
                    raise
        else:  # started before its jars or plugins (APOC) changed: restart it on the new ones
            err.print(f"Neo4j (pid {pid}) runs without its current jars or plugins (APOC); restarting it")
            _terminate(home, pid, STOP_TIMEOUT_S)
        ports = ports or read_ports(home)  # on the same ports
    java = java_executable()
    bolt, http = ports or ports_from_env()
    _check_ports_free(bolt, http)
    provision(home)
    write_conf(home, bolt, http)
    ensure_initial_password(home, lambda args: run_admin(args, home=home))
    proc = _launch(home, java)
    version = _wait_until_up(home, proc.pid, proc.poll, bolt_uri(bolt), read_password(home), timeout)
    return _info(home, proc.pid, version)


def stop(home: Neo4jHome | None = None, timeout: float = STOP_TIMEOUT_S) -> int | None:
    """Stop the server this home started (SIGTERM, SIGKILL after timeout); returns its pid."""
    home = home or neo4j_home()
    with _locked(home):
        pid = running_pid(home)
        if pid is not None:
            _terminate(home, pid, timeout)
        return pid


def _terminate(home: Neo4jHome, pid: int, timeout: float) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_our_server(pid, home) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    if _is_our_server(pid, home):
        err.print(f"Neo4j (pid {pid}) did not stop within {timeout:.0f}s; killing it")
        os.kill(pid, signal.SIGKILL)
        while _is_our_server(pid, home):
            _reap(pid)
            time.sleep(0.1)
    home.pid_file.unlink(missing_ok=True)


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (started in this process)."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def run_admin(args: Sequence[str], home: Neo4jHome | None = None, heap: str = "2g",
              capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `neo4j-admin <args>` (org.neo4j.cli.AdminTool) on the provisioned server's home.

    Provisions lib/ first if needed; never raises on a non-zero exit (check returncode).
    """
    home = home or neo4j_home()
    java = java_executable()
    provision(home)
    if not home.conf_file.is_file():
        write_conf(home, *ports_from_env())
    classpath = os.pathsep.join(f"{d}/*" for d in (home.plugins, home.conf_dir, home.lib))
    cmd = [java, "-cp", classpath, *JVM_BASE_FLAGS, f"-Xmx{heap}", ADMIN_TOOL, *args]
    return subprocess.run(cmd, cwd=home.root, capture_output=capture, text=True,
                          env={**os.environ, "NEO4J_HOME": str(home.root),
                               "NEO4J_CONF": str(home.conf_dir)})


