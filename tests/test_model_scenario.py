"""The performative_advisors scenario end to end at a tiny size, and its CLI at --quick."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from strict_json import load_strict

from hmlsim.data import loaders
from hmlsim.errors import ConfigError
from hmlsim.experiments.scenario import make_config, write_result
from hmlsim.scenarios import SCENARIOS
from hmlsim.scenarios import performative_advisors as scenario

TINY = {
    "datasets": "heart,fico",
    "advisors": "TR,Task-only",
    "audit_shares": "0,0.1",
    "initial_qualities": "0.6,0.8",
    "epochs": 3,
    "cases_per_epoch": 100,
    "n_iter": 30,
    "patience": 1,
}

RUN_FIELDS = {
    "dataset",
    "decision",
    "alpha",
    "advisor",
    "audit_share",
    "initial_quality",
    "seed",
    "final_model_utility",
    "final_team_utility",
    "final_advising_rate",
    "silent_since",
    "stable_point",
}


def test_registered():
    assert "performative_advisors" in SCENARIOS


def test_tiny_run_records_maps_and_figures(tmp_path, monkeypatch):
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    monkeypatch.setattr(loaders, "DEFAULT_FICO_PATH", tmp_path / "absent.csv")
    config = make_config(scenario, TINY, quick=True)
    result = scenario.run(config)
    summary = result.summary
    assert summary["datasets"] == ["heart"] and "FICO skipped" in summary["notes"][0]
    runs = summary["runs"]
    assert len(runs) == 2 * 2 * 2  # advisors × audit shares × initial qualities
    for run in runs:
        assert RUN_FIELDS <= set(run)
        point = run["stable_point"]
        if point is not None:  # a stable point is on the line by construction
            assert point["on_line"] and point["ci_low"] <= 0 <= point["ci_high"]
            assert abs(point["gap"]) <= config.epsilon
        if run["advisor"] == "Task-only":
            assert run["final_advising_rate"] == 1.0 and run["silent_since"] is None
    # every advisor and audit share faces the same context seed (a paired design)
    paths = result.tables["learning_paths"]
    assert (
        paths.groupby(["advisor", "audit_share", "initial_quality"])["run_seed"]
        .first()
        .groupby("initial_quality")
        .nunique()
        .eq(1)
        .all()
    )
    # one pooled map per advisor × context, from the two initial qualities
    maps = summary["maps"]
    assert len(maps) == 2 * 2
    for entry in maps:
        assert {e["u0"] for e in entry["endpoints"]} == {0.6, 0.8}
        lo, hi = entry["visited"]
        for fixed in [] if entry["map"] is None else entry["map"]["fixed_points"]:
            assert lo - 1e-9 <= fixed["u"] <= hi + 1e-9  # never outside the visited range
    # TR with an audit channel: one check per run
    assert len(summary["checks"]) == 2
    written = write_result(scenario, config, result, tmp_path / "out")
    names = {p.name for p in written}
    assert {"summary.json", "learning_paths.csv", "runs.csv", "traced_phi.png"} <= names
    assert {"start_end.png", "advising_rate.png"} <= names
    saved = load_strict(tmp_path / "out" / "summary.json")  # no NaN or Infinity
    assert len(saved["runs"]) == 8


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("datasets", "iris"),
        ("advisors", "BRS"),
        ("alphas", "-0.1"),
        ("epochs", "0"),
        ("audit_shares", "1.5"),
        ("exploration", "2"),
        ("advisors", "TR,TR"),
    ],
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ConfigError) as error:
        make_config(scenario, {field: value})
    assert error.value.field == field


@pytest.mark.slow
def test_quick_cli_keeps_audited_tr_advising(tmp_path):
    wrapper = Path(__file__).resolve().parents[1] / "scenarios" / "performative_advisors.py"
    done = subprocess.run(
        [sys.executable, str(wrapper), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert {r["audit_share"] for r in summary["runs"]} == {0.0, 0.1}
    # the bar: with ρ = 0.1 and exploration, TR advises to the last epoch in every
    # context and its team ends at or above the human alone (within SE)
    assert summary["checks"]
    for check in summary["checks"]:
        assert check["keeps_advising"], check
        assert check["team_at_or_above_human"], check


def test_every_option_explains_itself_and_the_cli_prints_a_short_summary():
    import dataclasses

    from hmlsim.experiments.scenario import build_parser, headline

    assert set(scenario.HELP) == {f.name for f in dataclasses.fields(scenario.Config)}
    text = build_parser(scenario).format_help()
    assert "audit shares ρ" in text and "(default: None)" not in text
    runs = [
        {
            "advisor": advisor,
            "audit_share": 0.1,
            "final_model_utility": 0.8,
            "final_team_utility": 0.85,
            "final_human_utility": 0.7,
            "final_advising_rate": rate,
            "silent_since": None,
            "end_state": "stable",
        }
        for advisor, rate in (("TR", 0.2), ("Task-only", 1.0))
    ]
    summary = {"datasets": ["heart"], "notes": [], "runs": runs, "checks": []}
    lines = headline(scenario, summary).splitlines()
    # a table: a header, then TR's and Task-only's row with u, Φ(u) and the human alone
    assert "final u" in lines[1] and "human alone" in lines[1]
    assert lines[2].split()[:6] == ["TR", "0.1", "1", "0.800", "0.850", "0.700"]
    assert lines[3].lstrip().startswith("Task-only")
    assert any(line.strip().startswith("stable: ") for line in lines)  # the end state explained
    assert "'audit_share'" not in "\n".join(lines)  # no raw parameter objects


def test_a_sweep_of_the_study_writes_its_report_over_the_store(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(
        "\n".join(
            [
                'scenario = "performative_advisors"',
                "seeds = 1",
                "quick = true",
                "[fixed]",
                'datasets = ["heart"]',
                'advisors = ["TR"]',
                "epochs = 2",
                "patience = 1",  # at most the run's epochs
                "cases_per_epoch = 60",
                "n_iter = 20",
                "[axes]",
                "initial_qualities = [0.6, 0.8]",
            ]
        )
    )
    out = tmp_path / "store"
    done = subprocess.run(
        [sys.executable, "-m", "hmlsim", "sweep", str(spec), "--out", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "report over every run" in done.stdout
    summary = load_strict(out / "report" / "summary.json")
    assert len(summary["runs"]) == 2 * 2  # two sweep runs × audit shares {0, 0.1} of QUICK
    assert {r["initial_quality"] for r in summary["runs"]} == {0.6, 0.8}
    assert all(RUN_FIELDS <= set(r) for r in summary["runs"])
    # one pooled map per audit share, from the two sweep runs' initial qualities
    assert len(summary["maps"]) == 2
    assert all({e["u0"] for e in m["endpoints"]} == {0.6, 0.8} for m in summary["maps"])
    assert (out / "report" / "traced_phi.png").exists()
