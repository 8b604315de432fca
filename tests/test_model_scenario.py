"""The performative_advisors scenario end to end at a tiny size, and its CLI at --quick."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hmlsim.data import loaders
from hmlsim.errors import ConfigError
from hmlsim.experiments.scenario import make_config, write_result
from hmlsim.scenarios import SCENARIOS
from hmlsim.scenarios import performative_advisors as scenario

TINY = {
    "datasets": "heart,fico",
    "epochs": 3,
    "cases_per_epoch": 100,
    "n_iter": 30,
    "patience": 1,
    "epsilon": 0.5,
}


def test_registered():
    assert "performative_advisors" in SCENARIOS


def test_tiny_run_tables_summary_and_figures(tmp_path, monkeypatch):
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    monkeypatch.setattr(loaders, "DEFAULT_FICO_PATH", tmp_path / "absent.csv")
    config = make_config(scenario, TINY, quick=True)
    result = scenario.run(config)
    summary = result.summary
    assert summary["datasets"] == ["heart"] and "FICO skipped" in summary["notes"][0]
    paths = result.tables["learning_paths"]
    assert set(paths["advisor"]) == {"TR", "Task-only"}
    assert paths.groupby("advisor")["epoch"].max().eq(3).all()
    # both advisors face the same context seed (same experts, cases and initial labels)
    assert paths.groupby("advisor")["seed"].first().nunique() == 1
    points = result.tables["stable_points"]
    assert len(points) == 2 and points["stable"].all()  # ε = 0.5: every run settles at once
    task_only = points.set_index("advisor").loc["Task-only"]
    assert task_only["stable_advising_rate"] == 1.0
    assert set(summary["by_advisor"]) == {"TR", "Task-only"}
    comparison = result.tables["comparison"]
    assert len(comparison) == 1 and summary["contexts"] == 1
    expected = (
        comparison["spirals_down_task_only"].astype(bool)
        & ~comparison["spirals_down_TR"].astype(bool)
    ).sum()
    assert summary["task_only_spirals_where_tr_holds"] == expected
    # value added at the stable point is team − human − α × contradiction rate
    first = paths[(paths["advisor"] == "TR") & (paths["epoch"] == 1)].iloc[0]
    assert first["added_value"] == pytest.approx(
        first["team_utility"] - first["human_utility"] - 0.1 * first["contradiction_rate"]
    )
    written = write_result(scenario, config, result, tmp_path / "out")
    names = {p.name for p in written}
    assert {
        "summary.json",
        "learning_paths.csv",
        "learning_paths.png",
        "stable_points.png",
    } <= names
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["runs"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("datasets", "iris"), ("advisors", "BRS"), ("alphas", "-0.1"), ("epochs", "0")],
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ConfigError) as error:
        make_config(scenario, {field: value})
    assert error.value.field == field


@pytest.mark.slow
def test_quick_cli_writes_outputs(tmp_path):
    wrapper = Path(__file__).resolve().parents[1] / "scenarios" / "performative_advisors.py"
    done = subprocess.run(
        [sys.executable, str(wrapper), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["runs"] == 4 and set(summary["by_advisor"]) == {"TR", "Task-only"}
