"""End-to-end tests of the five TeamRules scenarios at their ``--quick`` size.

Each test runs the scenario through its command line (``scenario_main``), as
``python scenarios/<name>.py --quick`` does, and checks the files written, the
summary's keys and behaviour that holds robustly at the quick size.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from strict_json import load_strict

from hmlsim.data import loaders
from hmlsim.errors import ConfigError
from hmlsim.experiments.scenario import load_scenario, make_config, scenario_main
from hmlsim.scenarios import SCENARIOS
from hmlsim.scenarios import _teamrules_common as common

TEAMRULES = (
    "teamrules_value",
    "teamrules_prohibitive",
    "case_study",
    "asymmetric_loss",
    "discretion_robustness",
)
ROOT = Path(__file__).resolve().parents[1]


def _run_quick(name: str, out: Path, *extra: str) -> dict:
    status = scenario_main(load_scenario(name), ["--quick", "--out", str(out), *extra])
    assert status == 0
    assert (out / "config.json").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["scenario"] == name
    load_strict(out / "config.json")  # strict JSON: no NaN or Infinity (issue 23)
    return load_strict(out / "summary.json")


def test_scenarios_are_discovered_and_wrapped() -> None:
    assert set(TEAMRULES) <= set(SCENARIOS)
    assert "_teamrules_common" not in SCENARIOS
    for name in TEAMRULES:
        wrapper = (ROOT / "scenarios" / f"{name}.py").read_text()
        assert f'script_entry("hmlsim.scenarios.{name}")' in wrapper


def test_value_quick(tmp_path: Path) -> None:
    summary = _run_quick("teamrules_value", tmp_path)
    assert (tmp_path / "value_added.png").stat().st_size > 0
    values = pd.read_csv(tmp_path / "values.csv")
    assert {
        "dataset",
        "decision",
        "split_seed",
        "variant",
        "alpha",
        "group",
        "added_value",
        "ttl",
    } <= set(values.columns)
    assert set(values["variant"]) == {"TR", "Task-only", "Human"}
    context = summary["added_value"]["heart/difficulty+accuracy"]
    # TR never diminishes value and beats task-only at the higher α
    assert all(v["mean"] >= 0 for v in context["TR"].values())
    assert context["TR"]["0.3"]["mean"] > context["Task-only"]["0.3"]["mean"]
    # added value = HDL - TTL row by row; the human alone adds nothing
    human = values[values["variant"] == "Human"]
    assert (human["added_value"].abs() < 1e-12).all()
    assert ((values["hdl"] - values["ttl"] - values["added_value"]).abs() < 1e-9).all()
    assert 0.6 < summary["task_only_test_accuracy"]["heart"]["mean"] < 0.95
    assert 0.6 < summary["human_accuracy"]["heart"]["difficulty+accuracy"]["mean"] < 0.8
    assert summary["method"] == "hmlsim"  # whose settings the verdicts are about
    judged = {c["id"] for c in summary["claims"]}  # the ledger's sentences on this context
    assert "figure2/heart/difficulty+accuracy/tr_does_not_diminish_human" in judged
    assert not any("/fico/" in c or "/hr/" in c for c in judged)  # only contexts that ran
    assert summary["skipped"] == {}


def test_prohibitive_quick(tmp_path: Path) -> None:
    summary = _run_quick("teamrules_prohibitive", tmp_path)
    assert (tmp_path / "value_added.png").is_file()
    tr = summary["added_value"]["heart/difficulty+accuracy"]["TR"]
    task = summary["added_value"]["heart/difficulty+accuracy"]["Task-only"]
    assert set(tr) == {"0.6", "1"}
    # at α = 1 every contradiction costs a whole wrong decision: task-only loses value
    assert task["1"]["mean"] < 0
    assert tr["1"]["mean"] > task["1"]["mean"]
    rates = summary["advising_rate"]["heart"]["difficulty+accuracy"]
    assert rates["TR"]["1"]["mean"] < rates["Task-only"]["1"]["mean"]


def test_case_study_quick(tmp_path: Path) -> None:
    summary = _run_quick("case_study", tmp_path)
    assert (tmp_path / "strategies.png").is_file()
    by_group = pd.read_csv(tmp_path / "by_group.csv")
    assert set(by_group["group"]) == {"all", "male", "female"}
    assert set(by_group["doctor"]) == {"doctor_a", "doctor_b"}
    # the groups' advice counts add up to the total
    wide = by_group.pivot_table(index=["doctor", "variant"], columns="group", values="advice_count")
    assert ((wide["male"] + wide["female"] - wide["all"]).abs() < 1e-9).all()
    shares = summary["share_of_advice_on_women"]
    for doctor in ("doctor_a", "doctor_b"):
        for variant in ("TR", "Task-only"):
            share = shares[doctor]["0.1"][variant]["mean"]
            assert math.isnan(share) or 0.0 <= share <= 1.0
        # TR is selective: it advises on fewer rows than task-only, which advises everywhere
        rate = summary["advising_rate"][doctor]["0.1"]
        assert rate["TR"]["mean"] < rate["Task-only"]["mean"]
    # Doctor B (low confidence on women) takes advice more readily than Doctor A
    acc = summary["acceptance_rate"]
    assert acc["doctor_b"]["0.1"]["Task-only"]["mean"] > acc["doctor_a"]["0.1"]["Task-only"]["mean"]
    assert "tr_over_task_only_acceptance" in summary


def test_asymmetric_loss_quick(tmp_path: Path) -> None:
    summary = _run_quick("asymmetric_loss", tmp_path)
    assert (tmp_path / "ttl.png").is_file()
    ttl = summary["ttl"]
    assert list(ttl) == ["TR", "TR+expertise", "TR-no(ADB)", "Task-only", "Human"]
    assert summary["expert"] == "table4"
    assert all({"mean", "se", "n"} <= set(v) for v in ttl.values())
    assert ttl["TR"]["n"] == 2
    assert ttl["TR"]["mean"] <= ttl["Human"]["mean"]
    # the two classes' contributions add up to the total TTL
    by_class = summary["ttl_by_class"]
    for variant, total in ttl.items():
        parts = by_class["no_disease"][variant]["mean"] + by_class["has_disease"][variant]["mean"]
        assert parts == pytest.approx(total["mean"], abs=1e-9)
    values = pd.read_csv(tmp_path / "values.csv")
    assert set(values["lambda1"]) == {3.0} and set(values["alpha"]) == {0.0}


def test_discretion_robustness_quick(tmp_path: Path) -> None:
    summary = _run_quick("discretion_robustness", tmp_path)
    assert (tmp_path / "value_added.png").is_file()
    auc = summary["discretion_auc"]
    assert auc["0"]["mean"] > 0.85  # the expert it was trained for
    assert summary["discretion_mae"]["2"]["mean"] > summary["discretion_mae"]["0"]["mean"]
    added = summary["added_value"]["TR"]
    assert set(added) == {"False", "True"}
    # without drift, the gate changes nothing unless TR lost value on validation
    gated = summary["lowest_added_value_with_gate"]["mean"]
    assert gated >= summary["lowest_added_value_without_gate"]["mean"] - 1e-12


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("teamrules_value", "alphas", "-0.1"),
        ("teamrules_value", "datasets", "heart,mnist"),
        ("teamrules_value", "variants", "TR,TR"),
        ("case_study", "doctors", "doctor_c"),
        ("asymmetric_loss", "lambda1", "0"),
        ("discretion_robustness", "noise_levels", "-1"),
        ("discretion_robustness", "expert_draws", "0"),
    ],
)
def test_bad_config_names_the_field(name: str, field: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(load_scenario(name), {field: value})
    assert info.value.field == field


def test_bad_config_from_the_command_line_exits_2(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        scenario_main(load_scenario("asymmetric_loss"), ["--lambda0", "-1", "--out", str(tmp_path)])
    assert info.value.code == 2
    assert "--lambda0" in capsys.readouterr().err


def test_prohibitive_shares_the_value_config() -> None:
    value = load_scenario("teamrules_value")
    prohibitive = load_scenario("teamrules_prohibitive")
    assert issubclass(prohibitive.Config, value.Config)
    assert min(prohibitive.Config().alphas) == 0.6 and max(prohibitive.Config().alphas) == 1.0
    assert max(value.Config().alphas) == 0.5
    fields = {f.name for f in dataclasses.fields(value.Config)}
    assert fields == {f.name for f in dataclasses.fields(prohibitive.Config)}


def test_fico_path_lookup(tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "nowhere.csv"
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    monkeypatch.setattr(loaders, "DEFAULT_FICO_PATH", missing)
    assert common.resolve_fico_path("") is None
    keep, skipped = common.available_datasets(("heart", "fico"))
    assert keep == ["heart"] and "fico" in skipped and "HMLSIM_FICO_PATH" in skipped["fico"]
    present = tmp_path / "heloc.csv"
    present.write_text("x\n")
    monkeypatch.setenv("HMLSIM_FICO_PATH", str(present))
    assert common.resolve_fico_path("") == present
    with pytest.raises(ConfigError) as info:
        common.resolve_fico_path(str(missing))  # an explicit path must exist
    assert info.value.field == "fico_path"


def test_value_skips_fico_with_a_note(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    monkeypatch.setattr(loaders, "DEFAULT_FICO_PATH", tmp_path / "nowhere.csv")
    module = load_scenario("teamrules_value")
    result = module.run(make_config(module, {"datasets": "fico"}, quick=True))
    assert "fico" in result.summary["skipped"]
    assert result.tables["values"].empty


def test_sweep_spec_plans_the_figure2_grid() -> None:
    from hmlsim.experiments.sweep import load_spec, plan_runs

    spec = load_spec(ROOT / "scenarios" / "sweeps" / "figure2.toml")
    runs = plan_runs(spec)
    assert len(runs) == 3 * 2 * 10
    configs = [r.config for r in runs]
    assert {c.split_seeds for c in configs} == {(s,) for s in range(20, 30)}
    assert len({c.seed for c in configs}) == len(configs)


@pytest.mark.slow
def test_same_seed_same_numbers(tmp_path: Path) -> None:
    module = load_scenario("asymmetric_loss")
    config = make_config(module, {"split_seeds": "20", "expert_draws": "3"}, quick=True)
    first = module.run(config).tables["values"]
    second = module.run(config).tables["values"]
    pd.testing.assert_frame_equal(first, second)
