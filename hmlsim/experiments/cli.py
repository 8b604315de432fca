"""``hmlsim run SCENARIO [options]`` and ``hmlsim sweep SPEC --out DIR``.

``run`` runs one scenario of ``scenarios/`` and writes its outputs; ``sweep``
runs a scenario over a grid of parameters and seeds into a resumable result
store (see :mod:`hmlsim.experiments.sweep` and ``docs/sweeps.md``).
``hmlsim run --help`` lists the scenarios with the first line of each module's
docstring, read from the source (:func:`scenario_summaries`): listing them
imports none of them.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import importlib.util
import sys
import tokenize
from pathlib import Path

from hmlsim.errors import ConfigError


def module_summary(path: str | Path) -> str:
    """The first line of a Python source file's module docstring (``""`` if none).

    Reads tokens only up to the docstring, so it costs next to nothing and
    imports nothing.
    """
    with tokenize.open(path) as source:  # honours an encoding declaration
        for token in tokenize.generate_tokens(source.readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE):
                continue
            if token.type != tokenize.STRING:
                return ""
            doc = ast.literal_eval(token.string)
            return doc.strip().splitlines()[0].strip() if doc.strip() else ""
    return ""


def scenario_summaries() -> dict[str, str]:
    """Every scenario's name and the first line of its module docstring.

    The docstrings are read from the source files (:func:`module_summary`); no
    scenario (nor pandas, torch, ...) is imported.

    Returns
    -------
    dict of str to str
        In the order of :data:`hmlsim.scenarios.SCENARIOS`; ``""`` for a module
        without a docstring.
    """
    from hmlsim.scenarios import SCENARIOS

    return {
        name: module_summary(importlib.util.find_spec(f"hmlsim.scenarios.{name}").origin)
        for name in SCENARIOS
    }


def scenario_listing() -> str:
    """The ``scenarios:`` block of ``hmlsim run --help``: one line per scenario."""
    summaries = scenario_summaries()
    width = max(map(len, summaries), default=0)
    lines = [f"  {name:<{width}}  {summary}".rstrip() for name, summary in summaries.items()]
    return "\n".join(["scenarios:", *lines])


def _check_scenario(name: str) -> None:
    """Raise a one-line :class:`ConfigError` for an unknown name, with the closest one."""
    from hmlsim.scenarios import SCENARIOS

    key = Path(name.removesuffix(".py").replace("-", "_")).name  # as load_scenario reads it
    if key in SCENARIOS:
        return
    close = difflib.get_close_matches(key, SCENARIOS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "`hmlsim run --help` lists the scenarios"
    raise ConfigError("scenario", f"unknown scenario {name!r}; {hint}")


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    if args.scenario is None:
        parser.epilog = scenario_listing()
        if "-h" in extra or "--help" in extra:
            parser.print_help()
            return 0
        parser.print_help(sys.stderr)
        print("hmlsim run: error: name a scenario (listed above)", file=sys.stderr)
        return 2
    _check_scenario(args.scenario)
    from hmlsim.experiments.scenario import load_scenario, scenario_main

    module = load_scenario(args.scenario)
    return scenario_main(module, extra, prog=f"hmlsim run {args.scenario}")


def _sweep(args: argparse.Namespace, extra: list[str]) -> int:
    import logging

    from hmlsim.experiments.sweep import load_spec, run_sweep

    spec = load_spec(args.spec)
    from hmlsim.errors import check_count
    from hmlsim.experiments.sweep import MAX_WORKERS

    workers = (
        1 if args.workers is None else check_count("--workers", args.workers, maximum=MAX_WORKERS)
    )
    if not args.verbose:  # run failures are summarised below; keep the bar readable
        logging.getLogger("hmlsim.experiments").setLevel(logging.ERROR)
    report = run_sweep(
        spec,
        args.out,
        workers=workers,
        scheduler=args.scheduler,
        fmt=args.format,
        progress=not args.no_progress,
        source=args.spec,
    )
    name = spec.name or spec.scenario
    print(
        f"sweep {name}: {report.total} runs; {report.skipped} were already in {args.out}, "
        f"{report.done} done now, {len(report.failed)} failed"
    )
    for reason, count in report.unavailable.items():
        print(f"  {reason}: {count} runs not run (nothing stored; they run once it is there)")
    if report.failed:
        print(
            f"  failed runs are recorded in {args.out}/failures/ and are retried "
            "when the sweep is started again"
        )
    if report.interrupted:
        print("  interrupted: finished runs are kept; start the same command again to resume")
    if report.lost_workers:
        print("  worker processes died: finished runs are kept; start again to resume")
    if report.exit_status == 0:
        _write_sweep_report(spec, Path(args.out))
    return report.exit_status


def _write_sweep_report(spec, out: Path) -> None:
    """The scenario's report over the whole store, where it has one (``summarise_store``)."""
    from hmlsim.experiments.scenario import write_result
    from hmlsim.experiments.sweep import resolve_scenario

    module = resolve_scenario(spec.scenario)
    summarise = getattr(module, "summarise_store", None)
    if summarise is None:
        return
    result = summarise(out)
    written = write_result(module, spec, result, out / "report")
    print(f"  report over every run of the store: {written[1]}")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` and ``sweep`` sub-commands.

    Their lines of ``hmlsim --help`` are in :data:`hmlsim.cli.COMMANDS`.
    """
    parser = subparsers.add_parser(
        "run",
        usage="%(prog)s SCENARIO [options]",
        description="Run a scenario and write its tables, figures and summary.json. Options\n"
        "after the name go to the scenario (`hmlsim run SCENARIO --help` lists them).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,  # `hmlsim run SCENARIO --help` is the scenario's help
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="one of those below")
    parser.set_defaults(handler=functools.partial(_run, parser), accepts_extra=True)

    sweep = subparsers.add_parser(
        "sweep",
        description="Run the sweep declared in a TOML spec into a result store. Runs already "
        "in the store are skipped, failed ones retried; exit status 0 when every run is "
        "done, 1 when some failed, 130 when interrupted, 2 for a bad spec.",
    )
    sweep.add_argument("spec", help="sweep spec (TOML), e.g. scenarios/sweeps/dynamics_grid.toml")
    sweep.add_argument("--out", required=True, help="result store folder (created or resumed)")
    sweep.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default 1: in this process)",
    )
    sweep.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on the Dask cluster at ADDRESS (tcp://host:8786)",
    )
    sweep.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format of the per-run tables",
    )
    sweep.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    sweep.set_defaults(handler=_sweep)
