"""The collaborative-dynamics core (SPEC part A): where does the firm's learning go?

Given a collaborative characteristic function Φ (model utility ↦ human+ML
utility) and a learner map ℓ, the firm's model utility evolves as
u_{t+1} = ℓ(Φ(u_t)). This package holds

- :mod:`~hmlsim.dynamics.characteristic`: Φ objects (tabulated points with an
  extrapolation policy, any callable, an empirical Φ with confidence intervals);
- :mod:`~hmlsim.dynamics.learners`: perfect, tilted (λ) and monotone learners, ε-quantisation;
- :mod:`~hmlsim.dynamics.paths`: learning paths;
- :mod:`~hmlsim.dynamics.fixed_points`: exact stable points (classified) and cycles;
- :mod:`~hmlsim.dynamics.basins`: attractors and basins on the ε-grid (networkx);
- :mod:`~hmlsim.dynamics.analysis`: all of it in one report;
- :mod:`~hmlsim.dynamics.empirical_map`: the empirical learning map of simulated
  runs (pooled transitions u_t → u_{t+1}; its bins and drift test in
  :mod:`~hmlsim.dynamics.map_bins`);
- :mod:`~hmlsim.dynamics.map_points`: its stable points with bootstrap standard
  errors and its basins, never outside the visited utilities;
- :mod:`~hmlsim.dynamics.propositions`: Propositions 1–2 and the stable-point
  facts as reusable checks;
- :mod:`~hmlsim.dynamics.plots`: Φ, cobwebs, stable points, basins (PNG + SVG);
  :mod:`~hmlsim.dynamics.map_plots`: empirical learning maps with their cobwebs.

Examples
--------
>>> from hmlsim.dynamics import TabulatedPhi, analyse
>>> report = analyse(TabulatedPhi([0.717, 0.920], [0.894, 0.926]), epsilon=0.01)
>>> [(round(p.u, 3), p.kind) for p in report.stable_points]
[(0.926, 'attracting')]
"""

from hmlsim.dynamics.analysis import DynamicsReport, analyse
from hmlsim.dynamics.basins import Attractor, Basins, find_basins
from hmlsim.dynamics.characteristic import (
    EXTRAPOLATE,
    CallablePhi,
    Characteristic,
    EmpiricalPhi,
    TabulatedPhi,
    as_characteristic,
    parse_points,
)
from hmlsim.dynamics.empirical_map import EmpiricalLearningMap, endpoints_by_start
from hmlsim.dynamics.fixed_points import (
    KINDS,
    Cycle,
    StablePoint,
    epsilon_stable_intervals,
    find_cycles,
    find_roots,
    find_stable_points,
)
from hmlsim.dynamics.learners import (
    Learner,
    MonotoneLearner,
    PerfectLearner,
    QuantisedLearner,
    TiltedLearner,
    epsilon_grid,
    learning_map,
    make_learner,
    quantise,
)
from hmlsim.dynamics.map_bins import LearningMapBin
from hmlsim.dynamics.map_plots import plot_learning_map
from hmlsim.dynamics.map_points import MapBasin, MapFixedPoint
from hmlsim.dynamics.paths import LearningPath, iterate, learning_path, proposition_bound

__all__ = [
    "EXTRAPOLATE",
    "KINDS",
    "Attractor",
    "Basins",
    "CallablePhi",
    "Characteristic",
    "Cycle",
    "DynamicsReport",
    "EmpiricalLearningMap",
    "EmpiricalPhi",
    "Learner",
    "LearningMapBin",
    "LearningPath",
    "MapBasin",
    "MapFixedPoint",
    "MonotoneLearner",
    "PerfectLearner",
    "QuantisedLearner",
    "StablePoint",
    "TabulatedPhi",
    "TiltedLearner",
    "analyse",
    "as_characteristic",
    "endpoints_by_start",
    "epsilon_grid",
    "epsilon_stable_intervals",
    "find_basins",
    "find_cycles",
    "find_roots",
    "find_stable_points",
    "iterate",
    "learning_map",
    "learning_path",
    "make_learner",
    "parse_points",
    "plot_learning_map",
    "proposition_bound",
    "quantise",
]
