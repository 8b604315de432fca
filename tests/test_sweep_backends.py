"""Backends: the same sweep on 1 worker, 2 local processes and a Dask cluster is identical."""

from __future__ import annotations

import pandas as pd
import pytest

from hmlsim.errors import ConfigError
from hmlsim.experiments.backends import (
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    make_backend,
)
from hmlsim.experiments.collect import collect, collect_summaries
from hmlsim.experiments.store import ResultStore
from hmlsim.experiments.sweep import SweepSpec, execute_run, plan_runs, run_sweep

SPEC = SweepSpec(
    "sweep_fixtures.toy",
    axes={"r": [1.5, 2.8, 3.3, 3.9], "start": [0.2, 0.6]},
    seeds=2,
    master_seed=123,
    quick=True,
    fixed={"noise": 0.05, "fail_on": 3.9},
)


def tables(store) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("path", "final"):
        table = collect(store, name).sort_values(["run_key", *(["t"] if name == "path" else [])])
        out[name] = table.reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    report = run_sweep(SPEC, out, workers=1, progress=False)
    assert report.done == 12 and len(report.failed) == 4
    return out


def test_two_local_workers_give_identical_tables(serial_store, tmp_path):
    report = run_sweep(SPEC, tmp_path, workers=2, progress=False)
    assert report.done == 12 and len(report.failed) == 4
    assert set(collect_summaries(tmp_path)["threads"]) == {1}
    expected, got = tables(serial_store), tables(tmp_path)
    for name in expected:
        pd.testing.assert_frame_equal(expected[name], got[name])
    assert ResultStore(tmp_path).failed_keys() == ResultStore(serial_store).failed_keys()


def test_dask_local_cluster_gives_identical_tables(serial_store, tmp_path):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        report = run_sweep(SPEC, tmp_path, backend=DaskBackend(client=client), progress=False)
        assert report.done == 12 and len(report.failed) == 4
        # the --scheduler address path opens (and closes) its own client
        again = run_sweep(
            SPEC, tmp_path / "by_address", scheduler=cluster.scheduler_address, progress=False
        )
        assert again.done == 12
    expected = tables(serial_store)
    for store in (tmp_path, tmp_path / "by_address"):
        got = tables(store)
        for name in expected:
            pd.testing.assert_frame_equal(expected[name], got[name])


def test_backends_yield_one_outcome_per_task():
    tasks = plan_runs(
        SweepSpec(
            "sweep_fixtures.toy", axes={"r": [1.0, 2.0, 3.0]}, quick=True, fixed={"fail_on": 2.0}
        )
    )
    outcomes = list(SerialBackend().run(tasks))
    assert [o.key for o in outcomes] == [t.key for t in tasks]
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "failing on purpose" in outcomes[1].error


def test_runs_compute_on_one_thread_unless_told_otherwise():
    task = plan_runs(SweepSpec("sweep_fixtures.toy", axes={"r": [1.0]}, quick=True))[0]
    assert execute_run(task).summary["threads"] == 1
    assert execute_run(task, threads=2).summary["threads"] == 2
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info()]
    execute_run(task)
    assert [pool["num_threads"] for pool in threadpool_info()] == before  # restored


def test_make_backend_choices():
    assert isinstance(make_backend(1), SerialBackend)
    backend = make_backend(3)
    assert isinstance(backend, ProcessBackend) and backend.workers == 3
    assert isinstance(make_backend(4, scheduler="tcp://127.0.0.1:1"), DaskBackend)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ConfigError) as info:
            make_backend(bad)
        assert info.value.field == "workers"


def test_unreachable_scheduler_names_the_field(tmp_path):
    spec = SweepSpec("sweep_fixtures.toy", axes={"r": [1.0]}, quick=True)
    backend = DaskBackend("tcp://127.0.0.1:9", timeout="1s")
    with pytest.raises(ConfigError) as info:
        run_sweep(spec, tmp_path, backend=backend, progress=False)
    assert info.value.field == "scheduler"
    assert "tcp://127.0.0.1:9" in info.value.message
    assert not ResultStore(tmp_path).done_keys()


def test_a_lost_local_worker_stops_the_sweep_keeping_finished_runs(tmp_path):
    spec = SweepSpec(
        "sweep_fixtures.toy",
        axes={"r": [1.0, 2.0, 3.0, 3.5]},
        quick=True,
        fixed={"crash_on": 3.5},
    )
    report = run_sweep(spec, tmp_path, workers=2, progress=False)
    assert report.lost_workers and not report.complete and report.exit_status == 1
    store = ResultStore(tmp_path)
    crashed = {t.key for t in plan_runs(spec) if t.config.r == 3.5}
    assert store.done_keys().isdisjoint(crashed) and not store.failed_keys()
    assert not list((tmp_path / "runs").glob(".tmp-*"))
