"""Sweeps: a scenario run over a grid of parameter values and replicate seeds.

A sweep is declared by a :class:`SweepSpec` (a scenario name, parameter axes,
a replicate count and a master seed), built in Python or read from a TOML file
with :func:`load_spec`. :func:`plan_runs` checks the whole spec and builds every
run's configuration *before* anything runs, so a bad spec fails at once and
names the field. :func:`run_sweep` runs what the result store does not hold
yet, on a backend of :mod:`hmlsim.experiments.backends`, and writes each run
as it lands (:mod:`hmlsim.experiments.store`).

The spec, its checks and every run's key and seed (the *Seeds* and *TOML
format* of a sweep) are :mod:`hmlsim.experiments.sweep_spec`; this module
re-exports them.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmlsim.errors import check_count, check_writable_folder
from hmlsim.experiments.scenario import to_jsonable
from hmlsim.experiments.sweep_spec import (
    MAX_RUNS,
    MAX_WORKERS,
    SPEC_KEYS,
    RunOutcome,
    RunTask,
    SweepSpec,
    canonical,
    load_spec,
    plan_runs,
    resolve_scenario,
    run_key,
    run_seed,
    spec_from_dict,
    validate_spec,
)
from hmlsim.threads import limited_threads

#: the spec's names are re-exported: ``from hmlsim.experiments.sweep import SweepSpec`` works
__all__ = [
    "MAX_RUNS",
    "MAX_WORKERS",
    "SPEC_KEYS",
    "RunOutcome",
    "RunTask",
    "SweepReport",
    "SweepSpec",
    "canonical",
    "execute_run",
    "load_spec",
    "plan_runs",
    "resolve_scenario",
    "run_key",
    "run_seed",
    "run_sweep",
    "spec_from_dict",
    "validate_spec",
]

log = logging.getLogger(__name__)


def execute_run(task: RunTask, threads: int | None = 1) -> RunOutcome:
    """Run one task in the current process and return its outcome; never raises.

    This is the function the backends send to worker processes: a top-level,
    picklable function. An exception in the scenario becomes a failed outcome
    with its error text and traceback (``KeyboardInterrupt`` still propagates).
    ``threads`` caps the compute threads during the run (see
    :func:`limited_threads`; None leaves them alone).
    """
    import time

    started = time.perf_counter()
    try:
        module = importlib.import_module(task.scenario)
        with limited_threads(threads):
            result = module.run(task.config)
        tables = {name: table for name, table in result.tables.items()}
        summary = to_jsonable(result.summary)
        return RunOutcome(
            task.key, True, tables=tables, summary=summary, elapsed_s=time.perf_counter() - started
        )
    except Exception as error:  # every failure is recorded, not raised
        return RunOutcome(
            task.key,
            False,
            error=f"{type(error).__name__}: {error}",
            traceback=traceback.format_exc(),
            elapsed_s=time.perf_counter() - started,
        )


@dataclass
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    total : int
        Runs in the spec.
    skipped : int
        Runs already in the store at the start.
    done : int
        Runs finished in this call.
    failed : list of str
        Keys of the runs that failed in this call.
    unavailable : dict of str to int
        Runs not run because their data are missing (the scenario's
        ``missing_data``), by reason; nothing is stored for them, so they run
        when the sweep is started again with the data there.
    interrupted : bool
        True when Ctrl-C stopped the sweep early.
    lost_workers : bool
        True when worker processes died and the sweep stopped early.
    """

    total: int
    skipped: int = 0
    done: int = 0
    failed: list[str] = field(default_factory=list)
    unavailable: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    lost_workers: bool = False

    @property
    def complete(self) -> bool:
        """True when every run of the spec is in the store."""
        return self.skipped + self.done == self.total

    @property
    def exit_status(self) -> int:
        """0 all done (but those without data), 1 some failed or are missing, 130 interrupted."""
        if self.interrupted:
            return 130
        runnable = self.skipped + self.done + sum(self.unavailable.values()) == self.total
        return 0 if runnable and not self.failed else 1


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    backend: Any = None,
    fmt: str = "parquet",
    progress: bool = True,
    source: str | Path | None = None,
) -> SweepReport:
    """Run every run of ``spec`` that ``out`` does not hold yet.

    Parameters
    ----------
    spec : SweepSpec
        The sweep; validated fully (every Config built) before anything runs.
    out : path
        The result store's folder (created if missing; resumed if present, when
        it was started with the same spec; another spec is refused).
    workers : int
        Local worker processes; 1 runs in this process.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); overrides ``workers``.
    backend : Backend, optional
        A ready backend instance (for example a :class:`~hmlsim.experiments.backends.DaskBackend`
        on a ``LocalCluster``); overrides ``workers`` and ``scheduler``.
    fmt : {"parquet", "csv"}
        File format of the per-run tables.
    progress : bool
        Show a progress bar (runs done, failures, ETA) on stderr.
    source : path, optional
        The spec's file, recorded in the manifest and named when another spec
        is refused.

    Returns
    -------
    SweepReport
        Counts of runs skipped, done and failed; ``exit_status`` for a CLI.
    """
    from hmlsim.experiments.backends import LostWorkers, make_backend
    from hmlsim.experiments.progress import SweepProgress
    from hmlsim.experiments.store import ResultStore, check_same_spec

    tasks = plan_runs(spec)
    workers = check_count("workers", workers, maximum=MAX_WORKERS)
    source = None if source is None else str(source)
    check_same_spec(out, spec.to_dict(), source)
    check_writable_folder("out", out)
    store = ResultStore(out, fmt=fmt)
    store.write_manifest(spec.to_dict(), tasks, source)
    finished = store.done_keys()
    todo = [t for t in tasks if t.key not in finished]
    report = SweepReport(total=len(tasks), skipped=len(tasks) - len(todo))
    missing_data = getattr(resolve_scenario(spec.scenario), "missing_data", None)
    if missing_data is not None:  # e.g. FICO without its file: store nothing, run later
        reasons = {t.key: missing_data(t.config) for t in todo}
        for reason in filter(None, reasons.values()):
            report.unavailable[reason] = report.unavailable.get(reason, 0) + 1
        todo = [t for t in todo if not reasons[t.key]]
    retried = len(store.failed_keys() & {t.key for t in todo})
    log.info(
        "sweep %s: %d runs, %d already done, %d to run (%d failed before, retried)",
        spec.name or spec.scenario,
        len(tasks),
        report.skipped,
        len(todo),
        retried,
    )
    if not todo:
        return report
    by_key = {t.key: t for t in todo}
    runner = backend if backend is not None else make_backend(workers=workers, scheduler=scheduler)
    runner.start()
    runnable = len(tasks) - sum(report.unavailable.values())
    bar = SweepProgress(total=runnable, initial=report.skipped, enabled=progress)
    from hmlsim.experiments.markdown import code_version

    commit = code_version()  # the code this process sends to the workers
    stream = runner.run(todo)
    try:
        for outcome in stream:
            task = by_key[outcome.key]
            if outcome.ok:
                store.write_run(task, outcome, code_version=commit)
                report.done += 1
            else:
                store.write_failure(task, outcome)
                report.failed.append(task.key)
                log.warning("run %s failed: %s", task.key, outcome.error)
            bar.update(ok=outcome.ok)
    except KeyboardInterrupt:
        report.interrupted = True
        log.warning("interrupted: %d runs finished are kept; start again to resume", report.done)
    except LostWorkers as error:
        report.lost_workers = True
        log.error("%s; %d runs finished are kept; start again to resume", error, report.done)
    finally:
        stream.close()
        bar.close()
        if backend is None:
            runner.close()
    return report
