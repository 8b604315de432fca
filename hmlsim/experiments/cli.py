"""``hmlsim run SCENARIO [options]`` and ``hmlsim sweep SPEC --out DIR``.

``run`` runs one scenario of ``scenarios/`` and writes its outputs; ``sweep``
runs a scenario over a grid of parameters and seeds into a resumable result
store (see :mod:`hmlsim.experiments.sweep` and ``docs/sweeps.md``).
"""

from __future__ import annotations

import argparse

from hmlsim.experiments.scenario import load_scenario, scenario_main


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    module = load_scenario(args.scenario)
    return scenario_main(module, extra, prog=f"hmlsim run {args.scenario}")


def _sweep(args: argparse.Namespace, extra: list[str]) -> int:
    import logging

    from hmlsim.experiments.sweep import load_spec, run_sweep

    spec = load_spec(args.spec)
    if args.workers is not None and args.workers < 1:
        from hmlsim.errors import ConfigError

        raise ConfigError("--workers", f"expected an integer >= 1, got {args.workers}")
    workers = args.workers if args.workers is not None else 1
    if not args.verbose:  # run failures are summarised below; keep the bar readable
        logging.getLogger("hmlsim.experiments").setLevel(logging.ERROR)
    report = run_sweep(
        spec,
        args.out,
        workers=workers,
        scheduler=args.scheduler,
        fmt=args.format,
        progress=not args.no_progress,
    )
    name = spec.name or spec.scenario
    print(
        f"sweep {name}: {report.total} runs; {report.skipped} were already in {args.out}, "
        f"{report.done} done now, {len(report.failed)} failed"
    )
    if report.failed:
        print(
            f"  failed runs are recorded in {args.out}/failures/ and are retried "
            "when the sweep is started again"
        )
    if report.interrupted:
        print("  interrupted: finished runs are kept; start the same command again to resume")
    if report.lost_workers:
        print("  worker processes died: finished runs are kept; start again to resume")
    return report.exit_status


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` and ``sweep`` sub-commands."""
    from hmlsim.scenarios import SCENARIOS

    parser = subparsers.add_parser(
        "run",
        help="run a scenario and write its tables, figures and summary.json",
        description="Run a scenario. Options after the name go to the scenario "
        "(`hmlsim run NAME --help` lists them).",
        add_help=False,
    )
    parser.add_argument("scenario", help=f"one of: {', '.join(SCENARIOS) or '(none yet)'}")
    parser.set_defaults(handler=_run, accepts_extra=True)

    sweep = subparsers.add_parser(
        "sweep",
        help="run a scenario over a grid of parameters and seeds (resumable)",
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
