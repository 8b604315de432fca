"""``hmlsim reproduce PAPER``: run a paper's studies on its own method and report every claim."""

from __future__ import annotations

import argparse
import shlex

from hmlsim.errors import ConfigError

#: the reproduction's default master seed (``hmlsim.reproduce.teamrules.MASTER_SEED``,
#: written out so that ``--help`` needs no import of the sweep machinery)
MASTER_SEED = 2024
#: the largest seed a sweep accepts (``hmlsim.experiments.scenario.MAX_SEED``)
MAX_SEED = 2**63 - 1

#: the papers that can be reproduced, with their line of ``hmlsim reproduce --help``
PAPERS = {
    "teamrules": "The value of AI advice (TeamRules): Figure 2's nine panels, C.1, "
    "Table 4, the case study and C.5",
}


def _reproduce(args: argparse.Namespace, extra: list[str]) -> int:

    from hmlsim.errors import check_count, read_text_file
    from hmlsim.experiments.sweep import MAX_WORKERS
    from hmlsim.reproduce.teamrules import check_method, reproduce_teamrules

    check_count("--workers", args.workers, maximum=MAX_WORKERS)
    if not 0 <= args.seed <= MAX_SEED:
        raise ConfigError("--seed", f"expected an integer in 0..{MAX_SEED}, got {args.seed}")
    check_method(args.method)
    if args.diagnoses is not None:
        read_text_file("--diagnoses", args.diagnoses)  # a UTF-8 text file, checked before any unit
    compare = _parse_compare(args.compare)
    words = ["hmlsim", "reproduce", args.paper, "--out", str(args.out)]
    words += ["--quick"] if args.quick else []
    words += ["--workers", str(args.workers)] if args.workers != 1 else []
    words += ["--scheduler", args.scheduler] if args.scheduler else []
    words += ["--diagnoses", str(args.diagnoses)] if args.diagnoses else []
    words += ["--seed", str(args.seed)] if args.seed != MASTER_SEED else []
    for name, folder in compare.items():
        words += ["--compare", f"{name}={folder}"]
    words += ["--method", args.method] if args.method != "hmlsim" else []
    words += ["--report-only"] if args.report_only else []
    words += ["--publish", args.publish] if args.publish else []
    words += ["--page", args.page] if args.page else []
    if args.page and not args.publish:
        raise ConfigError("--page", "goes with --publish DIR (the page links into DIR)")
    datasets = None
    if args.datasets is not None:
        from hmlsim.reproduce.teamrules import check_datasets

        datasets = check_datasets(tuple(d.strip() for d in args.datasets.split(",")))
        words += ["--datasets", ",".join(datasets)]
    report, written = reproduce_teamrules(
        args.out,
        quick=args.quick,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        diagnoses=args.diagnoses,
        command=shlex.join(words),
        seed=args.seed,
        compare=compare,
        method=args.method,
        datasets=datasets,
        report_only=args.report_only,
    )
    if args.publish:
        from hmlsim.reproduce.report import publish_report

        publish_report(args.out, args.publish, args.page)
    counts = ", ".join(f"{n} {v}" for v, n in written["verdicts"].items())
    print(
        f"reproduce {args.paper}: {report.total} units; {report.skipped} already in "
        f"{args.out}, {report.done} done now, {len(report.failed)} failed"
    )
    print(f"  reproduced results (kind 'result'): {counts}")
    print(f"  {written['claims']}\n  {written['report']}")
    if report.failed:
        print(f"  failed units are in {args.out}/runs/failures/; the same command retries them")
    if report.interrupted:
        print("  interrupted: finished units are kept; start the same command again to resume")
    return report.exit_status


def _parse_compare(items: list[str] | None) -> dict[str, str]:
    """``NAME=DIR`` items as a dict, each DIR holding a reproduction's runs."""
    from hmlsim.reproduce.report import check_runs_folder

    out: dict[str, str] = {}
    for item in items or []:
        name, _, folder = item.partition("=")
        if not name or not folder or not name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(
                "--compare", f"expected NAME=DIR (NAME of letters, digits, - or _), got {item!r}"
            )
        check_runs_folder("--compare", folder)
        out[name] = folder
    return out


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reproduce`` sub-command (its line of ``hmlsim --help`` is in hmlsim.cli)."""
    parser = subparsers.add_parser(
        "reproduce",
        description="Run every study of a paper on the paper's method as one resumable "
        "sweep, then write claims.json (each published claim, hmlsim's value, its SE, the "
        "runs and a verdict) and report.md with the redrawn figures. Exit status 0 when "
        "every unit ran, 1 when some failed, 130 when interrupted, 2 for bad input.",
    )
    parser.add_argument("paper", choices=tuple(PAPERS), help="; ".join(PAPERS.values()))
    parser.add_argument(
        "--out", required=True, help="folder of the runs and the report (created or resumed)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one split per study at small sizes (CI)"
    )
    parser.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the units on the Dask cluster at ADDRESS (tcp://host:8786)",
    )
    parser.add_argument(
        "--diagnoses",
        default=None,
        metavar="FILE",
        help="Markdown appended to the report: the written diagnosis of each deviation",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=MASTER_SEED,
        help=f"master seed of every unit (default {MASTER_SEED}); another seed is another "
        "draw of the same reproduction, into another --out",
    )
    parser.add_argument(
        "--compare",
        action="append",
        metavar="NAME=DIR",
        help="another reproduction (e.g. authors=DIR of --method authors, seed2025=DIR of "
        "--seed 2025) judged by the same ledger and shown beside this one; repeatable",
    )
    parser.add_argument(
        "--method",
        default="hmlsim",
        help="whose settings the advisors use: hmlsim (default) or authors (the TeamRules "
        "authors' wherever hmlsim's differ: every eligible rule scored in an add move, rule "
        "penalty 0, p̂(y|x) by XGBoost read in-sample); each method into its own --out",
    )
    parser.add_argument(
        "--datasets",
        default=None,
        metavar="LIST",
        help="Figure 2's datasets to run, comma-separated among heart, fico, hr (default: "
        "all three; FICO needs its file). The heart studies (Table 4, case study, C.5) "
        "always run; the claims of a dataset left out are not_run, saying why",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run no unit: write claims.json and report.md from the runs already in --out "
        "(whatever their seed, method or code version), e.g. after the ledger changed",
    )
    parser.add_argument(
        "--publish",
        default=None,
        metavar="DIR",
        help="after the report: copy report.md, claims.json, timing.json, the compared "
        "runs' claims and the figures (not the raw runs) into DIR, e.g. to commit them",
    )
    parser.add_argument(
        "--page",
        default=None,
        metavar="FILE",
        help="with --publish: also write the report as this Markdown page, its figure "
        "links pointing into DIR (e.g. docs/reproduction.md)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_reproduce)
