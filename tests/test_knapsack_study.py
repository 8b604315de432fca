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
    for key in ("random_fill_mean", "phi", "phi_max_pick", "loop_end", "loops", "generator"):
        assert key in summary
    # the paper's generator ran: strong, imperfect correlation; tied item sets kept
    assert summary["generator"]["name"] == "paper"
    assert 0.95 < summary["generator"]["value_weight_correlation"] < 0.99
    assert summary["generator"]["share_with_several_optimal_sets"] > 0.05
    assert 0.55 < summary["random_fill_mean"] < 0.65
    phi = np.array(summary["phi"])
    phi_max = np.array(summary["phi_max_pick"])
    assert phi.shape == phi_max.shape == (6, 2)
    assert np.all((phi >= 0) & (phi <= 1))
    assert np.all(np.diff(phi[:, 0]) > 0)  # the ladder climbs
    assert np.all(phi_max[:, 1] >= phi[:, 1])  # max-pick shifts Φ up
    assert phi[0, 1] > phi[0, 0] + 0.1  # humans improve a lot on a weak model
    # every rung reports its SD beside the paper's; at the quick size most are within 0.01
    ladder = summary["ladder"]
    assert [r["paper_sd"] for r in ladder] == [0.083, 0.105, 0.098, 0.105, 0.088, 0.085]
    assert sum(abs(r["quality"] - r["paper_mean"]) <= 0.01 for r in ladder) >= 5
    # calibrated on humans alone only; every prediction is out of sample
    calibration = summary["calibration"]
    assert calibration["targets"] == ["humans_alone"]
    assert abs(calibration["achieved"]["humans_alone"] - 0.909) < 0.002
    lo, hi = calibration["noise_over_band"]
    assert lo < calibration["params"]["noise"] < hi  # the noise is refitted over the band
    predictions = {p["id"]: p for p in summary["predictions"]}
    assert predictions["humans_alone"]["kind"] == "setup"
    assert predictions["humans_alone"]["verdict"] is None
    for key in (
        "phi_q1",
        "phi_q6",
        "delta_q6",
        "stable_point",
        "bonus_null",
        "follow_share_increasing",
        "inferior_when_not_following_increasing",
    ):
        p = predictions[key]
        assert p["kind"] == "result" and p["verdict"] in ("holds", "deviates", "inconclusive")
        assert p["quote"] and p["paper_se"]["source"]
        assert p["band"][0] <= p["hmlsim"] <= p["band"][1]
    assert predictions["phi_q6"]["paper"] == 0.926
    assert predictions["phi_q1"]["paper_se"]["value"] > 0.006
    assert len(predictions["follow_share_increasing"]["per_rung"]) == 6
    loops = summary["loops"]
    assert {"perfect_learner_human+ML", "mlp_loop_human+ML"} <= set(loops)
    assert loops["perfect_learner_human+ML"]["path"][0] == pytest.approx(phi[0, 0])
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
    ends = pd.read_csv(out / "loop_ends.csv")
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
        "band.csv",
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
    with pytest.raises(ConfigError, match="generator"):
        make_config(study, {"generator_name": "q9"})
    with pytest.raises(ConfigError, match="band_effort"):
        make_config(study, {"band_effort": "8,12"})  # the centre (6) lies outside
    with pytest.raises(ConfigError, match="curve_sizes"):
        make_config(study, {"curve_sizes": "99999"})
    with pytest.raises(ConfigError, match="loop_learner"):
        make_config(study, {"loop_learner": "big"})
    with pytest.raises(ConfigError, match="capacity_low"):
        make_config(study, {"capacity_low": 0.5, "capacity_high": 0.2})
    assert make_config(study, {"offset": 20}).generator["offset"] == 20
    old = make_config(study, {"generator_name": "pisinger_sc"}).generator
    assert old["jitter"] == 0 and old["unique_set"] is True
    config = make_config(study, {"loop_starts": "0.8"}, quick=True)
    assert config.loop_starts == (0.8,) and config.n_train == study.QUICK["n_train"]
