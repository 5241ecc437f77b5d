"""Provision, start, stop and inspect a local Neo4j Community server (`kg neo4j ...`).

The server's jars come from Maven Central (see neo4j_pom.xml) into `<KG_HOME>/neo4j/lib`;
KG_HOME defaults to `.kg` beside the project's pyproject.toml, else `~/.kg`.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import neo4j
import typer
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable
from rich.console import Console

from kg.errors import KgError

USER = "neo4j"
DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474
BOLT_PORT_ENV = "KG_NEO4J_BOLT_PORT"
HTTP_PORT_ENV = "KG_NEO4J_HTTP_PORT"
HOME_ENV = "KG_HOME"
MIN_JAVA = 17
HEAP_INITIAL = "2g"
HEAP_MAX = "4g"
PAGECACHE = "2g"
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
POM_RESOURCE = "neo4j_pom.xml"
# Named in full, so Maven needs no plugin-prefix lookup and reports the real download error.
COPY_DEPENDENCIES = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"
COMPLETE_MARKER = ".complete"

# What both the server and neo4j-admin need on Java 17: module openings for Neo4j and Netty.
JVM_BASE_FLAGS: tuple[str, ...] = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dfile.encoding=UTF-8",
)
# The official 5.26 neo4j.conf defaults, minus -XX:+AlwaysPreTouch: touching the whole
# heap up front slows every start of a developer's server for no gain here.
JVM_SERVER_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
    *JVM_BASE_FLAGS,
)

console = Console()
err_console = Console(stderr=True)


@dataclass(frozen=True)
class Neo4jHome:
    """The folder of one local server: jars, conf, data, logs, pid and password files."""

    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def console_log(self) -> Path:
        """The JVM's stdout/stderr (crashes before logging starts); the server logs to neo4j.log."""
        return self.logs / "console.log"

    @property
    def neo4j_log(self) -> Path:
        return self.logs / "neo4j.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "run" / "kg-neo4j.pid"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    @property
    def system_db(self) -> Path:
        return self.root / "data" / "databases" / "system"


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running local server."""

    uri: str
    user: str
    password: str = field(repr=False)
    browser: str
    version: str
    pid: int
    home: str


def find_kg_home(start: Path | None = None) -> Path:
    """KG_HOME, else `.kg` in the nearest folder upward holding pyproject.toml, else ~/.kg."""
    if env := os.environ.get(HOME_ENV):
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder / ".kg"
    return Path.home() / ".kg"


def neo4j_home(kg_home: Path | None = None) -> Neo4jHome:
    """The local server's folder: `<kg_home>/neo4j`."""
    return Neo4jHome((kg_home or find_kg_home()) / "neo4j")


def _port_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise KgError(f"{name}={raw!r} is not a port number")
    return int(raw)


def read_ports(home: Neo4jHome) -> tuple[int, int]:
    """(bolt, http) ports from the written conf, else from the environment and defaults."""
    bolt, http = ports_from_env()
    if home.conf_file.is_file():
        text = home.conf_file.read_text()
        bolt = _conf_port(text, "bolt") or bolt
        http = _conf_port(text, "http") or http
    return bolt, http


def _conf_port(conf: str, connector: str) -> int | None:
    m = re.search(rf"^server\.{connector}\.listen_address=.*:(\d+)\s*$", conf, re.M)
    return int(m.group(1)) if m else None


def bolt_uri(port: int) -> str:
    return f"bolt://127.0.0.1:{port}"


def browser_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/browser/"


# --- Java, Maven, provisioning -------------------------------------------------------------


def java_executable() -> str:
    """The `java` of JAVA_HOME or PATH, checked to be version 17 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).is_file():
        raise KgError(f"Java {MIN_JAVA}+ not found: install a JDK/JRE {MIN_JAVA} or 21 "
                      "and put `java` on PATH (or set JAVA_HOME)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):  # "1.8" style
        major = int(m.group(2))
    if major < MIN_JAVA:
        raise KgError(f"Java {MIN_JAVA}+ is needed for Neo4j 5, found {java} "
                      f"({out.splitlines()[0] if out else 'unknown version'})")
    return java


def _pom_text() -> str:
    return resources.files("kg").joinpath(POM_RESOURCE).read_text()


def _pom_digest(pom: str) -> str:
    return hashlib.sha256(pom.encode()).hexdigest()


def is_provisioned(home: Neo4jHome) -> bool:
    """True when lib/ holds a complete download for the current pom."""
    marker = home.lib / COMPLETE_MARKER
    return marker.is_file() and marker.read_text().strip() == _pom_digest(_pom_text())


def _maven_error(output: str) -> str:
    """The first telling `[ERROR]` line of a Maven run."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in output.splitlines()]
    errors = [line.removeprefix("[ERROR]").removesuffix("-> [Help 1]").strip()
              for line in lines if line.startswith("[ERROR]")]
    return next((e for e in errors if e), (output.strip().splitlines() or ["no output"])[-1])


def provision(home: Neo4jHome) -> bool:
    """Download the server's jars into lib/ unless complete already; True if it downloaded."""
    if is_provisioned(home):
        return False
    mvn = shutil.which("mvn")
    if not mvn:
        raise KgError("Maven (`mvn`) not found: it is needed once to download Neo4j "
                      "from Maven Central; install Maven 3.8+")
    pom = _pom_text()
    home.root.mkdir(parents=True, exist_ok=True)
    (home.root / "pom.xml").write_text(pom)
    staging = home.root / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(home.root / "pom.xml"), COPY_DEPENDENCIES,
           "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    err_console.print(f"Downloading Neo4j from Maven Central into {home.lib} (first start only)…",
                      soft_wrap=True, highlight=False)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise KgError(f"Maven could not download Neo4j (exit {done.returncode}): "
                      f"{_maven_error(done.stdout + done.stderr)}")
    (staging / COMPLETE_MARKER).write_text(_pom_digest(pom))
    shutil.rmtree(home.lib, ignore_errors=True)
    staging.rename(home.lib)
    return True


def neo4j_conf(bolt_port: int, http_port: int) -> str:
    """The text of conf/neo4j.conf: loopback only, sized for a 2-core / 24 GB machine."""
    settings = [
        "# Written by `kg neo4j start` on every start; edits here are overwritten.",
        "server.directories.data=data",
        "server.directories.logs=logs",
        "server.directories.run=run",
        "server.directories.import=import",
        "server.directories.plugins=plugins",
        "server.directories.lib=lib",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        f"server.bolt.listen_address=:{bolt_port}",
        f"server.http.listen_address=:{http_port}",
        "server.https.enabled=false",
        "server.bolt.tls_level=DISABLED",
        # Server-side routing would listen on a third port (7688) that a second server
        # (the tests') would collide on; a single instance does not need it.
        "dbms.routing.enabled=false",
        "dbms.security.auth_enabled=true",
        "dbms.usage_report.enabled=false",
        # Netty's default 5 s quiet period, once per Bolt connector, made every stop take 10 s.
        "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
        f"server.memory.heap.initial_size={HEAP_INITIAL}",
        f"server.memory.heap.max_size={HEAP_MAX}",
        f"server.memory.pagecache.size={PAGECACHE}",
        *(f"server.jvm.additional={flag}" for flag in JVM_SERVER_FLAGS),
    ]
    return "\n".join(settings) + "\n"


def ports_from_env() -> tuple[int, int]:
    """(bolt, http) ports chosen by KG_NEO4J_BOLT_PORT / KG_NEO4J_HTTP_PORT, else the defaults."""
    bolt = _port_from_env(BOLT_PORT_ENV, DEFAULT_BOLT_PORT)
    http = _port_from_env(HTTP_PORT_ENV, DEFAULT_HTTP_PORT)
    if bolt == http:
        raise KgError(f"{BOLT_PORT_ENV} and {HTTP_PORT_ENV} must differ (both {bolt})")
    return bolt, http


def write_conf(home: Neo4jHome, bolt_port: int, http_port: int) -> None:
    """Write conf/neo4j.conf and create the folders it names."""
    home.conf_dir.mkdir(parents=True, exist_ok=True)
    home.conf_file.write_text(neo4j_conf(bolt_port, http_port))
    for sub in ("data", "logs", "run", "import", "plugins"):
        (home.root / sub).mkdir(exist_ok=True)


# --- password -------------------------------------------------------------------------------


def read_password(home: Neo4jHome) -> str:
    """The generated password of the local server."""
    try:
        return home.password_file.read_text().strip()
    except FileNotFoundError:
        raise KgError(f"no password file {home.password_file}: run `kg neo4j start` first") from None


def _write_secret(path: Path, text: str) -> None:
    """Write a file readable by its owner only (created 600, never briefly wider)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)


def _ensure_initial_password(home: Neo4jHome) -> None:
    """Before the system database exists, set the stored (or a new random) password."""
    if home.system_db.exists():
        return
    password = (home.password_file.read_text().strip() if home.password_file.is_file()
                else "kg" + secrets.token_urlsafe(18))  # never a leading "-": neo4j-admin reads it as an option
    done = run_admin(["dbms", "set-initial-password", password], home=home)
    if done.returncode != 0:
        last = ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1]
        raise KgError(f"neo4j-admin could not set the initial password: {last}")
    _write_secret(home.password_file, password)


# --- processes -------------------------------------------------------------------------------


def _args(pid: int) -> list[str]:
    """A process's command-line arguments, or [] when there is no such process."""
    if Path("/proc/self/cmdline").exists():
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return []
    done = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)],
                          capture_output=True, text=True)
    return done.stdout.split()


def _is_our_server(pid: int, home: Neo4jHome) -> bool:
    """True when pid is a Neo4j server JVM on exactly this home."""
    args = _args(pid)
    return ENTRY_POINT in args and f"--home-dir={home.root}" in args


def _find_server(home: Neo4jHome) -> int | None:
    """Scan /proc (Linux) for this home's server: one whose pid file was lost."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        pid = int(cmdline.parent.name)
        if pid != os.getpid() and _is_our_server(pid, home):
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


def _wait_until_up(home: Neo4jHome, proc: subprocess.Popen[bytes], uri: str, password: str,
                   timeout: float) -> str:
    """Poll Bolt until the server answers a query; returns its version."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            home.pid_file.unlink(missing_ok=True)
            raise KgError(f"Neo4j exited during start-up (exit {proc.returncode}); "
                          f"see {_logs_hint(home)}")
        try:
            return query_version(uri, USER, password)
        except AuthError:
            raise _wrong_password(home, uri) from None
        except (ServiceUnavailable, Neo4jError, OSError):
            pass
        if time.monotonic() > deadline:
            raise KgError(f"Neo4j did not answer on {uri} within {timeout:.0f}s "
                          f"(pid {proc.pid} still running); see {_logs_hint(home)}")
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
    if running_pid(home) is not None:
        return status(home)
    java = java_executable()
    bolt, http = ports or ports_from_env()
    _check_ports_free(bolt, http)
    provision(home)
    write_conf(home, bolt, http)
    _ensure_initial_password(home)
    proc = _launch(home, java)
    version = _wait_until_up(home, proc, bolt_uri(bolt), read_password(home), timeout)
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
        err_console.print(f"Neo4j (pid {pid}) did not stop within {timeout:.0f}s; killing it")
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


# --- the CLI ---------------------------------------------------------------------------------

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _fail(exc: KgError) -> typer.Exit:
    err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _print_info(info: ServerInfo) -> None:
    for key, value in asdict(info).items():
        console.print(f"[bold]{key:9}[/bold] {value}", highlight=False)


@app.command("start")
def start_cmd() -> None:
    """Start the local Neo4j (downloading it on first use); a no-op when it already runs.

    It listens on 127.0.0.1 only: Bolt on $KG_NEO4J_BOLT_PORT (default 7687),
    HTTP and the Browser on $KG_NEO4J_HTTP_PORT (default 7474).

    Its files live in $KG_HOME/neo4j (default: <project>/.kg/neo4j).
    """
    home = neo4j_home()
    try:
        already = running_pid(home) is not None
        info = start(home)
    except KgError as exc:
        raise _fail(exc) from None
    console.print("Neo4j is already running." if already else "Neo4j started.")
    _print_info(info)


@app.command("stop")
def stop_cmd() -> None:
    """Stop the local Neo4j started by `kg neo4j start` (only the process it recorded)."""
    home = neo4j_home()
    try:
        pid = stop(home)
    except KgError as exc:
        raise _fail(exc) from None
    console.print(f"Neo4j (pid {pid}) stopped." if pid else "Neo4j was not running.")


@app.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Print the URI, user, password, Browser URL and version; exit 1 when not running."""
    try:
        info = status()
    except KgError as exc:
        if as_json:
            print(json.dumps({"running": False, "error": str(exc)}))
            raise typer.Exit(1) from None
        raise _fail(exc) from None
    if as_json:
        print(json.dumps({"running": True, **asdict(info)}))
    else:
        _print_info(info)
