"""Basins of attraction on the ε-grid (networkx functional graph) and the combined report."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.dynamics import CallablePhi, TabulatedPhi, TiltedLearner, analyse, find_basins
from hmlsim.dynamics.basins import index_runs, merge_intervals
from hmlsim.dynamics.learners import quantise
from hmlsim.dynamics.testing import phis
from hmlsim.errors import ConfigError

PAPER = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
BISTABLE = CallablePhi(lambda u: u + 0.6 * u * (1 - u) * (u - 0.45), name="bistable")


def test_paper_basin_covers_the_whole_unit_interval():
    basins = find_basins(PAPER, epsilon=0.01)
    (attractor,) = basins.attractors
    assert attractor.nodes == (0.93,)  # the grid utility nearest 0.926
    assert attractor.basin == ((0.0, 1.0),)
    assert attractor.share == 1.0
    assert basins.attractor_of(0.72) is attractor


def test_report_for_paper_points():
    report = analyse(PAPER, epsilon=0.01)
    (point,) = report.stable_points
    assert point.kind == "attracting" and 0.915 < point.u < 0.93
    (basin,) = report.point_basins[0]
    assert basin[0] <= 0.717 and basin[1] >= 0.920
    out = report.as_dict()
    assert out["stable_points"][0]["basin"] == [[0.0, 1.0]]
    assert out["path"][0] == 0.717 and out["path_converged"]


def test_bistable_basins_split_at_the_repelling_point():
    report = analyse(BISTABLE, epsilon=0.001)
    low, middle, high = report.point_basins
    assert middle == []  # repelling
    assert low[0][0] == 0.0 and high[-1][1] == 1.0
    # the split lies within the ε-stable band around 0.45, where paths stop at once
    assert 0.40 < low[-1][1] <= 0.45 <= high[0][0] < 0.50


def test_basins_agree_with_quantised_learning_paths():
    eps = 0.01
    basins = find_basins(BISTABLE, epsilon=eps)
    for u0 in basins.nodes[::7]:
        u = u0
        seen = []
        while u not in seen:
            seen.append(u)
            u = float(quantise(BISTABLE(u), eps))
        attractor = basins.attractor_of(u0)
        assert u in attractor.nodes


def test_cycle_attractor_and_its_basin():
    steep = TabulatedPhi([0.4, 0.6], [0.9, 0.1])
    report = analyse(steep, epsilon=0.01)
    (cycle,) = report.cycles
    assert cycle.points == pytest.approx((0.1, 0.9))
    basin = report.cycle_basins[0]
    assert basin == [(0.0, 0.49), (0.51, 1.0)]
    assert {a.period for a in report.basins.attractors} == {1, 2}


def test_graph_is_functional_and_labels_follow_edges():
    basins = find_basins(BISTABLE, TiltedLearner(0.97), epsilon=0.02)
    graph = basins.graph()
    assert all(graph.out_degree(n) == 1 for n in graph)
    assert len(list(nx.attracting_components(graph))) == len(basins.attractors)
    np.testing.assert_array_equal(basins.labels, basins.labels[basins.successor])


@given(phis(), st.sampled_from([0.1, 0.05, 0.02]))
def test_basins_partition_the_grid(phi, eps):
    basins = find_basins(phi, epsilon=eps)
    assert (basins.labels >= 0).all()
    assert sum(a.share for a in basins.attractors) == pytest.approx(1.0)
    covered = sorted(iv for a in basins.attractors for iv in a.basin)
    assert covered[0][0] == 0.0 and max(b for _, b in covered) == 1.0


def test_interval_helpers():
    nodes = np.arange(11) / 10
    assert index_runs(nodes, [3, 0, 1, 7]) == [(0.0, 0.1), (0.3, 0.3), (0.7, 0.7)]
    assert index_runs(nodes, []) == []
    assert merge_intervals([(0.3, 0.4), (0.0, 0.1), (0.15, 0.2)], gap=0.06) == [
        (0.0, 0.2),
        (0.3, 0.4),
    ]


def test_bad_epsilon_and_leaving_the_measured_range():
    with pytest.raises(ConfigError) as info:
        find_basins(PAPER, epsilon=0)
    assert info.value.field == "epsilon"
    with pytest.raises(ConfigError) as info:
        find_basins(TabulatedPhi([0.5, 0.9], [0.95, 0.99], extrapolate="error"), epsilon=0.01)
    assert info.value.field == "extrapolate"
