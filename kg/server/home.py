"""The local server's folder, ports and addresses."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from kg.errors import KgError
from kg.settings import env_name, settings

USER = "neo4j"
HOME_ENV = env_name("kg_home")
BOLT_PORT_ENV = env_name("bolt_port")
HTTP_PORT_ENV = env_name("http_port")


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
    if (home := settings().kg_home) is not None:
        return home.expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder / ".kg"
    return Path.home() / ".kg"


def neo4j_home(kg_home: Path | None = None) -> Neo4jHome:
    """The local server's folder: `<kg_home>/neo4j`."""
    return Neo4jHome((kg_home or find_kg_home()) / "neo4j")


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
    """The Bolt URI of a local port."""
    return f"bolt://127.0.0.1:{port}"


def browser_url(port: int) -> str:
    """The Neo4j Browser of a local HTTP port."""
    return f"http://127.0.0.1:{port}/browser/"


def browser_connect_url(http_port: int, bolt_port: int, guide: str | None = None) -> str:
    """Neo4j Browser with its connect form filled in (URL, user, database) and, given, a guide to open (`:guide <url>`)."""
    params = {"dbms": f"bolt://{USER}@127.0.0.1:{bolt_port}", "db": "neo4j", "preselectAuthMethod": "NATIVE"}
    if guide:
        params |= {"cmd": "guide", "arg": guide}
    return browser_url(http_port) + "?" + urlencode(params, safe=":/@")


def ports_from_env() -> tuple[int, int]:
    """(bolt, http) ports chosen by KG_NEO4J_BOLT_PORT / KG_NEO4J_HTTP_PORT, else the defaults."""
    conf = settings()
    if conf.bolt_port == conf.http_port:
        raise KgError(f"{BOLT_PORT_ENV} and {HTTP_PORT_ENV} must differ (both {conf.bolt_port})")
    return conf.bolt_port, conf.http_port
