"""The performative_advisors scenario end to end at a tiny size, and its CLI at --quick."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
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
    "retrainings": "window",
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
            "dataset": "heart",
            "decision": "group",
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
    assert lines[2].split()[:7] == ["TR", "window", "0.1", "1", "0.800", "0.850", "0.700"]
    assert lines[3].lstrip().startswith("Task-only")
    assert any(line.strip().startswith("stable: ") for line in lines)  # the end state explained
    assert "'audit_share'" not in "\n".join(lines)  # no raw parameter objects
    # the gain over the human is tested, never counted within SE
    text = "\n".join(lines)
    assert "Holm-adjusted" in text and "within SE" not in text
    assert "0.150 inconclusive" in text  # one run per cell cannot tell


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
                'retrainings = ["window"]',
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


def _two_runs_one_seed():
    """Paths of two runs sharing their seed (ρ = 0 and ρ = 0.1), far apart in (u, Φ)."""
    import pandas as pd

    rows = []
    for rho, base in ((0.0, 0.6), (0.1, 0.8)):
        for epoch in range(4):
            rows.append(
                {
                    "dataset": "heart",
                    "decision": "difficulty",
                    "confidence": "accuracy",
                    "advisor": "TR",
                    "retraining": "window",
                    "alpha": 0.1,
                    "audit_share": rho,
                    "initial_quality": 0.7,
                    "repetition": 0,
                    "run_seed": 99,
                    "epoch": epoch,
                    "model_utility": base + 0.01 * epoch,
                    "team_utility": base + 0.05 + 0.01 * epoch,
                    "human_utility": base,
                    "policy_advising_rate": 0.5,
                }
            )
    return pd.DataFrame(rows)


def _kept_figure(monkeypatch):
    from hmlsim.scenarios import _performative_figures as figures

    kept = []

    def keep(plt, fig, handles, title, out):
        kept.append(fig)
        return out

    monkeypatch.setattr(figures, "_finish", keep)
    return figures, kept


def test_figures_never_join_two_runs_that_share_a_seed(monkeypatch, tmp_path):
    figures, kept = _kept_figure(monkeypatch)
    paths = _two_runs_one_seed()
    starts = {0.0: 0.61, 0.1: 0.81}  # epoch 1 of each run
    figures.plot_traced_phi(paths, tmp_path / "t.png")
    figures.plot_start_end(paths, tmp_path / "s.png")
    traced, arrows = (fig.axes[0] for fig in kept)
    drawn = [line for line in traced.get_lines() if line.get_label() != "45° line"]
    assert len(drawn) == 4  # a cobweb and its points, per run
    for line in drawn:
        x = np.asarray(line.get_xdata(), dtype=float)
        assert (x < 0.7).all() or (x > 0.7).all(), x  # one run's points only
    pairs = sorted((a.xyann[0], a.xy[0]) for a in arrows.texts)
    np.testing.assert_allclose(pairs, [(starts[0.0], 0.63), (starts[0.1], 0.83)])


def test_a_run_ends_stable_exactly_when_it_has_a_stable_point_in_the_study():
    config = make_config(scenario, {**TINY, "datasets": "heart", "epochs": 4}, quick=True)
    runs = scenario.run(config).summary["runs"]
    assert runs
    for run in runs:
        assert (run["end_state"] == "stable") == (run["stable_point"] is not None), run


def test_the_study_on_a_dask_cluster_gives_the_runs_of_local_processes(tmp_path):
    """`--scheduler` against a LocalCluster: the same `runs` as local worker processes."""
    import pandas as pd

    distributed = pytest.importorskip("distributed")
    from hmlsim.experiments.backends import ProcessBackend
    from hmlsim.experiments.collect import collect
    from hmlsim.experiments.sweep import SweepSpec, run_sweep

    spec = SweepSpec(
        "performative_advisors",
        axes={"retrainings": ["window", "warm-start"]},
        quick=True,
        fixed={
            "datasets": ["heart"],
            "advisors": ["TR", "TR-literal"],
            "audit_shares": [0.1],
            "epochs": 2,
            "patience": 1,
            "cases_per_epoch": 60,
            "n_iter": 20,
        },
    )
    local = run_sweep(spec, tmp_path / "local", backend=ProcessBackend(1), progress=False)
    with distributed.LocalCluster(
        processes=True, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        dask = run_sweep(
            spec, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False
        )
    assert local.done == dask.done == 2 and not local.failed and not dask.failed
    expected = collect(tmp_path / "local", "runs").sort_values("run_key", kind="stable")
    got = collect(tmp_path / "dask", "runs").sort_values("run_key", kind="stable")
    assert len(expected) == 2 * 2  # two sweep runs × two advisors
    pd.testing.assert_frame_equal(expected.reset_index(drop=True), got.reset_index(drop=True))


def test_the_quick_study_covers_two_strategies_and_the_control():
    config = make_config(scenario, {}, quick=True)
    assert len(config.retrainings) >= 2 and "window" in config.retrainings
    assert {"TR", "TR-literal"} <= set(config.advisors)
    assert scenario.STUDY_ADVISORS["TR-literal"] == ("TR", "decisions")
    with pytest.raises(ConfigError) as error:
        make_config(scenario, {"retrainings": "window,lazy-1"})
    assert error.value.field == "retrainings"
