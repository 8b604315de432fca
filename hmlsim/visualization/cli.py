"""``hmlsim viz [--host 127.0.0.1] [--port 8765] [--setup]``: the interactive visualization server.

``--setup`` fetches Solara's front-end files once (see
:mod:`hmlsim.visualization.assets`); without it the command refuses to start
while those files are missing, because the page would stay blank offline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from hmlsim.errors import ConfigError

#: the Solara app the server runs
APP = Path(__file__).with_name("app.py")


def solara_command(host: str, port: int) -> list[str]:
    """The command line that serves :data:`APP` with Solara."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--no-check-version",  # Solara would ask the package index for its latest version
        # production mode: no install check (a development server's page loads hidden
        # iframes from solara.dev on its first run), no file watcher, minified scripts
        "--production",
    ]


#: environment of the server: Solara's telemetry (Mixpanel, an IP-echo service) off
OFFLINE_ENV: dict[str, str] = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


#: the page offers the dataset TOML files named here (``hmlsim viz --dataset``)
DATASETS_ENV = "HMLSIM_VIZ_DATASETS"


def _checked_datasets(paths: list[str]) -> list[str]:
    """Each ``--dataset`` file read and checked now, as absolute paths (ConfigError names it)."""
    from hmlsim.data.user import is_dataset_toml, load_dataset_spec

    checked = []
    for value in paths:
        if not is_dataset_toml(value):
            raise ConfigError("--dataset", f"must be a dataset TOML file, got {value!r}")
        try:
            load_dataset_spec(value)
        except ConfigError as error:
            raise ConfigError("--dataset", f"{value}: {error}") from None
        checked.append(str(Path(value).resolve()))
    return checked


def check_host(host: str) -> str:
    """An address to listen on: a host name or IP address in ASCII, never empty.

    An empty host would bind every interface; a non-ASCII name fails inside
    the server after it started.
    """
    import re

    if not host:
        raise ConfigError("--host", "give an address to listen on, e.g. 127.0.0.1 (got '')")
    if not re.fullmatch(r"[A-Za-z0-9._:\-]{1,253}", host):
        raise ConfigError(
            "--host",
            f"expected a host name or IP address (ASCII letters, digits, '.', '-', ':'), "
            f"got {host!r}",
        )
    return host


def _viz(args: argparse.Namespace, extra: list[str]) -> int:
    from hmlsim.visualization.assets import cache_dir, install_assets, missing_assets

    if args.setup:
        installed = install_assets()
        print(
            f"front-end files in {cache_dir()}: "
            + (f"installed {', '.join(installed)}" if installed else "all present")
        )
        return 0
    check_host(args.host)
    if not 0 < args.port < 65536:
        raise ConfigError("--port", f"must lie in 1..65535, got {args.port}")
    missing = missing_assets()
    if missing:
        print(
            f"hmlsim viz: error: the page's front-end files are missing from {cache_dir()} "
            f"({', '.join(missing)}); run `hmlsim viz --setup` once (needs the npm registry)",
            file=sys.stderr,
        )
        return 2
    datasets = _checked_datasets(args.dataset or [])
    print(f"hmlsim viz: serving on http://{args.host}:{args.port} (Ctrl-C stops)", flush=True)
    try:
        env = {**os.environ, **OFFLINE_ENV}
        if datasets:
            env[DATASETS_ENV] = os.pathsep.join(datasets)
        return subprocess.call(solara_command(args.host, args.port), env=env)
    except KeyboardInterrupt:
        return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``viz`` sub-command.

    Its line of ``hmlsim --help`` is in :data:`hmlsim.cli.COMMANDS`.
    """
    parser = subparsers.add_parser(
        "viz",
        description="Serve the interactive model page with Solara. Run `hmlsim viz --setup` "
        "once to fetch the page's front-end files; the server itself works offline.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    parser.add_argument(
        "--setup",
        action="store_true",
        help="fetch the front-end files into Solara's cache and exit",
    )
    parser.add_argument(
        "--dataset",
        action="append",
        metavar="FILE.toml",
        help="also offer this dataset TOML file in the page's dataset menu (repeatable; "
        "docs/experts.md, 'Your own data set')",
    )
    parser.set_defaults(handler=_viz)
