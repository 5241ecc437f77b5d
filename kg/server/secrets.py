"""The local server's generated password, kept in a file only its owner can read."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from kg.errors import KgError
from kg.server.home import Neo4jHome


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


Admin = Callable[[list[str]], CompletedProcess[str]]  # runs neo4j-admin with these arguments


def ensure_initial_password(home: Neo4jHome, admin: Admin) -> None:
    """Before the system database exists, set the stored (or a new random) password."""
    if home.system_db.exists():
        return
    password = (home.password_file.read_text().strip() if home.password_file.is_file()
                else "kg" + secrets.token_urlsafe(18))  # never a leading "-": neo4j-admin reads it as an option
    done = admin(["dbms", "set-initial-password", password])
    if done.returncode != 0:
        last = ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1]
        raise KgError(f"neo4j-admin could not set the initial password: {last}")
    _write_secret(home.password_file, password)

