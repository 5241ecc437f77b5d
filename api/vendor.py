"""Browser files vendored from npm into the package (GraphiQL's, YASGUI's): each pinned by npm version and
sha384 (the hash an `integrity` attribute checks), checked before it is written or served."""
from __future__ import annotations

import base64
import hashlib
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError

NPM_TIMEOUT_S = 300
# file -> (npm package@version, path inside its tarball, sha384)
Pins = dict[str, tuple[str, str, str]]


def sri(data: bytes) -> str:
    """The base64 sha384 digest of `data`, as in an `integrity` attribute."""
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


@dataclass(frozen=True)
class Vendored:
    """One page's vendored files: where they live, the URL they are served from, and their pins."""

    name: str  # for messages: "GraphiQL"
    directory: Path
    url: str
    pins: Pins

    def missing(self, directory: Path | None = None) -> list[str]:
        """The files not in `directory` (default: the package's) with their pinned hash."""
        folder = directory or self.directory
        return [name for name, (_, _, digest) in self.pins.items()
                if not (folder / name).is_file() or sri((folder / name).read_bytes()) != digest]

    def tags(self, names: list[str]) -> str:
        """<link> and <script> tags loading `names` from `url`, each with its pin as integrity."""
        return "\n".join(
            f'<link rel="stylesheet" href="{self.url}/{name}" integrity="sha384-{self.pins[name][2]}">'
            if name.endswith(".css") else
            f'<script src="{self.url}/{name}" integrity="sha384-{self.pins[name][2]}"></script>' for name in names)

    def refresh(self, directory: Path | None = None) -> list[str]:
        """Maintainers: `npm pack` the pinned packages and write every file missing or differing; their names."""
        folder = directory or self.directory
        names = self.missing(folder)
        if names:
            folder.mkdir(parents=True, exist_ok=True)
            self._fetch_into(folder, names)
        return names

    def _fetch_into(self, directory: Path, names: list[str]) -> None:
        """`npm pack` the packages of `names` into a temporary folder and write those files from them."""
        packages = sorted({self.pins[n][0] for n in names})
        with tempfile.TemporaryDirectory() as tmp:
            try:
                done = subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, *packages],
                                      capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise KgError(f"cannot fetch {self.name} with npm ({exc}); install Node.js/npm") from None
            if done.returncode != 0:
                raise KgError(f"npm pack {' '.join(packages)} failed: {done.stderr.strip()[-300:]}")
            for name in names:
                package, member, digest = self.pins[name]
                base, _, version = package.rpartition("@")
                tarball = f"{base.lstrip('@').replace('/', '-')}-{version}.tgz"  # @scope/name: scope-name-1.0.tgz
                with tarfile.open(Path(tmp) / tarball) as tar:
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                if sri(data) != digest:
                    raise KgError(f"{package}/{member} from npm has sha384 {sri(data)}, not the pinned {digest}: "
                                  "pin the new hash if the version changed on purpose")
                (directory / name).write_bytes(data)
