"""Neo4j's jars from Maven Central (see neo4j_pom.xml) into `<home>/lib`, and the Java that runs them."""
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
# Named in full, so Maven needs no plugin-prefix lookup and reports the real download error.
COPY_DEPENDENCIES = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"
COMPLETE_MARKER = ".complete"


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


def _pom_text() -> str:
    return resources.files("kg.server").joinpath(POM_RESOURCE).read_text()


def _pom_digest(pom: str) -> str:
    return hashlib.sha256(pom.encode()).hexdigest()


def is_provisioned(home: Neo4jHome) -> bool:
    """True when lib/ holds a complete download for the current pom."""
    marker = home.lib / COMPLETE_MARKER
    return marker.is_file() and marker.read_text().strip() == _pom_digest(_pom_text())


def maven_error(output: str) -> str:
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
    err.print(f"Downloading Neo4j from Maven Central into {home.lib} (first start only)…",
                      soft_wrap=True, highlight=False)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise KgError(f"Maven could not download Neo4j (exit {done.returncode}): "
                      f"{maven_error(done.stdout + done.stderr)}")
    (staging / COMPLETE_MARKER).write_text(_pom_digest(pom))
    shutil.rmtree(home.lib, ignore_errors=True)
    staging.rename(home.lib)
    return True

