"""The ``hmlsim`` command: one sub-command per job.

Each sub-command lives beside the code it drives (``hmlsim/dynamics/cli.py``
for ``fixed-points``, ``hmlsim/experiments/cli.py`` for ``run`` and ``sweep``,
``hmlsim/visualization/cli.py`` for ``viz``) and exposes
``register(subparsers)``. Only the module of the command being run is
imported: ``hmlsim --help`` lists the commands from :data:`COMMANDS` alone, so
it starts without NumPy, pandas or SciPy (``hmlsim.dynamics`` imports
networkx and SciPy as a package). Inside the command modules, heavy imports
happen in the handlers.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import logging
import sys
from collections.abc import Sequence

from hmlsim import __version__
from hmlsim.errors import ConfigError, OneLineParser, os_error_line

#: sub-command -> (module whose ``register`` adds its parser, line for ``hmlsim --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "fixed-points": (
        "hmlsim.dynamics.cli",
        "stable points, basins and learning path of a measured characteristic function",
    ),
    "run": (
        "hmlsim.experiments.cli",
        "run a scenario and write its tables, figures and summary.json",
    ),
    "sweep": (
        "hmlsim.experiments.cli",
        "run a scenario over a grid of parameters and seeds (resumable)",
    ),
    "reproduce": (
        "hmlsim.reproduce.cli",
        "reproduce a paper's results on its own method: claims.json and report.md",
    ),
    "viz": (
        "hmlsim.visualization.cli",
        "start the interactive visualization server (Mesa SolaraViz)",
    ),
}


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv``: the first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser: ``command`` in full, every other sub-command by name only.

    Parameters
    ----------
    command : str, optional
        The sub-command to be parsed; its module is imported and registers
        its parser(s). The other sub-commands get a placeholder that only
        carries their line of ``hmlsim --help`` (from :data:`COMMANDS`).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = OneLineParser(
        prog="hmlsim",
        description="Simulate human-ML collaboration over deployment epochs.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step to stderr")
    parser.add_argument("--version", action="version", version=f"hmlsim {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    if chosen is not None:
        importlib.import_module(chosen).register(subparsers)  # all of that module's commands
    for name, (module, summary) in COMMANDS.items():
        if module != chosen:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hmlsim``; returns the exit status (2 for bad input, with a one-line error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = command_of(argv)
    parser = build_parser(command)
    if command is None and not {"-h", "--help", "--version"} & set(argv):
        parser.print_help(sys.stderr)
        print("hmlsim: error: name a command (listed above)", file=sys.stderr)
        return 2
    if command is not None and command not in COMMANDS:
        close = difflib.get_close_matches(command, COMMANDS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(COMMANDS)}"
        parser.error(f"unknown command {command!r}; {hint}")
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_extra", False):
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args, extra) or 0)
    except ConfigError as error:
        print(f"hmlsim {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # `run`, `sweep` and `reproduce` stop cleanly themselves
        print(f"hmlsim {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as error:  # a full disk, an unreadable file: one line, status 1
        print(f"hmlsim {args.command}: error: {os_error_line(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
