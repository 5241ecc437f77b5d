"""Whether `kg serve` may listen where it is asked to: off loopback only with an API key or --open."""
from __future__ import annotations

import ipaddress

from kg.errors import KgError
from kg.settings import env_name


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) is reachable from this machine only."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def check_exposure(host: str, api_key: str, open_access: bool) -> None:
    """KgError when `host` is not loopback and the API would answer anyone without being told so."""
    if is_loopback(host) or api_key or open_access:
        return
    raise KgError(f"--host {host} exposes the API beyond this machine: set {env_name('api_key')} "
                  "(clients then send `Authorization: Bearer <key>`), or pass --open to serve it to anyone")
