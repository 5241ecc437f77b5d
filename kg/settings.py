"""Every environment variable kg reads, in one pydantic-settings object."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.errors import KgError


class Settings(BaseSettings):
    """kg's configuration; each field's env name is in its alias."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True,
                                      env_ignore_empty=True)  # VAR= means unset

    # Neo4j: a server of the user's own when NEO4J_URI is set, else the local one of `kg neo4j start`.
    neo4j_uri: str | None = Field(None, alias="NEO4J_URI")
    neo4j_user: str | None = Field(None, alias="NEO4J_USER")
    neo4j_password: str = Field("", alias="NEO4J_PASSWORD", repr=False)
    neo4j_database: str = Field("neo4j", alias="NEO4J_DATABASE")
    # The local server: its folder and ports.
    kg_home: Path | None = Field(None, alias="KG_HOME")
    bolt_port: int = Field(7687, alias="KG_NEO4J_BOLT_PORT", ge=1, le=65535)
    http_port: int = Field(7474, alias="KG_NEO4J_HTTP_PORT", ge=1, le=65535)
    java_home: Path | None = Field(None, alias="JAVA_HOME")
    import_dir: Path | None = Field(None, alias="KG_IMPORT_DIR")  # where --bulk stages its CSVs
    # `kg bench`'s own server (in <KG_HOME>/bench): ports apart from the local server's, so both can run.
    bench_bolt_port: int = Field(27687, alias="KG_BENCH_BOLT_PORT", ge=1, le=65535)
    bench_http_port: int = Field(27474, alias="KG_BENCH_HTTP_PORT", ge=1, le=65535)
    # RDF and the API.
    base_iri: str = Field("http://localhost:8000", alias="KG_BASE_IRI")
    query_timeout: float = Field(10.0, alias="KG_API_QUERY_TIMEOUT", gt=0)
    compile_queries: bool = Field(True, alias="KG_API_COMPILE")  # root lookups as one statement (docs/graphql.md)
    sparql_timeout: float = Field(10.0, alias="KG_SPARQL_TIMEOUT", gt=0)
    cors_origins: str = Field("", alias="KG_CORS_ORIGINS")
    # Operations: logs, the slow-query log and /metrics (docs/operations.md).
    log_format: Literal["auto", "json", "text"] = Field("auto", alias="KG_LOG_FORMAT")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", alias="KG_LOG_LEVEL")
    slow_query_ms: float = Field(500.0, alias="KG_SLOW_QUERY_MS", ge=0)
    metrics_key: str = Field("", alias="KG_METRICS_KEY", repr=False)
    # `kg serve --workers N` sets these for its worker processes: the address they serve, and prometheus_client's
    # folder of per-process metric files (its own variable), which /metrics sums.
    serve_bind: str | None = Field(None, alias="KG_SERVE_BIND")
    metrics_dir: Path | None = Field(None, alias="PROMETHEUS_MULTIPROC_DIR")
    # Persisted queries: a JSON file {sha256: query} loaded at start; with KG_API_PERSISTED_ONLY, the allowlist.
    persisted_queries: Path | None = Field(None, alias="KG_API_PERSISTED_QUERIES")
    persisted_only: bool = Field(False, alias="KG_API_PERSISTED_ONLY")
    # Author identity (kg/graph/identity.py): the scores two clusters of one name block must reach to merge;
    # unset keeps the defaults there.
    authors_same_name: float | None = Field(None, alias="KG_AUTHORS_SAME_NAME")
    authors_variant: float | None = Field(None, alias="KG_AUTHORS_VARIANT")
    # Access: a bearer token (required by `kg serve` off loopback), per-client rates, the whole-graph /rdf.
    api_key: str = Field("", alias="KG_API_KEY", repr=False)
    rate: float = Field(50.0, alias="KG_API_RATE", ge=0)  # requests per second per client; 0: no limit
    burst: int = Field(200, alias="KG_API_BURST", ge=1)  # requests a client may send at once
    rdf_export: Literal["open", "limited", "off"] = Field("limited", alias="KG_API_RDF")
    rdf_per_minute: int = Field(6, alias="KG_API_RDF_PER_MINUTE", ge=1)  # whole-graph /rdf when limited

    def cors(self) -> list[str]:
        """The origins of KG_CORS_ORIGINS."""
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


def settings() -> Settings:
    """The settings as the environment gives them now; KgError naming a bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = first["loc"][0] if first["loc"] else "a setting"
        raise KgError(f"{name}={first.get('input')!r}: {first['msg']}") from None


def env_name(field: str) -> str:
    """The environment variable behind a setting."""
    alias = Settings.model_fields[field].alias
    assert alias is not None
    return alias
