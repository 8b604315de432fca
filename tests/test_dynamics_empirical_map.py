"""The empirical learning map of simulated runs: fixed points, SEs, basins, only where visited."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

import hmlsim.dynamics.learners
from hmlsim.dynamics import (
    EmpiricalLearningMap,
    MapBasin,
    endpoints_by_start,
    learning_map,
    plot_learning_map,
)
from hmlsim.errors import ConfigError


def simulate(f, starts, reps, steps, sd, seed):
    """Paths u_0 … u_steps of u_{t+1} = clip(f(u_t) + N(0, sd²)), ``reps`` runs per start."""
    rng = np.random.default_rng(seed)
    paths = []
    for u0 in np.repeat(np.asarray(starts, dtype=float), reps):
        u = [float(u0)]
        for _ in range(steps):
            u.append(float(np.clip(f(u[-1]) + rng.normal(0.0, sd), 0.0, 1.0)))
        paths.append(u)
    return paths


def linear(u):
    return 0.3 + 0.6 * u  # fixed point 0.75, slope 0.6


def bistable(u):
    return u - 10.0 * (u - 0.3) * (u - 0.5) * (u - 0.7)  # 0.3, 0.7 attract; 0.5 repels


def inside(value, interval):
    return interval[0] - 1e-12 <= value <= interval[1] + 1e-12


# -- recovering known maps ---------------------------------------------------------------


def test_linear_map_recovers_its_attracting_point_with_a_bootstrap_se():
    paths = simulate(linear, [0.6, 0.7, 0.8, 0.9], reps=10, steps=20, sd=0.01, seed=3)
    lmap = EmpiricalLearningMap.from_paths(paths)
    assert lmap.visited == (0.6, 0.9) and lmap.n_runs == 40 and lmap.n_transitions == 800
    (point,) = lmap.fixed_points(n_boot=200, rng=1)
    assert point.kind == "attracting"
    assert 0.0 < point.se < 0.01
    assert abs(point.u - 0.75) <= 4 * point.se
    assert point.slope == pytest.approx(0.6, abs=0.2)
    assert point.bootstrap_share >= 0.9 and point.n_boot == 200
    assert point.basin == (lmap.visited,)
    (basin,) = lmap.basins([point])
    assert basin.target == "fixed point" and basin.point is point
    assert basin.intervals == (lmap.visited,) and basin.share == pytest.approx(1.0)
    sentence = basin.describe("TR")
    assert sentence == f"from u_0 in [0.60, 0.90] TR ends at {point.u:.3f} ± {point.se:.3f}"


def test_bootstrap_is_reproducible_from_its_seed():
    paths = simulate(linear, [0.6, 0.9], reps=5, steps=10, sd=0.01, seed=0)
    lmap = EmpiricalLearningMap.from_paths(paths)
    first = lmap.fixed_points(n_boot=50, rng=7)
    assert first == lmap.fixed_points(n_boot=50, rng=7)
    assert first != lmap.fixed_points(n_boot=50, rng=8)


def test_two_attractors_are_split_near_the_repelling_point():
    paths = simulate(bistable, np.linspace(0.2, 0.8, 25), reps=4, steps=15, sd=0.005, seed=0)
    lmap = EmpiricalLearningMap.from_paths(paths)
    points = lmap.fixed_points(n_boot=100, rng=0)
    assert [p.kind for p in points] == ["attracting", "repelling", "attracting"]
    for point, truth in zip(points, [0.3, 0.5, 0.7], strict=True):
        assert abs(point.u - truth) <= max(4 * point.se, 0.005)
    assert points[0].slope < 1 < points[1].slope and points[2].slope < 1
    attracting = [b for b in lmap.basins(points) if b.point and b.point.kind == "attracting"]
    low, high = attracting
    assert low.point is points[0] and high.point is points[2]
    assert low.intervals[0][0] == lmap.visited[0] and high.intervals[-1][1] == lmap.visited[1]
    split_low, split_high = low.intervals[-1][1], high.intervals[0][0]
    assert 0.45 <= split_low <= split_high <= 0.55


def test_a_steady_upward_drift_has_no_fixed_point_and_exits_upward():
    rng = np.random.default_rng(1)
    paths = simulate(lambda u: u + 0.05, rng.uniform(0.5, 0.55, 20), 1, steps=4, sd=0.005, seed=2)
    lmap = EmpiricalLearningMap.from_paths(paths)
    assert 0.5 <= lmap.visited[0] < lmap.visited[1] <= 0.72
    assert lmap.fixed_points(n_boot=50, rng=0) == []
    (basin,) = lmap.basins()
    assert basin.target == "exits upward" and basin.point is None
    assert basin.intervals == (lmap.visited,)
    assert lmap.describe("TR", n_boot=0) == [
        f"from u_0 in [{lmap.visited[0]:.2f}, {lmap.visited[1]:.2f}] TR leaves the visited "
        "range upward"
    ]


def test_a_downward_drift_exits_downward():
    paths = simulate(lambda u: u - 0.04, [0.7, 0.72], reps=8, steps=3, sd=0.005, seed=0)
    lmap = EmpiricalLearningMap.from_paths(paths)
    assert lmap.fixed_points(n_boot=0) == []
    assert [b.target for b in lmap.basins()] == ["exits downward"]


def test_a_crossing_beyond_the_visited_range_is_never_reported():
    rng = np.random.default_rng(0)
    u_now = rng.uniform(0.5, 0.6, 300)
    u_next = 0.9 + 0.5 * (u_now - 0.9) + rng.normal(0, 0.01, 300)  # crosses at 0.9
    lmap = EmpiricalLearningMap.from_transitions(u_now, u_next, np.arange(300) // 10)
    assert lmap.fixed_points(n_boot=100, rng=0) == []
    assert [b.target for b in lmap.basins()] == ["exits upward"]
    assert lmap(0.55) == pytest.approx(0.725, abs=0.01)
    with pytest.raises(ConfigError) as info:
        lmap(0.9)
    assert info.value.field == "u"


@given(
    a=st.floats(0.0, 0.6),
    b=st.floats(-0.8, 0.9),
    lo=st.floats(0.05, 0.85),
    width=st.floats(0.02, 0.5),
    n_bins=st.integers(2, 25),
    binning=st.sampled_from(["width", "count"]),
    seed=st.integers(0, 2**16),
)
def test_every_reported_point_and_basin_lies_in_the_visited_range(
    a, b, lo, width, n_bins, binning, seed
):
    hi = min(lo + width, 0.95)
    rng = np.random.default_rng(seed)
    u_now = rng.uniform(lo, hi, 200)
    u_next = np.clip(a + b * u_now + rng.normal(0, 0.002, 200), 0, 1)
    lmap = EmpiricalLearningMap.from_transitions(
        u_now, u_next, np.arange(200) % 20, n_bins=n_bins, binning=binning
    )
    visited = lmap.visited
    assert visited == (u_now.min(), u_now.max())
    assert sum(x.n for x in lmap.bins) == 200
    assert all(x.n >= lmap.min_per_bin for x in lmap.bins)
    points = lmap.fixed_points(n_boot=10, rng=seed)
    for point in points:
        assert inside(point.u, visited)
        if point.interval is not None:
            assert inside(point.interval[0], visited) and inside(point.interval[1], visited)
        assert all(inside(x, visited) for iv in point.basin for x in iv)
    basins = lmap.basins(points)
    assert sum(basin.share for basin in basins) == pytest.approx(1.0)
    assert all(inside(x, visited) for basin in basins for iv in basin.intervals for x in iv)
    star = a / (1 - b)  # the true crossing; with this little noise a far one is never seen
    if star > hi + 0.05 or star < lo - 0.05:
        assert points == []
        assert [x.target for x in basins] == ["exits upward" if star > hi else "exits downward"]


def test_pure_noise_around_the_line_is_a_neutral_band_not_many_points():
    for seed in range(5):
        paths = simulate(
            lambda u: u, np.linspace(0.4, 0.6, 10), reps=4, steps=20, sd=0.01, seed=seed
        )
        lmap = EmpiricalLearningMap.from_paths(paths)
        points = lmap.fixed_points(n_boot=0)
        assert 1 <= len(points) <= 2
        assert {p.kind for p in points} == {"neutral band"}
        covered = sum(p.interval[1] - p.interval[0] for p in points)
        assert covered >= 0.8 * (lmap.visited[1] - lmap.visited[0])
    (point,) = lmap.fixed_points(n_boot=50, rng=0)  # seed 4: one band over the whole range
    assert point.interval == lmap.visited and point.basin == (lmap.visited,)
    assert "stays in the neutral band" in lmap.basins([point])[0].describe()


def test_pointwise_test_flags_more_bins_than_the_simultaneous_one():
    paths = simulate(lambda u: u, np.linspace(0.4, 0.6, 10), reps=4, steps=20, sd=0.01, seed=1)
    joint = EmpiricalLearningMap.from_paths(paths)
    pointwise = EmpiricalLearningMap.from_paths(paths, simultaneous=False)
    assert joint.bins[0].threshold > pointwise.bins[0].threshold == pytest.approx(2.0)
    assert sum(x.sign != 0 for x in pointwise.bins) >= sum(x.sign != 0 for x in joint.bins)


# -- the binned map itself ---------------------------------------------------------------


def test_bins_hold_the_means_and_standard_errors_of_their_transitions():
    u_now = np.array([0.50, 0.52, 0.51, 0.70, 0.71, 0.72])
    u_next = np.array([0.60, 0.64, 0.62, 0.69, 0.70, 0.74])
    lmap = EmpiricalLearningMap.from_transitions(u_now, u_next, [0, 0, 1, 1, 2, 2], n_bins=2)
    low, high = lmap.bins
    assert (low.lo, low.hi, high.lo, high.hi) == pytest.approx((0.5, 0.61, 0.61, 0.72))
    assert low.u == pytest.approx(0.51) and low.next_mean == pytest.approx(0.62)
    assert low.next_se == pytest.approx(np.std(u_next[:3], ddof=1) / np.sqrt(3))
    assert (low.n, low.n_runs, high.n, high.n_runs) == (3, 2, 3, 2)
    assert low.delta == pytest.approx(0.11)
    assert lmap(0.51) == pytest.approx(0.62)
    assert lmap(0.5) == pytest.approx(0.62)  # constant to the end of the visited range
    np.testing.assert_allclose(lmap([0.51, 0.61, 0.71, 0.72]), [0.62, 0.665, 0.71, 0.71])


def test_sparse_bins_are_merged_and_count_bins_are_balanced():
    rng = np.random.default_rng(0)
    u_now = np.concatenate([rng.uniform(0.2, 0.25, 5), rng.uniform(0.7, 0.8, 200)])
    u_next = u_now + rng.normal(0, 0.01, u_now.size)
    runs = np.arange(u_now.size) % 7
    wide = EmpiricalLearningMap.from_transitions(u_now, u_next, runs, n_bins=20, min_per_bin=4)
    assert all(x.n >= 4 for x in wide.bins) and len(wide.bins) < 20
    assert [x.lo for x in wide.bins[1:]] == [x.hi for x in wide.bins[:-1]]  # they tile
    counted = EmpiricalLearningMap.from_transitions(u_now, u_next, runs, n_bins=5, binning="count")
    assert [x.n for x in counted.bins] == [41, 41, 41, 41, 41]


def test_from_paths_pools_the_same_transitions_as_from_transitions():
    paths = [[0.5, 0.6, 0.65, 0.7], [0.55, 0.62], [0.9], [0.4, 0.5, 0.58]]
    by_paths = EmpiricalLearningMap.from_paths(paths, n_bins=3, min_per_bin=2)
    by_transitions = EmpiricalLearningMap.from_transitions(
        [0.5, 0.6, 0.65, 0.55, 0.4, 0.5],
        [0.6, 0.65, 0.7, 0.62, 0.5, 0.58],
        ["a", "a", "a", "b", "c", "c"],
        n_bins=3,
        min_per_bin=2,
    )
    assert by_paths == by_transitions
    assert by_paths.n_runs == 3  # the one-epoch path has no transition


def test_as_dict_is_strict_json():
    paths = simulate(linear, [0.6, 0.9], reps=4, steps=8, sd=0.01, seed=0)
    out = EmpiricalLearningMap.from_paths(paths).as_dict(n_boot=30, rng=0)
    text = json.dumps(out, allow_nan=False)
    back = json.loads(text)
    assert back["visited"] == [0.6, 0.9] and back["n_runs"] == 8
    assert [p["kind"] for p in back["fixed_points"]] == ["attracting"]
    assert back["basins"][0]["point"]["u"] == back["fixed_points"][0]["u"]
    assert {"lo", "hi", "u", "next_mean", "next_se", "delta_se", "n", "sign"} <= set(
        back["bins"][0]
    )


def test_a_single_run_has_a_map_but_no_bootstrap():
    (path,) = simulate(linear, [0.6], reps=1, steps=40, sd=0.01, seed=0)
    lmap = EmpiricalLearningMap.from_paths([path])
    (point,) = lmap.fixed_points(n_boot=0)
    assert np.isnan(point.se) and np.isnan(point.bootstrap_share)
    with pytest.raises(ConfigError) as info:
        lmap.fixed_points(n_boot=10)
    assert info.value.field == "runs"


# -- endpoints by start ------------------------------------------------------------------


def test_endpoints_by_start_match_numpy():
    u0 = np.array([0.6, 0.7, 0.6, 0.7, 0.6, 0.8])
    end = np.array([0.78, 0.80, 0.77, 0.79, 0.785, 0.81])
    rows = endpoints_by_start(u0, end)
    assert [(r["u0"], r["n"]) for r in rows] == [(0.6, 3), (0.7, 2), (0.8, 1)]
    for row in rows[:2]:
        values = end[u0 == row["u0"]]
        assert row["end_mean"] == pytest.approx(np.mean(values))
        assert row["end_se"] == pytest.approx(np.std(values, ddof=1) / np.sqrt(values.size))
    assert rows[2]["end_mean"] == 0.81 and np.isnan(rows[2]["end_se"])
    jitter = np.array([0.0, 0.0, 0.01, 0.0, 0.02, 0.0])  # measured u_0 off the nominal grid
    grouped = endpoints_by_start(u0 + jitter, end, groups=u0)
    assert [r["group"] for r in grouped] == [0.6, 0.7, 0.8]
    assert grouped[0]["u0"] == pytest.approx(0.61) and grouped[0]["end_mean"] == rows[0]["end_mean"]


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"u_next": [0.5, 0.6]}, "u_next"),
        ({"runs": [0, 1]}, "runs"),
        ({"u_now": [0.5, np.nan, 0.6]}, "u_now"),
        ({"u_next": [0.5, 1.2, 0.6]}, "u_next"),
        ({"u_now": [-0.1, 0.5, 0.6]}, "u_now"),
        ({"u_now": [0.5], "u_next": [0.6], "runs": [0]}, "u_now"),
        ({"n_bins": 1}, "n_bins"),
        ({"n_bins": 2.5}, "n_bins"),
        ({"min_per_bin": 1}, "min_per_bin"),
        ({"min_per_bin": 4}, "min_per_bin"),
        ({"binning": "quantile"}, "binning"),
        ({"z": 0.0}, "z"),
        ({"runs": [0, None, 1]}, "runs"),
    ],
)
def test_bad_transitions_raise_config_error_naming_the_field(kwargs, field):
    args = {"u_now": [0.5, 0.55, 0.6], "u_next": [0.55, 0.6, 0.62], "runs": [0, 0, 1]}
    args.update({"min_per_bin": 2, **kwargs})
    with pytest.raises(ConfigError) as info:
        EmpiricalLearningMap.from_transitions(
            args.pop("u_now"), args.pop("u_next"), args.pop("runs"), **args
        )
    assert info.value.field == field


def test_other_bad_input_names_its_field():
    lmap = EmpiricalLearningMap.from_paths([[0.5, 0.55, 0.6], [0.5, 0.56, 0.61]], min_per_bin=2)
    linear_map = EmpiricalLearningMap.from_paths(simulate(linear, [0.6, 0.9], 4, 8, 0.01, 0))
    cases = [
        (lambda: EmpiricalLearningMap.from_paths([[0.5, 0.6], [0.5, float("inf")]]), "paths"),
        (lambda: EmpiricalLearningMap.from_paths([]), "paths"),
        (lambda: lmap(0.49), "u"),
        (lambda: lmap([0.5, 0.62]), "u"),
        (lambda: lmap.fixed_points(n_boot=-1), "n_boot"),
        (lambda: linear_map.basins(points=[]), "points"),
        (lambda: endpoints_by_start([0.6, 0.7], [0.8]), "u_final"),
        (lambda: endpoints_by_start([0.6, np.nan], [0.8, 0.8]), "u0"),
        (lambda: endpoints_by_start([0.6, 0.7], [0.8, 0.8], groups=["a"]), "groups"),
        (lambda: plot_learning_map({}), "maps"),
    ]
    for call, field in cases:
        with pytest.raises(ConfigError) as info:
            call()
        assert info.value.field == field


# -- plot and exports -------------------------------------------------------------------


def test_plot_draws_each_map_its_points_and_the_cobwebs(tmp_path):
    tr = simulate(linear, [0.6, 0.9], reps=5, steps=12, sd=0.01, seed=0)
    task = simulate(lambda u: 0.2 + 0.7 * u, [0.6, 0.9], reps=5, steps=12, sd=0.01, seed=1)
    maps = {
        "TR": EmpiricalLearningMap.from_paths(tr),
        "Task-only": EmpiricalLearningMap.from_paths(task),
    }
    fig = plot_learning_map(maps, paths={"TR": tr[:2], "Task-only": task[:1]})
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2
    marks = [line for line in ax.get_lines() if (line.get_gid() or "").endswith("fixed point")]
    assert len(marks) == 2  # one attracting point per map
    assert sorted(round(float(m.get_xdata()[0]), 1) for m in marks) == [0.7, 0.8]
    assert all(m.get_fillstyle() == "full" for m in marks)
    cobwebs = [line for line in ax.get_lines() if line.get_alpha() == 0.5]
    assert len(cobwebs) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "45° line" and "TR (± 2 SE)" in labels
    out = tmp_path / "learning_map.png"
    fig.savefig(out)
    assert out.stat().st_size > 0


def test_plot_on_given_axes_with_a_single_map():
    fig = Figure()
    ax = fig.subplots()
    paths = simulate(lambda u: u, [0.5], reps=6, steps=10, sd=0.01, seed=0)
    assert plot_learning_map(EmpiricalLearningMap.from_paths(paths), ax=ax) is fig


def test_the_package_keeps_the_learner_function_and_stays_light():
    assert learning_map is hmlsim.dynamics.learners.learning_map
    assert hmlsim.dynamics.learning_map is hmlsim.dynamics.learners.learning_map
    with pytest.raises(ModuleNotFoundError):  # no submodule shadows the function
        importlib.import_module("hmlsim.dynamics.learning_map")
    assert isinstance(MapBasin("exits upward", None, ((0.5, 0.6),), 1.0).describe(), str)
    code = (
        "import sys, hmlsim.dynamics; print('matplotlib' in sys.modules, 'seaborn' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
