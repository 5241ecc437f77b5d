"""Where the graph lives: Neo4j connection settings and a verified driver."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable

from kg import server
from kg.errors import KgError
from kg.settings import settings as env_settings

DEFAULT_DATABASE = "neo4j"


@dataclass(frozen=True)
class Settings:
    """How to reach a Neo4j server."""

    uri: str
    user: str
    password: str
    database: str = DEFAULT_DATABASE

    def __repr__(self) -> str:  # keeps the password out of logs and test output
        return f"Settings(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"


def local_settings(home: server.Neo4jHome | None = None,
                   database: str = DEFAULT_DATABASE) -> Settings:
    """The settings of the local server of `kg neo4j start` (ports from its conf, password from its file)."""
    home = home or server.neo4j_home()
    if not home.password_file.is_file():
        raise KgError("no Neo4j configured: run `kg neo4j start`, or set NEO4J_URI "
                      "(and NEO4J_USER / NEO4J_PASSWORD)")
    bolt, _ = server.read_ports(home)
    return Settings(uri=server.bolt_uri(bolt), user=server.USER,
                    password=server.read_password(home), database=database)


def settings() -> Settings:
    """From NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD (/ NEO4J_DATABASE) when NEO4J_URI is set,
    otherwise the local server's."""
    conf = env_settings()
    if conf.neo4j_uri:
        return Settings(uri=conf.neo4j_uri, user=conf.neo4j_user or server.USER,
                        password=conf.neo4j_password, database=conf.neo4j_database)
    return local_settings(database=conf.neo4j_database)


_resolve_settings = settings  # `driver`'s parameter is named `settings` and shadows it


def driver(settings: Settings | None = None, **config: Any) -> neo4j.Driver:
    """A driver whose connectivity is verified; KgError with a one-line reason otherwise.

    config: extra neo4j driver options (e.g. liveness_check_timeout=0).
    """
    s = settings or _resolve_settings()
    # kg's queries name every property of the model; one no node has yet is normal, not worth a warning line.
    config.setdefault("notifications_disabled_categories", [neo4j.NotificationDisabledCategory.UNRECOGNIZED])
    try:
        drv = neo4j.GraphDatabase.driver(s.uri, auth=(s.user, s.password), **config)
    except (ConfigurationError, ValueError) as exc:
        raise KgError(f"bad Neo4j URI {s.uri!r}: {exc}") from None
    try:
        drv.verify_connectivity()
    except AuthError:
        drv.close()
        raise KgError(f"Neo4j at {s.uri} rejected user {s.user!r} and its password: check "
                      "NEO4J_USER / NEO4J_PASSWORD, or the local server's password file") from None
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        drv.close()
        raise KgError(f"cannot connect to Neo4j at {s.uri} ({type(exc).__name__}): "
                      "run `kg neo4j start`, or set NEO4J_URI to a running server") from None
    return drv
