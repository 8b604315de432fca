"""Sweep throughput: runs per second on 1 and 2 local workers and a Dask LocalCluster.

Runs the same ``dynamics_grid`` sweep (noisy learning paths of a fixed number
of steps, so every run costs the same) into a fresh store for each backend and
prints runs/s and the ratio to the serial run (1 worker, in this process),
all measured in this process. Times include starting the local worker processes
(they are part of a sweep: each spawned worker imports hmlsim afresh) but not
starting the Dask cluster (``--scheduler`` connects to a cluster that already
runs); the start-up of two spawned workers is timed separately and a second
ratio leaves it out. The serial run is timed after a warm-up run, so it does
not pay the scenario's imports. Each backend's store is checked to hold the
same table as the serial one.

    python benchmarks/bench_sweep.py [--runs 64] [--steps 4000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from hmlsim.experiments.backends import DaskBackend
from hmlsim.experiments.collect import collect
from hmlsim.experiments.sweep import SweepSpec, run_sweep


def make_spec(runs: int, steps: int) -> SweepSpec:
    starts = [round(0.05 + 0.9 * i / max(runs - 1, 1), 6) for i in range(runs)]
    return SweepSpec(
        "dynamics_grid",
        axes={"start": starts},
        seeds=1,
        master_seed=1,
        fixed={"noise": 0.01, "epsilon": 1e-12, "max_steps": steps},
    )


def timed(spec: SweepSpec, out: Path, **kwargs) -> float:
    started = time.perf_counter()
    report = run_sweep(spec, out, progress=False, **kwargs)
    elapsed = time.perf_counter() - started
    assert report.done == report.total and not report.failed, report
    return elapsed


def table(out: Path) -> pd.DataFrame:
    return collect(out, "stable").sort_values("run_key").reset_index(drop=True)


def _import_scenario(_: int = 0) -> int:
    import os

    import hmlsim.scenarios.dynamics_grid  # noqa: F401

    return os.getpid()


def worker_startup(workers: int) -> float:
    """Seconds for ``workers`` spawned processes to be up with the scenario imported."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pids = set()
        while len(pids) < workers:  # one call per distinct worker, in parallel
            pids |= set(pool.map(_import_scenario, range(workers)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4000, help="learning-path steps per run")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many timings")
    args = parser.parse_args()
    spec = make_spec(args.runs, args.steps)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def best(name: str, **kwargs) -> None:
            times = [timed(spec, root / f"{name}-{i}", **kwargs) for i in range(args.repeat)]
            results[name] = min(times)

        timed(make_spec(2, 10), root / "warm-up")  # imports, in this process
        best("serial (1 worker)", workers=1)
        best("2 local workers", workers=2)
        startup = worker_startup(2)
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: __import__("hmlsim.scenarios.dynamics_grid"))  # warm imports
            best("Dask LocalCluster (2 workers)", backend=DaskBackend(client=client))
        reference = table(root / "serial (1 worker)-0")
        for name in results:
            pd.testing.assert_frame_equal(reference, table(root / f"{name}-0"))
    serial = results["serial (1 worker)"]
    print(
        f"sweep of {args.runs} dynamics_grid runs x {args.steps} steps "
        f"(identical tables on every backend)"
    )
    print(f"start-up of 2 spawned local workers (import hmlsim, the scenario): {startup:.2f} s")
    print(
        f"{'backend':32s} {'seconds':>8s} {'runs/s':>8s} {'vs serial':>10s} "
        f"{'vs serial, no start-up':>23s}"
    )
    for name, seconds in results.items():
        steady = seconds - startup if name == "2 local workers" else seconds
        print(
            f"{name:32s} {seconds:8.2f} {args.runs / seconds:8.2f} {serial / seconds:9.2f}x "
            f"{serial / steady:22.2f}x"
        )


if __name__ == "__main__":
    main()
