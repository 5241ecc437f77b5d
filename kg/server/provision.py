"""Neo4j's jars (neo4j_pom.xml) into `<home>/lib` and its plugins (neo4j_plugins_pom.xml, APOC) into
`<home>/plugins`, from Maven Central; and the Java that runs them."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from kg.console import err
from kg.errors import KgError
from kg.server.home import Neo4jHome
from kg.settings import settings

MIN_JAVA = 17
POM_RESOURCE = "neo4j_pom.xml"
PLUGINS_POM_RESOURCE = "neo4j_plugins_pom.xml"
# Named in full, so Maven needs no plugin-prefix lookup and reports the real download error.
COPY_DEPENDENCIES = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"
COMPLETE_MARKER = ".complete"
PLUGINS_MARKER = ".kg-plugins"  # in plugins/: the plugins pom's digest, then the jars kg put there


def java_executable() -> str:
    """The `java` of JAVA_HOME or PATH, checked to be version 17 or newer."""
    java_home = settings().java_home
    java = str(java_home / "bin" / "java") if java_home else shutil.which("java")
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


def _pom_text(resource: str = POM_RESOURCE) -> str:
    return resources.files("kg.server").joinpath(resource).read_text()


def _pom_digest(pom: str) -> str:
    return hashlib.sha256(pom.encode()).hexdigest()


def _plugins_marker(home: Neo4jHome) -> list[str]:
    """The plugins marker's lines: the digest kg's plugins were fetched for, then their jar names."""
    marker = home.plugins / PLUGINS_MARKER
    return marker.read_text().split() if marker.is_file() else []


def is_provisioned(home: Neo4jHome) -> bool:
    """True when lib/ and plugins/ hold complete downloads for the current poms."""
    marker = home.lib / COMPLETE_MARKER
    return (marker.is_file() and marker.read_text().strip() == _pom_digest(_pom_text())
            and _plugins_marker(home)[:1] == [_pom_digest(_pom_text(PLUGINS_POM_RESOURCE))])


def maven_error(output: str) -> str:
    """The first telling `[ERROR]` line of a Maven run."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in output.splitlines()]
    errors = [line.removeprefix("[ERROR]").removesuffix("-> [Help 1]").strip()
              for line in lines if line.startswith("[ERROR]")]
    return next((e for e in errors if e), (output.strip().splitlines() or ["no output"])[-1])


def _copy_dependencies(home: Neo4jHome, pom: str, name: str, staging: Path, what: str) -> None:
    """`mvn dependency:copy-dependencies` of `pom` (written as `<home>/<name>`) into `staging`."""
    mvn = shutil.which("mvn")
    if not mvn:
        raise KgError("Maven (`mvn`) not found: it is needed once to download Neo4j "
                      "from Maven Central; install Maven 3.8+")
    home.root.mkdir(parents=True, exist_ok=True)
    (home.root / name).write_text(pom)
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(home.root / name), COPY_DEPENDENCIES,
           "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    err.print(f"Downloading {what} from Maven Central into {staging.parent / staging.stem} (once)…",
              soft_wrap=True, highlight=False)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise KgError(f"Maven could not download {what} (exit {done.returncode}): "
                      f"{maven_error(done.stdout + done.stderr)}")


def artifact_of(jar: str) -> str:
    """A jar's artifact name without its version: `commons-lang3-3.12.0.jar` -> `commons-lang3`."""
    return re.sub(r"-\d[^-]*(-.+)?\.jar$", "", jar)


def provision(home: Neo4jHome) -> bool:
    """Download the server's jars into lib/ and its plugins into plugins/ unless there; True if it downloaded."""
    lib = _provision_lib(home)
    plugins = _provision_plugins(home)
    return lib or plugins


def _provision_lib(home: Neo4jHome) -> bool:
    marker = home.lib / COMPLETE_MARKER
    pom = _pom_text()
    if marker.is_file() and marker.read_text().strip() == _pom_digest(pom):
        return False
    staging = home.root / "lib.partial"
    _copy_dependencies(home, pom, "pom.xml", staging, "Neo4j")
    (staging / COMPLETE_MARKER).write_text(_pom_digest(pom))
    shutil.rmtree(home.lib, ignore_errors=True)
    staging.rename(home.lib)
    return True


def _provision_plugins(home: Neo4jHome) -> bool:
    """APOC into plugins/, replacing only the jars kg put there before (a user's own plugins stay)."""
    pom = _pom_text(PLUGINS_POM_RESOURCE)
    old = _plugins_marker(home)
    if old[:1] == [_pom_digest(pom)]:
        return False
    staging = home.root / "plugins.partial"
    _copy_dependencies(home, pom, "plugins-pom.xml", staging, "Neo4j's plugins (APOC)")
    served = {artifact_of(jar.name) for jar in home.lib.glob("*.jar")}
    home.plugins.mkdir(parents=True, exist_ok=True)
    for name in old[1:]:
        (home.plugins / name).unlink(missing_ok=True)
    jars = sorted(jar.name for jar in staging.glob("*.jar") if artifact_of(jar.name) not in served)
    for name in jars:
        (staging / name).rename(home.plugins / name)
    (home.plugins / PLUGINS_MARKER).write_text("\n".join([_pom_digest(pom), *jars]) + "\n")
    shutil.rmtree(staging, ignore_errors=True)
    return True
