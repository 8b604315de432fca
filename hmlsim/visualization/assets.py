"""Offline front-end assets for the Solara visualization server.

Solara proxies its JavaScript and CSS from a public CDN, which machines without
internet cannot reach (the page then stays blank). The same files are on the
npm registry: :func:`install_assets` fetches them with ``npm pack`` once, at
set-up time, and unpacks each into Solara's proxy cache
(``SOLARA_ASSETS_PROXY_CACHE_DIR``, default ``<sys.prefix>/share/solara/cdn``),
one folder per ``name@version`` as the proxy expects. ``hmlsim viz --setup``
runs it; the server itself never downloads anything.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

#: the npm packages Solara 1.64 and Mesa's altair components load, as the CDN names them
ASSET_PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
    # Solara's Markdown component asks for both on every page load (math and diagrams)
    "mermaid@10.8.0",
    "katex@0.16.9",
)

#: a file inside each package whose presence shows the package is unpacked
_MARKER = "package.json"


def cache_dir() -> Path:
    """Solara's asset proxy cache folder (honours ``SOLARA_ASSETS_PROXY_CACHE_DIR``)."""
    configured = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(configured) if configured else Path(sys.prefix) / "share" / "solara" / "cdn"


def missing_assets(directory: Path | None = None) -> list[str]:
    """The packages of :data:`ASSET_PACKAGES` not yet unpacked in ``directory``."""
    directory = directory or cache_dir()
    return [spec for spec in ASSET_PACKAGES if not (directory / spec / _MARKER).exists()]


def _unpack(tarball: Path, target: Path) -> None:
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(staging, filter="data")
    # npm tarballs hold everything under a top-level "package/" folder
    inner = staging / "package"
    shutil.rmtree(target, ignore_errors=True)
    (inner if inner.is_dir() else staging).rename(target)
    shutil.rmtree(staging, ignore_errors=True)


def install_assets(directory: Path | None = None, npm: str = "npm") -> list[str]:
    """Fetch the missing front-end packages from the npm registry into the proxy cache.

    Parameters
    ----------
    directory : Path, optional
        The proxy cache folder; default :func:`cache_dir`.
    npm : str
        The npm executable.

    Returns
    -------
    list of str
        The packages that were installed (empty when all were there already).

    Raises
    ------
    RuntimeError
        If npm is missing or a package cannot be fetched.
    """
    directory = directory or cache_dir()
    todo = missing_assets(directory)
    if not todo:
        return []
    if shutil.which(npm) is None:
        raise RuntimeError(
            "npm is needed once to fetch the visualization's front-end files "
            "(apt-get install npm, or any Node.js); it was not found on PATH"
        )
    with tempfile.TemporaryDirectory() as scratch:
        for spec in todo:
            log.info("fetching %s from the npm registry", spec)
            done = subprocess.run(
                [npm, "pack", spec, "--silent", "--pack-destination", scratch],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {done.stderr.strip()[-500:]}")
            tarball = Path(scratch) / done.stdout.strip().splitlines()[-1]
            _unpack(tarball, directory / spec)
            tarball.unlink()
    return todo
