"""Collecting a store into tidy tables, and the standard figures on synthetic tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection

from hmlsim.errors import ConfigError
from hmlsim.experiments.collect import (
    collect,
    mean_se,
    plot_stable_points,
    plot_value_added,
    save_figure,
)
from hmlsim.experiments.sweep import SweepSpec, run_sweep


def synthetic_value_added(seed: int = 0) -> pd.DataFrame:
    """Tidy rows: dataset x advisor x alpha x replicate, with known group means."""
    rng = np.random.default_rng(seed)
    rows = []
    for dataset in ("heart", "hr"):
        for advisor, slope in (("TR", 0.0), ("task-only", -0.4)):
            for alpha in (0.0, 0.1, 0.2, 0.3):
                for replicate in range(5):
                    rows.append(
                        {
                            "dataset": dataset,
                            "advisor": advisor,
                            "alpha": alpha,
                            "replicate": replicate,
                            "added_value": 0.05 + slope * alpha + rng.normal(0, 0.01),
                        }
                    )
    return pd.DataFrame(rows)


def test_mean_se_matches_numpy():
    df = synthetic_value_added()
    stats = mean_se(df, "added_value", ["dataset", "advisor", "alpha"])
    assert len(stats) == 2 * 2 * 4 and (stats["n"] == 5).all()
    group = df[(df.dataset == "hr") & (df.advisor == "TR") & (df.alpha == 0.2)]["added_value"]
    row = stats[(stats.dataset == "hr") & (stats.advisor == "TR") & (stats.alpha == 0.2)].iloc[0]
    assert row["mean"] == pytest.approx(group.mean())
    assert row["se"] == pytest.approx(group.std(ddof=1) / np.sqrt(5))


def test_value_added_figure_draws_one_line_and_band_per_group(tmp_path):
    df = synthetic_value_added()
    fig = plot_value_added(df, x="alpha", y="added_value", hue="advisor", col="dataset")
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax, dataset in zip(axes, ("heart", "hr"), strict=True):
        assert dataset in ax.get_title()
        lines = [line for line in ax.get_lines() if line.get_label() in ("TR", "task-only")]
        assert len(lines) == 2
        task_only = next(line for line in lines if line.get_label() == "task-only")
        expected = mean_se(
            df[(df.dataset == dataset) & (df.advisor == "task-only")], "added_value", ["alpha"]
        )
        np.testing.assert_allclose(task_only.get_ydata(), expected["mean"])
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 2
        # the band spans mean ± SE
        top = bands[0].get_paths()[0].vertices[:, 1].max()
        assert top >= expected["mean"].min()
    path = save_figure(fig, tmp_path / "fig" / "value_added.png")
    assert path.stat().st_size > 5_000


def test_stable_points_figure_shows_each_run_and_the_mean():
    df = pd.DataFrame(
        {
            "advisor": ["TR"] * 4 + ["task-only"] * 3,
            "stable_point": [0.9, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7],
            "start": [0.1, 0.5, 0.1, 0.5, 0.1, 0.5, 0.1],
        }
    )
    fig = plot_stable_points(df, by="advisor", y="stable_point", hue="start")
    ax = fig.get_axes()[0]
    dots = np.concatenate(
        [c.get_offsets()[:, 1] for c in ax.collections if isinstance(c, PathCollection)]
    )
    assert sorted(dots.round(6)) == sorted(df["stable_point"].round(6))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["TR", "task-only"]
    bars = sorted(ax.containers, key=lambda c: c.lines[0].get_xdata()[0])
    means = [bar.lines[0].get_ydata()[0] for bar in bars]
    np.testing.assert_allclose(means, [0.915, 0.6])
    caps = sorted(cap.get_ydata()[0] for cap in bars[0].lines[1])
    se = np.std([0.9, 0.91, 0.92, 0.93], ddof=1) / 2
    np.testing.assert_allclose(caps, [0.915 - se, 0.915 + se])


def test_unknown_column_is_named():
    df = synthetic_value_added()
    with pytest.raises(ConfigError) as info:
        plot_value_added(df, x="alpha", y="value")
    assert info.value.field == "value"
    with pytest.raises(ConfigError) as info:
        plot_stable_points(df, by="expert", y="added_value")
    assert info.value.field == "expert"


def test_collect_concatenates_runs_in_grid_order(tmp_path):
    spec = SweepSpec(
        "sweep_fixtures.toy",
        axes={"r": [2.0, 3.0], "offsets": [0.0, [0.1, 0.2]]},
        seeds=2,
        quick=True,
    )
    run_sweep(spec, tmp_path, progress=False)
    final = collect(tmp_path, "final")
    # one row per offset per run: 2 r x (1 + 2 offsets) x 2 replicates
    assert len(final) == 2 * 3 * 2
    assert final["run_key"].nunique() == 8
    assert list(final.columns[:3]) == ["run_key", "replicate", "seed"]
    assert final.groupby("run_key")["seed"].nunique().eq(1).all()
    assert final["r"].tolist()[:6] == [2.0] * 6
    with pytest.raises(ConfigError) as info:
        collect(tmp_path)  # two tables: the name is needed
    assert info.value.field == "table" and "final" in info.value.message
    with pytest.raises(ConfigError):
        collect(tmp_path / "nowhere", "final")


def test_collect_of_an_empty_store_is_empty(tmp_path):
    spec = SweepSpec("sweep_fixtures.toy", axes={"r": [2.0]}, quick=True, fixed={"fail_on": 2.0})
    run_sweep(spec, tmp_path, progress=False)
    assert collect(tmp_path, "final").empty
