"""End-to-end: the knapsack_study scenario at its quick size."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hmlsim.errors import ConfigError
from hmlsim.experiments.scenario import make_config, scenario_main
from hmlsim.scenarios import SCENARIOS
from hmlsim.scenarios import knapsack_study as study


def test_quick_run_writes_the_study(tmp_path):
    assert "knapsack_study" in SCENARIOS
    out = tmp_path / "ks"
    assert scenario_main(study, ["--quick", "--out", str(out), "--seed", "3"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("random_fill_mean", "phi", "phi_max_pick", "stable_point"):
        assert key in summary
    assert 0.55 < summary["random_fill_mean"] < 0.65
    phi = np.array(summary["phi"])
    phi_max = np.array(summary["phi_max_pick"])
    # one point per distinct model (targets above the clean model's quality share it)
    assert 4 <= phi.shape[0] <= 6 and phi.shape == phi_max.shape
    assert len(summary["ladder_quality"]) == 6
    assert np.all((phi >= 0) & (phi <= 1))
    assert np.all(np.diff(phi[:, 0]) > 0)  # the ladder climbs
    assert np.all(phi_max[:, 1] >= phi[:, 1])  # max-pick shifts Φ up
    assert phi[0, 1] > phi[0, 0] + 0.1  # humans improve a lot on a weak model
    # the loop from q1 climbs well above its start
    assert summary["stable_point"]["model_utility"] > phi[0, 0] + 0.1
    assert (
        summary["stable_point_max_pick"]["team_utility"] > summary["stable_point"]["team_utility"]
    )
    # calibrated on humans alone only; every prediction is out of sample
    calibration = summary["calibration"]
    assert calibration["targets"] == ["humans_alone"]
    assert abs(calibration["achieved"]["humans_alone"] - 0.909) < 0.002
    predictions = {p["id"]: p for p in summary["predictions"]}
    assert not set(calibration["targets"]) & set(predictions)
    for key in ("phi_q2", "phi_q6", "max_pick_phi_q6", "stable_point", "loop_team_utility"):
        assert key in predictions
    for p in predictions.values():
        assert {"id", "paper", "hmlsim", "ci_low", "ci_high"} <= set(p)
        assert p["ci_low"] <= p["hmlsim"] <= p["ci_high"]
        if p["paper"] is None:
            assert p["paper_in_ci"] is None
        else:
            assert p["paper_in_ci"] == (p["ci_low"] <= p["paper"] <= p["ci_high"])
    assert predictions["phi_q6"]["paper"] == 0.926
    assert predictions["stable_point"]["paper"] == 0.92
    timings = summary["timings_s"]
    assert set(timings) == {
        "instances",
        "ladder",
        "calibration_and_predictions",
        "learning_curves",
        "loops",
    }
    assert sum(timings.values()) <= summary["seconds"] + 0.5
    lines = pd.read_csv(out / "line_tests.csv")
    assert set(lines.utility) == {"economic", "optimality"}
    on_line = (lines.gap.abs() <= 0.005) & (lines.ci_low <= 0) & (lines.ci_high >= 0)
    assert np.array_equal(lines.on_45_line.to_numpy(), on_line.to_numpy())
    ends = pd.read_csv(out / "stable_points.csv")
    assert {"gap", "gap_ci_low", "gap_ci_high", "on_45_line", "team_optimality"} <= set(ends)
    curve = pd.read_csv(out / "learning_curve.csv")
    assert set(curve["labels"]) == {"optimal", "humans"}
    paths = pd.read_csv(out / "learning_paths.csv")
    assert {"epoch", "model_utility", "team_utility", "variant", "seed"} <= set(paths.columns)
    for name in (
        "phi.png",
        "learning_paths.png",
        "learning_curve.png",
        "config.json",
        "phi.csv",
        "ladder.csv",
        "predictions.csv",
    ):
        assert (out / name).stat().st_size > 0
    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == 3 and config["scenario"] == "knapsack_study"


def test_config_validation_names_the_field():
    with pytest.raises(ConfigError, match="qualities"):
        make_config(study, {"qualities": "0.5,1.5"})
    with pytest.raises(ConfigError, match="n_cases"):
        make_config(study, {"n_cases": 0})
    with pytest.raises(ConfigError, match="device"):
        make_config(study, {"device": "tpu"})
    with pytest.raises(ConfigError, match="calibration_rung"):
        make_config(study, {"calibration_rung": "q9"})
    with pytest.raises(ConfigError, match="curve_sizes"):
        make_config(study, {"curve_sizes": "99999"})
    with pytest.raises(ConfigError, match="loop_learner"):
        make_config(study, {"loop_learner": "big"})
    with pytest.raises(ConfigError, match="capacity_low"):
        make_config(study, {"capacity_low": 0.5, "capacity_high": 0.2})
    assert make_config(study, {"offset": 20}).generator["offset"] == 20
    config = make_config(study, {"loop_starts": "0.8"}, quick=True)
    assert config.loop_starts == (0.8,) and config.n_train == study.QUICK["n_train"]
