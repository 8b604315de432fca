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
    # the loop from q1 climbs towards the paper's stable point
    assert summary["stable_point"]["model_utility"] > 0.86
    assert (
        summary["stable_point_max_pick"]["team_utility"] > summary["stable_point"]["team_utility"]
    )
    paths = pd.read_csv(out / "learning_paths.csv")
    assert {"epoch", "model_utility", "team_utility", "variant", "seed"} <= set(paths.columns)
    for name in ("phi.png", "learning_paths.png", "config.json", "phi.csv", "ladder.csv"):
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
    config = make_config(study, {"loop_starts": "0.8"}, quick=True)
    assert config.loop_starts == (0.8,) and config.n_train == study.QUICK["n_train"]
