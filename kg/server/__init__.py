"""The local Neo4j Community server: its folder and ports, provisioning, config, password and process."""
from kg.server.home import (
                            BOLT_PORT_ENV,
                            HOME_ENV,
                            HTTP_PORT_ENV,
                            USER,
                            Neo4jHome,
                            ServerInfo,
                            bolt_uri,
                            browser_url,
                            find_kg_home,
                            neo4j_home,
                            ports_from_env,
                            read_ports,
)
from kg.server.process import run_admin, running_pid, start, status, stop
from kg.server.provision import is_provisioned, java_executable, provision
from kg.server.secrets import read_password

__all__ = ["BOLT_PORT_ENV", "HOME_ENV", "HTTP_PORT_ENV", "USER", "Neo4jHome", "ServerInfo", "bolt_uri",
           "browser_url", "find_kg_home", "is_provisioned", "java_executable", "neo4j_home", "ports_from_env",
           "provision", "read_password", "read_ports", "run_admin", "running_pid", "start", "status", "stop"]
