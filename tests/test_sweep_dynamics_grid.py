"""The dynamics_grid scenario, and `hmlsim sweep` on the shipped spec."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from hmlsim.cli import main
from hmlsim.dynamics.characteristic import TabulatedPhi, parse_points
from hmlsim.errors import ConfigError
from hmlsim.experiments.collect import collect, mean_se
from hmlsim.experiments.scenario import make_config
from hmlsim.experiments.sweep import load_spec, plan_runs
from hmlsim.scenarios import SCENARIOS, dynamics_grid

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "scenarios" / "sweeps" / "dynamics_grid.toml"


def phi(config) -> TabulatedPhi:
    return TabulatedPhi(*parse_points(config.points), extrapolate=config.extrapolate)


def test_noiseless_path_ends_at_an_epsilon_stable_point():
    config = make_config(dynamics_grid, {"start": 0.3, "epsilon": 0.001})
    result = dynamics_grid.run(config)
    path = result.tables["path"]
    u = path["model_utility"].to_numpy()
    np.testing.assert_allclose(u[1:], phi(config)(u[:-1]))  # u_{t+1} = Φ(u_t)
    assert abs(phi(config)(u[-1]) - u[-1]) < 0.001
    assert result.summary["converged"] and result.summary["path_end"] == u[-1]
    assert result.tables["stable"]["steps"].item() == len(u) - 1


def test_path_end_is_not_called_the_stable_point():
    """The path stops within ε of Φ's stable point 0.926; the summary names each for what it is."""
    summary = dynamics_grid.run(make_config(dynamics_grid, {"epsilon": 0.005})).summary
    assert summary["path_end"] == pytest.approx(0.9219, abs=1e-4)  # 0.717 -> 0.894 -> 0.9219
    assert summary["stable_point"] == pytest.approx(0.926)
    assert summary["stable_points"] == [{"u": pytest.approx(0.926), "kind": "attracting"}]
    assert "path end" in dynamics_grid.headline(summary)


@pytest.mark.parametrize("tilt", [0.9, 1.05])
def test_a_tilted_learner_settles_on_the_line_phi_equals_u_over_lambda(tilt):
    config = make_config(dynamics_grid, {"tilt": tilt, "epsilon": 1e-6, "max_steps": 2000})
    summary = dynamics_grid.run(config).summary
    u = summary["path_end"]
    assert summary["stable_point"] == pytest.approx(u, abs=1e-5)
    target = min(1.0, tilt * phi(config)(u))
    assert u == pytest.approx(target, abs=1e-5)


def test_noise_is_seeded():
    base = {"noise": 0.02, "start": 0.2}
    a = dynamics_grid.run(make_config(dynamics_grid, {**base, "seed": 4})).tables["path"]
    b = dynamics_grid.run(make_config(dynamics_grid, {**base, "seed": 4})).tables["path"]
    c = dynamics_grid.run(make_config(dynamics_grid, {**base, "seed": 5})).tables["path"]
    np.testing.assert_array_equal(a["model_utility"], b["model_utility"])
    assert not np.array_equal(a["model_utility"].to_numpy()[:3], c["model_utility"].to_numpy()[:3])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start", 1.2),
        ("tilt", 0.0),
        ("epsilon", -1),
        ("noise", -0.1),
        ("points", "0.9:0.8,0.1:0.2"),
        ("extrapolate", "wrap"),
        ("max_steps", 0),
    ],
)
def test_config_rejects_bad_values_naming_the_field(field, value):
    with pytest.raises(ConfigError) as info:
        make_config(dynamics_grid, {field: value})
    assert info.value.field == field


def test_shipped_spec_is_valid_and_documented():
    assert "dynamics_grid" in SCENARIOS
    spec = load_spec(SPEC)
    data = tomllib.loads(SPEC.read_text())
    tasks = plan_runs(spec)
    n = len(data["axes"]["start"]) * len(data["axes"]["tilt"]) * data["seeds"]
    assert len(tasks) == n


def test_hmlsim_sweep_on_a_small_grid(tmp_path, capsys):
    spec = tmp_path / "grid.toml"
    spec.write_text(
        SPEC.read_text()
        .replace("seeds = 5", "seeds = 2")
        .replace("start = [0.1, 0.3, 0.5, 0.717, 0.9]", "start = [0.1, 0.9]")
    )
    out = tmp_path / "store"
    assert main(["sweep", str(spec), "--out", str(out), "--no-progress", "--format", "csv"]) == 0
    assert "16 done now, 0 failed" in capsys.readouterr().out
    stable = collect(out, "stable")
    assert len(stable) == 16 and stable["seed"].nunique() == 16
    stats = mean_se(stable, "path_end", ["tilt"])
    # a higher tilt settles higher, whatever the start (Φ is flat outside its points)
    assert stats["mean"].is_monotonic_increasing
    # second start: nothing to do
    assert main(["sweep", str(spec), "--out", str(out), "--no-progress"]) == 0
    assert "16 were already in" in capsys.readouterr().out


def test_hmlsim_sweep_exit_status_1_when_runs_fail(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "bad.toml"
    spec.write_text(
        'scenario = "sweep_fixtures.toy"\nquick = true\n'
        "[fixed]\nfail_on = 2.0\n[axes]\nr = [1.0, 2.0]\n"
    )
    code = main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--no-progress"])
    assert code == 1
    out = capsys.readouterr().out
    assert "1 done now, 1 failed" in out and "failures" in out
