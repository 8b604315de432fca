"""The figure checker: it flags bad figures, and every scenario's --quick figures pass it.

Each scenario runs at its ``QUICK`` size and every figure it saves is checked
(:func:`hmlsim.plotting.check.capture_figures`). Measured on the 2-core machine
under load 13–17 (commit 354f317, ``--durations``): dynamics_grid 0.5 s,
teamrules_value 5 s, teamrules_prohibitive 6 s, discretion_robustness 6 s,
case_study 9 s, asymmetric_loss 19 s; knapsack_study 58 s and
performative_advisors 81 s (30 s and 48 s at a lighter load) are marked slow.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from matplotlib.figure import Figure

from hmlsim.experiments.scenario import make_config, write_result
from hmlsim.plotting.check import capture_figures, check_figure, format_problems
from hmlsim.scenarios import SCENARIOS


def kinds(fig: Figure) -> list[str]:
    return sorted({p.kind for p in check_figure(fig)})


def test_a_clean_figure_passes():
    fig = Figure(figsize=(5, 3), layout="constrained")
    ax = fig.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x**2, label="square")
    ax.plot(x, x**3, "--", label="cube")
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    fig.legend(loc="outside lower center", ncols=2)
    assert check_figure(fig) == []


def test_a_legend_over_the_data_is_flagged():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    x = np.linspace(0, 1, 50)
    for k in range(6):
        ax.plot(x, np.full_like(x, 0.5) + 0.01 * k, label=f"a long series name {k}")
    ax.legend(loc="center")
    problems = check_figure(fig)
    assert [p.kind for p in problems] == ["legend-over-data"]
    assert "a long series name" in problems[0].detail


def test_overlapping_tick_labels_are_flagged():
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.bar(range(4), [1, 2, 3, 4])
    ax.set_xticks(range(4), ["Task-only", "TR-no(ADB)", "TR-no(Cost)", "TR-SelectiveOnly"])
    problems = [p for p in check_figure(fig) if p.kind == "text-overlap"]
    assert problems and all("x tick" in p.where for p in problems)


def test_an_empty_panel_is_flagged_and_reference_lines_are_not_data():
    fig = Figure(figsize=(6, 3))
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, 1])
    right.axhline(0.0, color="grey")  # a reference line alone is still an empty panel
    right.set_title("nothing here")
    problems = check_figure(fig)
    assert [(p.kind, p.where) for p in problems] == [("empty-panel", "axes 1 ('nothing here')")]


def test_legend_entries_that_draw_nothing_are_flagged():
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    ax.plot([0.2, 0.8], [0.2, 0.8], label="visible")
    ax.plot([np.nan], [np.nan], label="nothing at all")
    ax.plot([0.5, 0.505], [0.5, 0.505], lw=1, label="under the marker")
    ax.plot([0.502], [0.502], "o", ms=14, color="black", zorder=5, label="stable point")
    ax.plot([0.3], [0.7], "s", ms=4, label="gate")
    ax.plot([0.3], [0.7], "s", ms=4, label="no gate")  # the same point drawn on top
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.legend(loc="outside right upper")
    hidden = {p.detail.split("'")[1] for p in check_figure(fig) if p.kind == "hidden-entry"}
    assert hidden == {"nothing at all", "under the marker", "gate"}


def test_overlapping_titles_are_flagged():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot([0, 1])
    ax.set_title("a title")
    fig.suptitle("a figure title placed on the axes title", y=0.93)
    assert "text-overlap" in kinds(fig)


def test_capture_checks_pyplot_figures_as_they_are_saved(tmp_path):
    import matplotlib.pyplot as plt

    with capture_figures() as found:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], label="line")
        fig.savefig(tmp_path / "ok.png")
        plt.close(fig)
        fig, _ = plt.subplots()
        fig.savefig(tmp_path / "empty.png")
        plt.close(fig)
    assert found["ok.png"] == []
    assert [p.kind for p in found["empty.png"]] == ["empty-panel"]
    assert Figure.savefig.__name__ == "savefig" and "capture" not in Figure.savefig.__qualname__


#: scenarios whose --quick run takes more than ~30 s on 2 loaded cores
SLOW = {"knapsack_study", "performative_advisors"}
#: figures each scenario writes at --quick (all of them are checked)
FIGURES = {
    "asymmetric_loss": {"ttl.png"},
    "case_study": {"strategies.png"},
    "discretion_robustness": {"value_added.png"},
    "dynamics_grid": {"learning_path.png"},
    "knapsack_study": {"phi.png", "learning_paths.png", "learning_curve.png"},
    "performative_advisors": {"traced_phi.png", "start_end.png", "advising_rate.png"},
    "teamrules_prohibitive": {"value_added.png"},
    "teamrules_value": {"value_added.png"},
}


def test_every_scenario_is_covered():
    assert set(FIGURES) == set(SCENARIOS)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(FIGURES)],
)
def test_quick_figures_read_cleanly(name, tmp_path):
    module = importlib.import_module(f"hmlsim.scenarios.{name}")
    config = make_config(module, quick=True)
    result = module.run(config)
    with capture_figures() as found:
        write_result(module, config, result, tmp_path)
    expected = FIGURES[name]
    assert expected <= set(found), f"{name} wrote {sorted(found)}"
    assert not any(found.values()), "\n" + format_problems(found)


def test_fixed_points_plot_reads_cleanly(tmp_path, monkeypatch, capsys):
    from hmlsim.cli import main

    monkeypatch.chdir(tmp_path)
    with capture_figures() as found:
        points = "0.717:0.894,0.920:0.926"
        status = main(["fixed-points", "--points", points, "--tilt", "0.98", "--plot", "phi"])
    assert status == 0 and "phi.png" in found
    assert not any(found.values()), "\n" + format_problems(found)


def test_figure2_panels_follow_the_paper_and_read_cleanly():
    """The full Figure-2 grid (as ``hmlsim reproduce`` draws it): paper's order, words, no SE."""
    import itertools

    import pandas as pd

    from hmlsim.advisors import VARIANTS
    from hmlsim.scenarios._teamrules_common import BEHAVIOURS
    from hmlsim.scenarios.teamrules_value import EXPERTISE_LABEL, value_added_figure

    rng = np.random.default_rng(0)
    grid = itertools.product(["hr", "fico", "heart"], BEHAVIOURS[::-1], VARIANTS, [0.0, 0.25, 0.5])
    values = pd.DataFrame(
        [
            {"dataset": d, "decision": b, "variant": v, "alpha": a, "group": "all"}
            for d, b, v, a in grid
        ]
    ).assign(added_value=lambda t: rng.normal(0.05, 0.02, len(t)))
    fig = value_added_figure(values, "Figure 2")
    assert check_figure(fig) == []
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.split(" · ")[0] for t in titles[::3]] == ["heart", "fico", "hr"]
    assert titles[0].startswith("heart · difficulty-biased decisions,\ngroup-biased confidence")
    assert "group-biased decisions" in titles[1] and "accuracy-biased confidence" in titles[2]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [*VARIANTS[:-1], EXPERTISE_LABEL]
    assert fig.axes[0].get_ylabel() == "value added over the human alone\n(1 run, no SE)"
    assert not [c for ax in fig.axes for c in ax.collections]  # no band claims an SE


@pytest.mark.parametrize("name", ["check", "words", "axes"])
def test_the_examples_of_the_plotting_modules_are_true(name):
    import doctest

    module = importlib.import_module(f"hmlsim.plotting.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
