"""Hypothesis strategies that generate characteristic functions for property tests.

The generated Φ's are rich (piecewise-linear with many knots, smooth
polynomials, oscillating functions with several crossings of the 45° line) and
shrink to readable counter-examples: knots are multiples of 1/1000 and every
callable Φ carries its parameters in its name.

Hypothesis is a test dependency (``pip install -e ".[test]"``); nothing else in
hmlsim imports this module.

Examples
--------
>>> from hypothesis import given
>>> @given(phis())
... def test_in_unit_interval(phi):
...     assert 0 <= phi(0.5) <= 1
>>> test_in_unit_interval()
"""

from __future__ import annotations

from math import comb

import numpy as np
from hypothesis import strategies as st

from hmlsim.dynamics.characteristic import CallablePhi, Characteristic, TabulatedPhi

__all__ = [
    "bernstein_phis",
    "harming_phis",
    "improving_phis",
    "oscillating_phis",
    "phis",
    "piecewise_linear_phis",
]

_milli = st.integers(0, 1000).map(lambda k: k / 1000)


@st.composite
def piecewise_linear_phis(draw: st.DrawFn, max_knots: int = 8) -> TabulatedPhi:
    """Φ through 2..``max_knots`` knots on a 1/1000 grid, including u = 0 and u = 1."""
    inner = draw(st.lists(st.integers(1, 999), max_size=max_knots - 2, unique=True))
    xs = [0.0, *sorted(k / 1000 for k in inner), 1.0]
    ys = draw(st.lists(_milli, min_size=len(xs), max_size=len(xs)))
    return TabulatedPhi(xs, ys, name="random piecewise-linear")


def _bernstein(weights: tuple[float, ...]) -> CallablePhi:
    n = len(weights) - 1
    coef = np.array([comb(n, k) * w for k, w in enumerate(weights)])
    powers = np.arange(n + 1)

    def phi(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)[..., None]
        return (coef * u**powers * (1 - u) ** (n - powers)).sum(axis=-1)

    return CallablePhi(phi, name=f"bernstein{weights}")


@st.composite
def bernstein_phis(draw: st.DrawFn, max_degree: int = 7) -> CallablePhi:
    """A smooth polynomial Φ(u) = Σ w_k C(n,k) u^k (1−u)^(n−k) with weights in [0, 1]."""
    weights = draw(st.lists(_milli, min_size=2, max_size=max_degree + 1))
    return _bernstein(tuple(weights))


@st.composite
def oscillating_phis(draw: st.DrawFn) -> CallablePhi:
    """Φ(u) = u + A·u(1−u)·sin(kπu + φ): smooth, into [0, 1], up to k + 1 crossings."""
    amplitude = draw(st.integers(1, 100)) / 100
    k = draw(st.integers(1, 6))
    phase = draw(st.integers(0, 628)) / 100

    def phi(u: np.ndarray) -> np.ndarray:
        return u + amplitude * u * (1 - u) * np.sin(k * np.pi * u + phase)

    return CallablePhi(phi, name=f"u + {amplitude}·u(1−u)·sin({k}πu + {phase})")


def phis() -> st.SearchStrategy[Characteristic]:
    """Any of the continuous Φ: [0, 1] → [0, 1] above."""
    return st.one_of(piecewise_linear_phis(), bernstein_phis(), oscillating_phis())


def _shifted(base: Characteristic, up: bool) -> CallablePhi:
    def phi(u: np.ndarray) -> np.ndarray:
        s = np.clip(np.asarray(base(u), dtype=float), 0.0, 1.0)
        return u + (1 - u) * s if up else u * (1 - s)

    label = "u + (1−u)·s(u)" if up else "u·(1 − s(u))"
    return CallablePhi(phi, name=f"{label}, s = {base!r}", breakpoints=base.breakpoints)


def improving_phis() -> st.SearchStrategy[CallablePhi]:
    """Φ ≥ u everywhere (Proposition 1's premise): Φ(u) = u + (1 − u)·s(u), s from :func:`phis`."""
    return phis().map(lambda s: _shifted(s, up=True))


def harming_phis() -> st.SearchStrategy[CallablePhi]:
    """Φ ≤ u everywhere (Proposition 2's premise): Φ(u) = u·(1 − s(u)), s from :func:`phis`."""
    return phis().map(lambda s: _shifted(s, up=False))
