"""The ``hmlsim`` command: one sub-command per job.

Each sub-command lives beside the code it drives (``hmlsim/dynamics/cli.py``
for ``fixed-points``, ``hmlsim/experiments/cli.py`` for ``run`` and ``sweep``,
``hmlsim/visualization/cli.py`` for ``viz``) and exposes
``register(subparsers)``; heavy imports happen inside the handlers so that
``hmlsim --help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from hmlsim.errors import ConfigError

COMMAND_MODULES = (
    "hmlsim.dynamics.cli",
    "hmlsim.experiments.cli",
    "hmlsim.visualization.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="hmlsim",
        description="Simulate human-ML collaboration over deployment epochs.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hmlsim``; returns the exit status (2 for bad input, with a one-line error)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args, extra) or 0)
    except ConfigError as error:
        print(f"hmlsim {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
