"""``hmlsim reproduce teamrules``: plan, run (resumably) and report the TeamRules reproduction."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from hmlsim.errors import ConfigError, check_writable_folder, read_text_file
from hmlsim.experiments.scenario import write_json
from hmlsim.experiments.store import ResultStore
from hmlsim.experiments.sweep import SweepReport, SweepSpec, run_sweep

#: the master seed of the reproduction (each unit's seed derives from it and the unit)
MASTER_SEED = 2024
UNITS_MODULE = "hmlsim.reproduce.units"


def fico_availability() -> tuple[bool, str]:
    """Whether the FICO file is found here, and the note for the report when it is not."""
    from hmlsim.data.loaders import DEFAULT_FICO_PATH, resolve_fico_path

    if resolve_fico_path("") is not None:
        return True, ""
    return False, (
        "not run: the FICO HELOC file was not found (it may not be redistributed). Set "
        f"HMLSIM_FICO_PATH to heloc_dataset_v1.csv, or place it at {DEFAULT_FICO_PATH}, "
        "and run the same command again: the finished units are kept"
    )


def check_method(method: str) -> str:
    """``method`` if it is one of :data:`METHODS`, else a ConfigError naming ``--method``."""
    from hmlsim.scenarios._teamrules_common import METHODS

    if method not in METHODS:
        raise ConfigError(
            "--method",
            f"must be one of {', '.join(METHODS)} (hmlsim's settings, or the TeamRules "
            f"authors' wherever they differ); got {method!r}",
        )
    return method


DATASETS = ("heart", "fico", "hr")


def check_datasets(datasets: tuple[str, ...] | None) -> tuple[str, ...]:
    """The Figure-2 datasets asked for (default all), else a ConfigError naming ``--datasets``."""
    if datasets is None:
        return DATASETS
    chosen = tuple(dict.fromkeys(datasets))
    if not chosen or not set(chosen) <= set(DATASETS):
        raise ConfigError(
            "--datasets", f"must name one or more of {', '.join(DATASETS)}; got {datasets!r}"
        )
    return chosen


def reproduction_spec(
    quick: bool = False,
    seed: int = MASTER_SEED,
    method: str = "hmlsim",
    datasets: tuple[str, ...] | None = None,
) -> tuple[SweepSpec, str]:
    """The sweep of every unit that can run here, and the note on the datasets left out.

    ``method`` (:func:`check_method`) is a fixed field of every unit and part of
    the sweep's name (``reproduce-teamrules-authors`` for the authors' settings).
    ``datasets`` limits Figure 2 and C.1 to these datasets (the heart studies
    always run); the claims of the others are ``not_run`` with the note.
    """
    from hmlsim.reproduce.units import plan_units

    check_method(method)
    asked = check_datasets(datasets)
    has_fico, note = fico_availability()
    if "fico" not in asked:
        note = "not run: left out of this reproduction with --datasets " + ",".join(asked)
    datasets = tuple(d for d in asked if d != "fico" or has_fico)
    spec = SweepSpec(
        scenario=UNITS_MODULE,
        axes={"unit": plan_units(quick=quick, datasets=datasets)},
        seeds=1,
        master_seed=int(seed),
        fixed={"size": "quick" if quick else "full", "method": method},
        name="reproduce-teamrules"
        + ("-authors" if method == "authors" else "")
        + ("-quick" if quick else ""),
    )
    return spec, note


def reproduce_teamrules(
    out: str | Path,
    *,
    quick: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    diagnoses: str | Path | None = None,
    command: str | None = None,
    seed: int = MASTER_SEED,
    compare: dict[str, str | Path] | None = None,
    method: str = "hmlsim",
    datasets: tuple[str, ...] | None = None,
    report_only: bool = False,
) -> tuple[SweepReport, dict[str, Any]]:
    """Run every unit of the TeamRules reproduction not yet in ``out``, then write the report.

    Parameters
    ----------
    out : path
        The reproduction's folder: ``runs/`` (the store; resumed when present),
        ``timing.json``, ``claims.json``, ``report.md`` and the figures.
    quick : bool
        One split per study at the scenarios' ``QUICK`` sizes (CI); the claims
        cover the same studies and panels.
    workers : int
        Local worker processes (each unit runs on one thread).
    scheduler : str, optional
        Address of a Dask scheduler; the units then run on its workers
        (which must find FICO through ``HMLSIM_FICO_PATH`` themselves).
    progress : bool
        Show the sweep's progress bar.
    diagnoses : path, optional
        A Markdown file appended to the report as its diagnoses section.
    command : str, optional
        The command line to record (default: this process's arguments).
    seed : int, default :data:`MASTER_SEED`
        The master seed every unit's seed derives from. Another seed is another
        draw of the same reproduction (splits are the paper's; experts' draws,
        annealing and evaluation change): run it into another ``out`` to see
        which verdicts the randomness decides.
    compare : dict, optional
        Name -> folder of another reproduction, shown beside this one in the
        report (:func:`hmlsim.reproduce.report.write_report`).
    datasets : tuple of str, optional
        Figure 2's datasets to run (default all three); e.g. leave out FICO,
        whose units are the longest, and say so in the report.
    report_only : bool
        Run nothing: write the report from the runs stored in ``out`` (whatever
        their seed, method or code version), e.g. after the ledger changed.
    method : {"hmlsim", "authors"}, default "hmlsim"
        hmlsim's settings of the advisors, or the TeamRules authors' wherever
        they differ (every eligible rule scored in an add move, no cost per
        rule, p̂(y | x) by XGBoost read in-sample;
        :data:`hmlsim.scenarios._teamrules_common.AUTHORS_PARAMS`). Each unit
        keeps its seed, so the two methods' runs are paired; run each into
        its own ``out``.

    Raises
    ------
    ConfigError
        ``--seed`` when ``out`` holds runs of another master seed, ``--method``
        when ``method`` is not accepted or ``out`` holds runs of the other method.

    Returns
    -------
    report : SweepReport
        Units done, skipped and failed.
    written : dict
        :func:`hmlsim.reproduce.report.write_report`'s result.
    """
    from hmlsim.experiments.markdown import code_version
    from hmlsim.reproduce.report import write_report

    out = check_writable_folder("--out", out)
    notes = None
    if diagnoses is not None:
        notes = read_text_file("diagnoses", diagnoses)
    spec, fico_note = reproduction_spec(quick, seed, method, datasets)
    store = ResultStore(out / "runs")
    if report_only:
        return _report_only(out, store, command, fico_note, notes, compare)
    if store.manifest_path.exists():
        stored_spec = store.manifest()["spec"]
        stored = stored_spec.get("master_seed")
        if stored != spec.master_seed:
            raise ConfigError(
                "--seed",
                f"{out} holds runs of master seed {stored}; give --seed {stored} to resume "
                f"them, or another --out for seed {spec.master_seed}",
            )
        stored = stored_spec.get("fixed", {}).get("method", "hmlsim")
        if stored != method:
            raise ConfigError(
                "--method",
                f"{out} holds runs of method {stored}; give --method {stored} to resume "
                f"them, or another --out for method {method}",
            )
    before = store.done_keys()
    commit = code_version()  # the code the units run with, read before they start
    started, cpu_started = time.time(), time.process_time()
    report = run_sweep(spec, out / "runs", workers=workers, scheduler=scheduler, progress=progress)
    timing_path = out / "timing.json"
    timing = json.loads(timing_path.read_text()) if timing_path.exists() else []
    timing.append(
        {
            "command": command or shlex.join(["hmlsim", *sys.argv[1:]]),
            "commit": commit,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "wall_s": round(time.time() - started, 1),
            "driver_cpu_s": round(time.process_time() - cpu_started, 1),
            "units_s": round(
                sum(store.run_info(k)["elapsed_s"] for k in store.done_keys() - before), 1
            ),
            "method": method,
            "workers": 0 if scheduler else int(workers),
            "scheduler": scheduler or "",
            "cpus": os.cpu_count(),
            "units_done": report.done,
            "units_failed": len(report.failed),
            "units_total": report.total,
        }
    )
    write_json(timing_path, timing)
    written = write_report(out, fico_note=fico_note, diagnoses=notes or "", compare=compare)
    return report, written


def _report_only(
    out: Path,
    store: ResultStore,
    command: str | None,
    fico_note: str,
    notes: str | None,
    compare: dict[str, str | Path] | None,
) -> tuple[SweepReport, dict[str, Any]]:
    """The report of the runs stored in ``out``, recorded in timing.json as a report-only start."""
    from hmlsim.experiments.markdown import code_version
    from hmlsim.reproduce.report import check_runs_folder, write_report

    check_runs_folder("--report-only", out)
    planned = store.manifest()["runs"]
    timing_path = out / "timing.json"
    timing = json.loads(timing_path.read_text()) if timing_path.exists() else []
    timing.append(
        {
            "command": command or shlex.join(["hmlsim", *sys.argv[1:]]),
            "commit": code_version(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "report_only": True,
            "units_done": 0,
            "units_total": len(planned),
        }
    )
    write_json(timing_path, timing)
    written = write_report(out, fico_note=fico_note, diagnoses=notes or "", compare=compare)
    done = len(store.done_keys() & {run["key"] for run in planned})
    return SweepReport(total=len(planned), skipped=done), written
