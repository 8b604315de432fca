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

#: public name -> the submodule that defines it; imported on first use (PEP 562), so
#: that ``hmlsim fixed-points --help`` does not load SciPy and networkx
_LAZY: dict[str, str] = {
    "Attractor": "hmlsim.dynamics.basins",
    "Basins": "hmlsim.dynamics.basins",
    "CallablePhi": "hmlsim.dynamics.characteristic",
    "Characteristic": "hmlsim.dynamics.characteristic",
    "Cycle": "hmlsim.dynamics.fixed_points",
    "DynamicsReport": "hmlsim.dynamics.analysis",
    "EXTRAPOLATE": "hmlsim.dynamics.characteristic",
    "EmpiricalLearningMap": "hmlsim.dynamics.empirical_map",
    "EmpiricalPhi": "hmlsim.dynamics.characteristic",
    "KINDS": "hmlsim.dynamics.fixed_points",
    "Learner": "hmlsim.dynamics.learners",
    "LearningMapBin": "hmlsim.dynamics.map_bins",
    "LearningPath": "hmlsim.dynamics.paths",
    "MapBasin": "hmlsim.dynamics.map_points",
    "MapFixedPoint": "hmlsim.dynamics.map_points",
    "MonotoneLearner": "hmlsim.dynamics.learners",
    "PerfectLearner": "hmlsim.dynamics.learners",
    "QuantisedLearner": "hmlsim.dynamics.learners",
    "StablePoint": "hmlsim.dynamics.fixed_points",
    "TabulatedPhi": "hmlsim.dynamics.characteristic",
    "TiltedLearner": "hmlsim.dynamics.learners",
    "analyse": "hmlsim.dynamics.analysis",
    "as_characteristic": "hmlsim.dynamics.characteristic",
    "endpoints_by_start": "hmlsim.dynamics.empirical_map",
    "epsilon_grid": "hmlsim.dynamics.learners",
    "epsilon_stable_intervals": "hmlsim.dynamics.fixed_points",
    "find_basins": "hmlsim.dynamics.basins",
    "find_cycles": "hmlsim.dynamics.fixed_points",
    "find_roots": "hmlsim.dynamics.fixed_points",
    "find_stable_points": "hmlsim.dynamics.fixed_points",
    "iterate": "hmlsim.dynamics.paths",
    "learning_map": "hmlsim.dynamics.learners",
    "learning_path": "hmlsim.dynamics.paths",
    "make_learner": "hmlsim.dynamics.learners",
    "parse_points": "hmlsim.dynamics.characteristic",
    "plot_learning_map": "hmlsim.dynamics.map_plots",
    "proposition_bound": "hmlsim.dynamics.paths",
    "quantise": "hmlsim.dynamics.learners",
}


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


def __getattr__(name: str):
    """Import a public name's submodule on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'hmlsim.dynamics' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
