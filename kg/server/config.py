"""conf/neo4j.conf and the JVM flags of the server and of neo4j-admin."""
from __future__ import annotations

from kg.server.home import Neo4jHome

HEAP_INITIAL = "2g"
HEAP_MAX = "4g"
PAGECACHE = "2g"

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

# The APOC Core procedures and functions a read-mostly graph needs: schema, paths, algorithms, and the
# collection/text/map/conversion helpers. Nothing that reads or writes files or the network (apoc.load.*,
# apoc.export.*, apoc.import.*, apoc.log.*, apoc.cypher.runFile...) is loaded. docker-compose.yml lists the same.
APOC_ALLOWLIST: tuple[str, ...] = (
    "apoc.help", "apoc.version", "apoc.meta.*", "apoc.path.*", "apoc.algo.*", "apoc.neighbors.*",
    "apoc.node.*", "apoc.nodes.*", "apoc.rel.*", "apoc.label.*", "apoc.any.*", "apoc.agg.*", "apoc.coll.*",
    "apoc.text.*", "apoc.map.*", "apoc.convert.*", "apoc.number.*", "apoc.math.*", "apoc.date.*",
    "apoc.temporal.*", "apoc.hashing.*", "apoc.scoring.*", "apoc.stats.*",
)


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
        # APOC: only these load (allowlist), and they may use Neo4j's internal API (unrestricted).
        f"dbms.security.procedures.allowlist={','.join(APOC_ALLOWLIST)}",
        f"dbms.security.procedures.unrestricted={','.join(APOC_ALLOWLIST)}",
        # Browser guides (`:play <url>`) may come from kg serve on this machine.
        "browser.remote_content_hostname_whitelist=localhost,127.0.0.1",
        f"server.memory.heap.initial_size={HEAP_INITIAL}",
        f"server.memory.heap.max_size={HEAP_MAX}",
        f"server.memory.pagecache.size={PAGECACHE}",
        *(f"server.jvm.additional={flag}" for flag in JVM_SERVER_FLAGS),
    ]
    return "\n".join(settings) + "\n"


def write_conf(home: Neo4jHome, bolt_port: int, http_port: int) -> None:
    """Write conf/neo4j.conf and create the folders it names."""
    home.conf_dir.mkdir(parents=True, exist_ok=True)
    home.conf_file.write_text(neo4j_conf(bolt_port, http_port))
    for sub in ("data", "logs", "run", "import", "plugins"):
        (home.root / sub).mkdir(exist_ok=True)

