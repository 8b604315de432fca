"""The knapsack study of the performative human–ML collaboration paper (SPEC part A).

Modules, one idea each:

- :mod:`~hmlsim.knapsack.instances` — hard 0-1 knapsack instances (generator);
- :mod:`~hmlsim.knapsack.solver` — exact optimum by dynamic programming, batched;
- :mod:`~hmlsim.knapsack.utility` — economic performance, optimality, random fill;
- :mod:`~hmlsim.knapsack.recommender` — the paper's MLP recommender (torch);
- :mod:`~hmlsim.knapsack.set_learner` — a per-item set learner whose level follows its labels;
- :mod:`~hmlsim.knapsack.learners` — the recommenders by name (``sorted``, ``unsorted``, ``set``);
- :mod:`~hmlsim.knapsack.solvers` — simulated human solvers (behavioural model);
- :mod:`~hmlsim.knapsack.calibration` — fitting the solvers on the humans-alone arm;
- :mod:`~hmlsim.knapsack.prediction` — predicted figures with intervals, beside the paper;
- :mod:`~hmlsim.knapsack.headroom` — learning curves on optimal vs human labels;
- :mod:`~hmlsim.knapsack.loop` — the performative loop (deploy, solve, retrain);
- :mod:`~hmlsim.knapsack.steps`, :mod:`~hmlsim.knapsack.plots` — the study's steps and figures.

Heavy modules (torch) are not imported here; import them by name.
"""

from hmlsim.knapsack.instances import Instances, generate_instances
from hmlsim.knapsack.solver import solve_dp
from hmlsim.knapsack.utility import economic_performance, optimality, random_fill, total_value

__all__ = [
    "Instances",
    "economic_performance",
    "generate_instances",
    "optimality",
    "random_fill",
    "solve_dp",
    "total_value",
]
