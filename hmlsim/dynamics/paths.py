"""Collaborative learning paths u_0, f(u_0), f(f(u_0)), … with f = ℓ ∘ Φ.

A path stops at the first u_T that is ε-stable, |f(u_T) − u_T| < ε: the next
deployment would change utility by less than the smallest meaningful change
(SPEC A, Propositions 1 and 2 bound T by ⌈(1 − u_0)/ε⌉ when Φ ≥ u, and by
⌈u_0/ε⌉ when Φ ≤ u).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hmlsim.dynamics.characteristic import Characteristic, as_characteristic
from hmlsim.dynamics.learners import Learner, PerfectLearner, learning_map
from hmlsim.errors import ConfigError, check_positive

#: A step counts as a meaningful change when it is at least ε up to rounding:
#: on the ε-grid a step of exactly one ε may come out as ε·(1 − 1e-16).
STEP_RTOL = 1 - 1e-9


@dataclass(frozen=True)
class LearningPath:
    """A learning path and how it ended.

    Attributes
    ----------
    utilities : tuple of float
        u_0, u_1, …, u_T (model utilities of successive deployments).
    epsilon : float
        The stopping threshold ε.
    converged : bool
        True when u_T is ε-stable; False when the path entered a cycle or
        ``max_steps`` ran out (a very slow approach).
    cycle_period : int or None
        When the path returned exactly (to 12 digits) to an earlier utility: the
        length of the loop; the path then ends one period after entering it.
    """

    utilities: tuple[float, ...]
    epsilon: float
    converged: bool
    cycle_period: int | None = None

    @property
    def steps(self) -> int:
        """T, the number of deployments after the first."""
        return len(self.utilities) - 1

    @property
    def start(self) -> float:
        """u_0."""
        return self.utilities[0]

    @property
    def end(self) -> float:
        """u_T, the ε-stable point reached (if :attr:`converged`)."""
        return self.utilities[-1]

    def as_array(self) -> NDArray[np.float64]:
        """The utilities as a NumPy array."""
        return np.asarray(self.utilities, dtype=float)


def default_max_steps(epsilon: float) -> int:
    """Generous step limit: ten times the Proposition 1 bound, at most one million."""
    return int(min(1_000_000, 10 * math.ceil(1.0 / epsilon) + 100))


def _check_start(u0: float, phi: Characteristic, field_name: str) -> float:
    lo, hi = phi.domain
    try:
        value = float(u0)
    except (TypeError, ValueError):
        raise ConfigError(field_name, f"must be a utility in [{lo}, {hi}], got {u0!r}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ConfigError(field_name, f"must be a utility in [{lo}, {hi}], got {u0!r}")
    return value


def learning_path(
    phi: Characteristic | Callable[[Any], Any],
    u0: float,
    *,
    learner: Learner | None = None,
    epsilon: float = 1e-3,
    max_steps: int | None = None,
) -> LearningPath:
    """Follow u_{t+1} = ℓ(Φ(u_t)) from ``u0`` until an ε-stable point.

    Parameters
    ----------
    phi : Characteristic or callable
        The collaborative characteristic function.
    u0 : float
        Utility of the first deployed model.
    learner : Learner, optional
        The learner map ℓ (default: the perfect learner).
    epsilon : float, default 1e-3
        Smallest meaningful change of utility: the path stops at the first
        u_T with |ℓ(Φ(u_T)) − u_T| < ε (a step equal to ε up to rounding,
        relative 1e-9, still counts as a change).
    max_steps : int, optional
        Stop after this many steps even if not converged (default
        :func:`default_max_steps`).

    Returns
    -------
    LearningPath

    Examples
    --------
    >>> from hmlsim.dynamics.characteristic import TabulatedPhi
    >>> phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
    >>> path = learning_path(phi, 0.717, epsilon=0.01)
    >>> [round(u, 3) for u in path.utilities], path.converged
    ([0.717, 0.894, 0.922], True)
    >>> cycling = learning_path(TabulatedPhi([0.4, 0.6], [0.9, 0.1]), 0.4, epsilon=0.01)
    >>> cycling.utilities, cycling.converged, cycling.cycle_period
    ((0.4, 0.9, 0.1, 0.9), False, 2)
    """
    phi = as_characteristic(phi)
    epsilon = check_positive("epsilon", epsilon)
    u = _check_start(u0, phi, "u0")
    limit = default_max_steps(epsilon) if max_steps is None else int(max_steps)
    if limit < 0:
        raise ConfigError("max_steps", f"must be >= 0, got {max_steps!r}")
    f = learning_map(phi, learner or PerfectLearner())
    utilities = [u]
    visited = {round(u, 12): 0}
    for t in range(1, limit + 1):
        nxt = float(f(u))
        if abs(nxt - u) < epsilon * STEP_RTOL:
            return LearningPath(tuple(utilities), epsilon, True)
        u = nxt
        utilities.append(u)
        key = round(u, 12)
        if key in visited:
            return LearningPath(tuple(utilities), epsilon, False, t - visited[key])
        visited[key] = t
    converged = abs(float(f(u)) - u) < epsilon * STEP_RTOL
    return LearningPath(tuple(utilities), epsilon, converged)


def iterate(
    phi: Characteristic | Callable[[Any], Any],
    starts: ArrayLike,
    n_steps: int,
    *,
    learner: Learner | None = None,
) -> NDArray[np.float64]:
    """Apply f = ℓ ∘ Φ ``n_steps`` times to many starts at once (vectorised).

    Returns
    -------
    ndarray of shape (n_steps + 1, n_starts)
        Row t holds u_t for every start.

    Examples
    --------
    >>> iterate(lambda u: 1 - u, [0.25, 0.5], 2).tolist()
    [[0.25, 0.5], [0.75, 0.5], [0.25, 0.5]]
    """
    f = learning_map(as_characteristic(phi), learner or PerfectLearner())
    current = np.atleast_1d(np.asarray(starts, dtype=float))
    out = np.empty((int(n_steps) + 1, current.size))
    out[0] = current
    for t in range(1, int(n_steps) + 1):
        current = np.asarray(f(current), dtype=float)
        out[t] = current
    return out


def proposition_bound(u0: float, epsilon: float, direction: str = "up") -> int:
    """Steps within which Propositions 1/2 promise an ε-stable point.

    ``direction="up"`` (Φ ≥ u): ⌈(1 − u_0)/ε⌉; ``"down"`` (Φ ≤ u): ⌈u_0/ε⌉.

    Examples
    --------
    >>> proposition_bound(0.717, 0.01)
    29
    """
    distance = (1.0 - u0) if direction == "up" else u0
    return max(0, math.ceil(distance / epsilon - 1e-12))
