"""The sweep specs shipped in scenarios/sweeps/: valid, and Figure 2 identical on Dask."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hmlsim.cli import main
from hmlsim.experiments.backends import DaskBackend
from hmlsim.experiments.collect import collect, mean_se
from hmlsim.experiments.sweep import load_spec, plan_runs, run_sweep

SWEEPS = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps"


@pytest.mark.parametrize("path", sorted(SWEEPS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_spec_plans_without_error(path):
    spec = load_spec(path)
    tasks = plan_runs(spec)
    assert tasks and len({t.key for t in tasks}) == len(tasks)
    assert len({t.seed for t in tasks}) == len(tasks)


def test_figure2_spec_is_the_papers_grid():
    tasks = plan_runs(load_spec(SWEEPS / "figure2.toml"))
    assert len(tasks) == 3 * 2 * 10
    assert {t.config.alphas for t in tasks} == {(0.0, 0.1, 0.2, 0.3, 0.4, 0.5)}
    assert {t.config.split_seeds for t in tasks} == {(s,) for s in range(20, 30)}
    assert {t.config.datasets for t in tasks} == {("heart",), ("fico",), ("hr",)}


def sorted_table(store: Path, name: str) -> pd.DataFrame:
    return collect(store, name).sort_values("run_key", kind="stable").reset_index(drop=True)


@pytest.mark.slow
def test_figure2_quick_sweep_is_identical_on_the_cli_and_a_dask_cluster(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    spec_path = SWEEPS / "figure2_quick.toml"
    local = tmp_path / "local"
    assert main(["sweep", str(spec_path), "--out", str(local), "--no-progress"]) == 0
    assert "4 done now, 0 failed" in capsys.readouterr().out
    with (
        distributed.LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        report = run_sweep(
            load_spec(spec_path),
            tmp_path / "dask",
            backend=DaskBackend(client=client),
            progress=False,
        )
    assert report.done == 4 and not report.failed
    for name in ("values", "runs"):
        pd.testing.assert_frame_equal(
            sorted_table(local, name), sorted_table(tmp_path / "dask", name)
        )
    values = collect(local, "values")
    stats = mean_se(
        values[values["group"] == "all"], "added_value", ["decision", "variant", "alpha"]
    )
    assert set(stats["n"]) == {2}  # two split seeds per point, the SE band's replicates
