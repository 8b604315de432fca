"""Figures: Φ with the learner's line, cobwebs, stable points by kind, basin strip."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.dynamics import CallablePhi, TabulatedPhi, TiltedLearner, analyse
from hmlsim.dynamics.plots import MARKERS, cobweb_xy, plot_dynamics, save_figure

BISTABLE = CallablePhi(lambda u: u + 0.6 * u * (1 - u) * (u - 0.45), name="bistable")


def test_cobweb_alternates_between_phi_and_the_line():
    phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
    learner = TiltedLearner(0.98)
    path = [0.717, 0.98 * 0.894]
    x, y = cobweb_xy(path, phi, learner)
    assert x.tolist() == pytest.approx([0.717, 0.717, path[1], path[1]])
    assert y[0] == pytest.approx(0.717 / 0.98)  # starts on the tilted line
    assert y[1] == pytest.approx(0.894) and y[2] == pytest.approx(0.894)  # Φ(u0), across
    assert y[2] == pytest.approx(learner.inverse(x[2]))  # reaches the line at u1


def test_markers_show_each_kind():
    report = analyse(BISTABLE, epsilon=0.01)
    fig = plot_dynamics(BISTABLE, report=report, starts=[0.1, 0.9])
    main, strip = fig.axes
    marked = [
        (line.get_marker(), line.get_fillstyle(), line.get_xdata()[0])
        for line in main.get_lines()
        if line.get_linestyle() == "None"
    ]
    assert sorted(marked, key=lambda m: m[2]) == [
        (*MARKERS["attracting"], 0.0),
        (*MARKERS["repelling"], pytest.approx(0.45)),
        (*MARKERS["attracting"], 1.0),
    ]
    labels = [t.get_text() for t in main.get_legend().get_texts()]
    assert "45° line (perfect learner)" in labels
    assert sum(label.startswith("path from") for label in labels) == 2
    assert len(strip.patches) >= 3  # grey background + one span per basin


def test_tilted_line_and_cycle_are_drawn(tmp_path):
    steep = TabulatedPhi([0.4, 0.6], [0.9, 0.1])
    fig = plot_dynamics(steep, TiltedLearner(0.9), starts=[0.3])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "tilted line u/λ, λ = 0.9" in labels
    assert any("2-cycle" in label for label in labels)
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("tilted"))
    x, y = line.get_data()
    np.testing.assert_allclose(y, np.asarray(x) / 0.9)


def test_save_figure_writes_png_and_svg(tmp_path):
    fig = plot_dynamics(BISTABLE, show_basins=False, starts=[0.2])
    assert len(fig.axes) == 1
    written = save_figure(fig, tmp_path / "out" / "bistable")
    assert [p.name for p in written] == ["bistable.png", "bistable.svg"]
    pdf = save_figure(fig, tmp_path / "b.pdf")
    assert [p.suffix for p in pdf] == [".pdf", ".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in written + pdf)
