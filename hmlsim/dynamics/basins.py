"""Basins of attraction on the ε-grid of utilities.

Utilities are ε-sensitive, so the learning map lives on the grid
0, ε, 2ε, …, 1 (:func:`~hmlsim.dynamics.learners.epsilon_grid`): every grid
utility u goes to the grid utility nearest f(u) = ℓ(Φ(u)). That is a
*functional graph* (one edge out of every node). Its attracting components
(:func:`networkx.attracting_components`) are the attractors: self-loops are
ε-stable points, longer loops cycles. The basin of an attractor is the set of
nodes from which it is reached (:func:`networkx.ancestors`), reported as
intervals of utility, so a user reads "starting anywhere in [0.70, 0.93] ends
at 0.926".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from hmlsim.dynamics.characteristic import Characteristic, as_characteristic
from hmlsim.dynamics.learners import Learner, PerfectLearner, epsilon_grid, learning_map
from hmlsim.errors import ConfigError, check_positive

Interval = tuple[float, float]

MAX_NODES = 2_000_001


def index_runs(nodes: NDArray[np.float64], indices: Any) -> list[Interval]:
    """Consecutive runs of sorted node indices as ``(first, last)`` utility intervals.

    Examples
    --------
    >>> import numpy as np
    >>> index_runs(np.arange(11) / 10, [0, 1, 2, 5, 6])
    [(0.0, 0.2), (0.5, 0.6)]
    """
    idx = np.unique(np.asarray(list(indices), dtype=int))
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    stops = np.concatenate([idx[breaks], [idx[-1]]])
    return [(float(nodes[a]), float(nodes[b])) for a, b in zip(starts, stops, strict=True)]


def merge_intervals(intervals: list[Interval], gap: float) -> list[Interval]:
    """Merge intervals that overlap or lie at most ``gap`` apart.

    Examples
    --------
    >>> merge_intervals([(0.5, 0.6), (0.0, 0.2), (0.21, 0.3)], gap=0.011)
    [(0.0, 0.3), (0.5, 0.6)]
    """
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


@dataclass(frozen=True)
class Attractor:
    """An attractor of the ε-grid learning map and its basin.

    Attributes
    ----------
    nodes : tuple of float
        The grid utilities of the loop, in visiting order from the smallest
        (one node: an ε-stable point; more: a cycle).
    basin : tuple of (float, float)
        Grid utilities whose learning path ends here, as closed intervals.
    share : float
        Fraction of grid utilities in the basin.
    """

    nodes: tuple[float, ...]
    basin: tuple[Interval, ...]
    share: float

    @property
    def period(self) -> int:
        """Number of nodes on the loop (1 for a stable point)."""
        return len(self.nodes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "nodes": list(self.nodes),
            "period": self.period,
            "basin": [list(iv) for iv in self.basin],
            "share": self.share,
        }


@dataclass(frozen=True)
class Basins:
    """The functional graph of the learning map on the ε-grid.

    Attributes
    ----------
    epsilon : float
        Grid spacing.
    nodes : ndarray
        The grid utilities.
    successor : ndarray of int
        Index of the node each node maps to.
    labels : ndarray of int
        Index into :attr:`attractors` of the attractor each node ends at.
    attractors : tuple of Attractor
        Sorted by their smallest node.
    """

    epsilon: float
    nodes: NDArray[np.float64]
    successor: NDArray[np.int64]
    labels: NDArray[np.int64]
    attractors: tuple[Attractor, ...]

    def graph(self) -> nx.DiGraph:
        """The functional graph (node i → successor[i]) as a networkx DiGraph."""
        return _functional_graph(self.successor)

    def attractor_of(self, u: float) -> Attractor:
        """The attractor reached from the grid utility nearest ``u``."""
        return self.attractors[int(self.labels[_nearest(self.nodes, np.array([u]))[0]])]

    def basin_around(self, lo: float, hi: float) -> tuple[list[Attractor], list[Interval]]:
        """Attractors whose nodes all lie in [lo, hi], and the union of their basins.

        Near an attracting stable point where Φ is almost parallel to the line,
        several neighbouring grid nodes are ε-stable; this gathers them.
        """
        chosen = [a for a in self.attractors if all(lo - 1e-12 <= v <= hi + 1e-12 for v in a.nodes)]
        members = np.flatnonzero(np.isin(self.labels, [self.attractors.index(a) for a in chosen]))
        return chosen, index_runs(self.nodes, members)


def _nearest(nodes: NDArray[np.float64], values: NDArray[np.float64]) -> NDArray[np.int64]:
    right = np.clip(np.searchsorted(nodes, values), 1, nodes.size - 1)
    left = right - 1
    take_left = np.abs(values - nodes[left]) <= np.abs(nodes[right] - values)
    return np.where(take_left, left, right).astype(np.int64)


def _functional_graph(successor: NDArray[np.int64]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(successor.size))
    graph.add_edges_from(zip(range(successor.size), successor.tolist(), strict=True))
    return graph


def find_basins(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    epsilon: float = 0.01,
) -> Basins:
    """Attractors and their basins of the learning map on the ε-grid.

    Parameters
    ----------
    phi : Characteristic or callable
        The collaborative characteristic function.
    learner : Learner, optional
        The learner map ℓ (default perfect).
    epsilon : float, default 0.01
        Smallest meaningful change of utility; the grid spacing.

    Returns
    -------
    Basins

    Examples
    --------
    >>> from hmlsim.dynamics.characteristic import TabulatedPhi
    >>> phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
    >>> result = find_basins(phi, epsilon=0.01)
    >>> [(a.nodes, a.basin) for a in result.attractors]
    [((0.93,), ((0.0, 1.0),))]
    """
    phi = as_characteristic(phi)
    epsilon = check_positive("epsilon", epsilon)
    if 1.0 / epsilon + 1 > MAX_NODES:
        raise ConfigError("epsilon", f"too small for a grid (at most {MAX_NODES} nodes)")
    lo, hi = phi.domain
    nodes = epsilon_grid(epsilon)
    nodes = nodes[(nodes >= lo - 1e-12) & (nodes <= hi + 1e-12)]
    if nodes.size == 0:
        raise ConfigError("epsilon", f"leaves no grid utility in the domain [{lo}, {hi}]")
    images = np.asarray(learning_map(phi, learner or PerfectLearner())(nodes), dtype=float)
    outside = (images < nodes[0] - epsilon / 2) | (images > nodes[-1] + epsilon / 2)
    if outside.any():
        at = float(nodes[np.argmax(outside)])
        raise ConfigError("extrapolate", f"the learning map leaves [{lo}, {hi}] from u = {at}")
    successor = _nearest(nodes, images) if nodes.size > 1 else np.zeros(1, dtype=np.int64)
    graph = _functional_graph(successor)
    loops = []
    for component in nx.attracting_components(graph):
        first = min(component)
        order = [first]
        while successor[order[-1]] != first:
            order.append(int(successor[order[-1]]))
        loops.append(order)
    loops.sort(key=lambda order: order[0])
    labels = np.full(nodes.size, -1, dtype=np.int64)
    attractors = []
    for k, order in enumerate(loops):
        members = nx.ancestors(graph, order[0]) | set(order)
        member_idx = np.fromiter(members, dtype=np.int64)
        labels[member_idx] = k
        attractors.append(
            Attractor(
                nodes=tuple(float(nodes[i]) for i in order),
                basin=tuple(index_runs(nodes, member_idx)),
                share=member_idx.size / nodes.size,
            )
        )
    return Basins(epsilon, nodes, successor, labels, tuple(attractors))
