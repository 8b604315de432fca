"""Learner maps ℓ: how much of the human+ML utility the next model inherits.

The firm trains model m_{t+1} on epoch t's human+ML labels, so
u(m_{t+1}) = ℓ(Φ(u(m_t))) (SPEC A.7). A *perfect* learner copies the labels,
ℓ(v) = v; the paper's *imperfect* learner tilts the line, ℓ(v) = λ·v clipped
to [0, 1], so stable points lie where Φ(u) = u/λ; any increasing map works.
ε-sensitivity quantises utilities to multiples of the smallest meaningful
change ε (:class:`QuantisedLearner`).

Every learner is a vectorised callable ``learner(v) -> u`` with values in
[0, 1] and an :meth:`~Learner.inverse` ℓ⁻¹ giving the line that Φ meets at
a stable point (the 45° line u for the perfect learner, u/λ for a tilt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hmlsim.errors import ConfigError, check_number, check_positive


def _out(array: NDArray[np.float64], like: ArrayLike) -> Any:
    return float(array) if np.ndim(like) == 0 else array


def quantise(u: ArrayLike, epsilon: float) -> Any:
    """Round utilities to the nearest multiple of ``epsilon`` within [0, 1].

    Examples
    --------
    >>> quantise([0.123, 0.127, 0.999], 0.01).tolist()
    [0.12, 0.13, 1.0]
    """
    check_positive("epsilon", epsilon)
    array = np.asarray(u, dtype=float)
    top = np.floor(1.0 / epsilon + 1e-9) * epsilon
    out = np.clip(np.round(np.rint(array / epsilon) * epsilon, 12), 0.0, top)
    # 1 is always a node, even when 1/ε is not an integer (then the last gap is < ε)
    out = np.where(array > (top + 1.0) / 2.0, 1.0, out)
    return _out(out, u)


def epsilon_grid(epsilon: float) -> NDArray[np.float64]:
    """The utilities ε-quantisation can produce: 0, ε, 2ε, …, and 1.

    Examples
    --------
    >>> epsilon_grid(0.3).tolist()
    [0.0, 0.3, 0.6, 0.9, 1.0]
    """
    check_positive("epsilon", epsilon)
    n = int(np.floor(1.0 / epsilon + 1e-9))
    nodes = np.round(np.arange(n + 1) * epsilon, 12)
    if nodes[-1] < 1.0 - 1e-12:
        nodes = np.append(nodes, 1.0)
    return np.minimum(nodes, 1.0)


class Learner:
    """Base class: an increasing map ℓ from team utility to next model utility."""

    name: str = "learner"

    def map(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """ℓ on a float array (subclasses implement this)."""
        raise NotImplementedError

    def inverse(self, u: ArrayLike) -> Any:
        """ℓ⁻¹(u): the team utility the learner turns into model utility ``u``."""
        raise NotImplementedError

    def __call__(self, v: ArrayLike) -> Any:
        """Apply ℓ; a scalar gives a float, an array an array."""
        return _out(np.asarray(self.map(np.asarray(v, dtype=float)), dtype=float), v)

    def quantised(self, epsilon: float) -> QuantisedLearner:
        """This learner followed by ε-quantisation."""
        return QuantisedLearner(self, epsilon)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description (for outputs)."""
        return {"learner": self.name}


@dataclass(frozen=True)
class PerfectLearner(Learner):
    """ℓ(v) = v: the next model reproduces the human+ML labels exactly.

    Examples
    --------
    >>> PerfectLearner()(0.8)
    0.8
    """

    name: str = "perfect"

    def map(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.clip(v, 0.0, 1.0)

    def inverse(self, u: ArrayLike) -> Any:
        return _out(np.asarray(u, dtype=float), u)


@dataclass(frozen=True)
class TiltedLearner(Learner):
    """ℓ(v) = min(1, λ·v): the paper's imperfect learner (A.7).

    Parameters
    ----------
    tilt : float
        The transfer factor λ > 0. λ < 1: the model keeps only part of the
        humans' gain; λ > 1: it exceeds its labels. Stable points lie on the
        tilted line Φ(u) = u/λ (or at u = 1 where λ·Φ(1) ≥ 1).

    Examples
    --------
    >>> TiltedLearner(0.9)(0.5)
    0.45
    >>> TiltedLearner(1.5)(0.9)
    1.0
    >>> TiltedLearner(0.9).inverse(0.45)
    0.5
    """

    tilt: float = 1.0
    name: str = field(default="tilted", init=False)

    def __post_init__(self) -> None:
        check_learner_tilt("tilt", self.tilt)

    def map(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.clip(self.tilt * v, 0.0, 1.0)

    def inverse(self, u: ArrayLike) -> Any:
        return _out(np.asarray(u, dtype=float) / self.tilt, u)

    def describe(self) -> dict[str, Any]:
        return {"learner": self.name, "tilt": self.tilt}


@dataclass(frozen=True)
class MonotoneLearner(Learner):
    """Any non-decreasing map ℓ: [0, 1] → [0, 1].

    Parameters
    ----------
    function : callable
        Vectorised ``function(v) -> u``; values are clipped to [0, 1].
    name : str, default "monotone"
        A label.
    check : bool, default True
        Check on a grid of 1001 points that ``function`` is non-decreasing
        (raises :class:`ConfigError` naming ``function`` otherwise).

    Examples
    --------
    >>> learner = MonotoneLearner(lambda v: v**2, name="square")
    >>> learner(0.5)
    0.25
    >>> round(learner.inverse(0.25), 6)
    0.5
    """

    function: Callable[[Any], Any] = field(default=lambda v: v)
    name: str = "monotone"
    check: bool = True

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise ConfigError("function", "must be callable")
        if self.check:
            grid = np.linspace(0.0, 1.0, 1001)
            values = self.map(grid)
            if np.any(np.diff(values) < -1e-12):
                at = float(grid[int(np.argmax(np.diff(values) < -1e-12))])
                raise ConfigError(
                    "function", f"a learner map must be non-decreasing; falls at {at}"
                )

    def map(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.asarray(self.function(np.asarray(v, dtype=float)), dtype=float)
        return np.clip(np.broadcast_to(out, np.shape(v)), 0.0, 1.0)

    def inverse(self, u: ArrayLike) -> Any:
        grid = np.linspace(0.0, 1.0, 4001)
        values = np.maximum.accumulate(self.map(grid))
        return _out(np.interp(np.asarray(u, dtype=float), values, grid), u)


@dataclass(frozen=True)
class QuantisedLearner(Learner):
    """A learner whose output is rounded to multiples of ε (ε-sensitivity).

    Parameters
    ----------
    base : Learner
        The learner to quantise.
    epsilon : float
        The smallest meaningful change of utility, > 0.

    Examples
    --------
    >>> QuantisedLearner(PerfectLearner(), 0.05)(0.87)
    0.85
    """

    base: Learner = field(default_factory=PerfectLearner)
    epsilon: float = 0.01

    def __post_init__(self) -> None:
        check_positive("epsilon", self.epsilon)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"{self.base.name}+quantised"

    def map(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(quantise(self.base.map(v), self.epsilon), dtype=float)

    def inverse(self, u: ArrayLike) -> Any:
        return self.base.inverse(u)

    def describe(self) -> dict[str, Any]:
        return {**self.base.describe(), "quantised": self.epsilon}


#: the largest learner tilt λ: beyond it λ·Φ(u) is 1 for every Φ(u) above 1/λ = 0.1
MAX_TILT = 10.0


def check_learner_tilt(field: str, value: object) -> float:
    """Return a learner tilt λ if it lies in (0, :data:`MAX_TILT`], else raise ConfigError."""
    return check_number(field, value, minimum=0.0, strict_minimum=True, maximum=MAX_TILT)


def make_learner(tilt: float | None = None) -> Learner:
    """The perfect learner for ``tilt`` None or 1, else a :class:`TiltedLearner`."""
    if tilt is None or float(tilt) == 1.0:
        return PerfectLearner()
    return TiltedLearner(float(tilt))


def learning_map(phi: Callable[[Any], Any], learner: Learner | None = None) -> Callable[[Any], Any]:
    """The one-step map f(u) = ℓ(Φ(u)) as a vectorised function.

    Examples
    --------
    >>> f = learning_map(lambda u: 0.5 + 0.5 * u, TiltedLearner(0.9))
    >>> round(f(0.5), 4)
    0.675
    """
    learner = learner or PerfectLearner()

    def step(u: ArrayLike) -> Any:
        return learner(phi(u))

    return step
