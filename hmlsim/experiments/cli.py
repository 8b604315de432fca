"""``hmlsim run SCENARIO [options]``: run a scenario of ``scenarios/`` and write its outputs."""

from __future__ import annotations

import argparse

from hmlsim.experiments.scenario import load_scenario, scenario_main


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    module = load_scenario(args.scenario)
    return scenario_main(module, extra, prog=f"hmlsim run {args.scenario}")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
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
