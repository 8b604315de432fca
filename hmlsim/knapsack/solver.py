"""Exact 0-1 knapsack optimum by dynamic programming, vectorised over a batch.

The table has one row per instance and one column per capacity ``0..C`` where
``C`` is the largest capacity in the batch; every item is one vectorised update
of the whole batch, so a batch of ``B`` instances with ``n`` items costs
``O(n · B · C)`` NumPy work and no Python loop over instances. Besides the
optimal value and item set the solver counts how many item sets reach the
optimal value, which the generator uses to keep only instances whose optimum is
unique.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hmlsim.errors import ConfigError


@dataclass(frozen=True)
class DPResult:
    """The exact solution of a batch of knapsack instances.

    Attributes
    ----------
    value : ndarray of int, shape (B,)
        The optimal total value.
    selection : ndarray of bool, shape (B, n)
        One optimal item set (among ties, the one the back-tracking finds).
    n_optimal : ndarray of int, shape (B,)
        How many distinct item sets reach the optimal value (1 = unique).
    """

    value: np.ndarray
    selection: np.ndarray
    n_optimal: np.ndarray


def _as_batch(weights: ArrayLike, values: ArrayLike, capacity: ArrayLike):
    w = np.atleast_2d(np.asarray(weights))
    v = np.atleast_2d(np.asarray(values))
    c = np.atleast_1d(np.asarray(capacity))
    if w.shape != v.shape:
        raise ConfigError("values", f"must have the shape of weights {w.shape}, got {v.shape}")
    if c.shape != (w.shape[0],):
        raise ConfigError("capacity", f"needs one entry per instance ({w.shape[0]}), got {c.shape}")
    for name, arr in (("weights", w), ("values", v), ("capacity", c)):
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.equal(np.mod(arr, 1), 0)):
                raise ConfigError(name, "must be integers")
            arr = arr.astype(np.int64)
        if np.any(arr < 0):
            raise ConfigError(name, "must be >= 0")
    return w.astype(np.int64), v.astype(np.int64), c.astype(np.int64)


def solve_dp(weights: ArrayLike, values: ArrayLike, capacity: ArrayLike) -> DPResult:
    """Solve a batch of 0-1 knapsack instances exactly.

    Parameters
    ----------
    weights, values : array-like of int, shape (B, n) or (n,)
        Non-negative integer item weights and values.
    capacity : array-like of int, shape (B,) or scalar
        Non-negative integer capacities.

    Returns
    -------
    DPResult
        Optimal values, one optimal selection per instance, and the number of
        optimal item sets.

    Examples
    --------
    >>> r = solve_dp([[2, 3, 4]], [[3, 4, 6]], [5])
    >>> int(r.value[0]), r.selection[0].tolist(), int(r.n_optimal[0])
    (7, [True, True, False], 1)
    """
    w, v, cap = _as_batch(weights, values, capacity)
    n_batch, n_items = w.shape
    c_max = int(cap.max()) if n_batch else 0
    grid = np.arange(c_max + 1)
    rows = np.arange(n_batch)[:, None]
    best = np.zeros((n_batch, c_max + 1), dtype=np.int64)
    count = np.ones((n_batch, c_max + 1), dtype=np.int64)
    take = np.zeros((n_batch, n_items, c_max + 1), dtype=bool)
    for i in range(n_items):
        source = grid[None, :] - w[:, i : i + 1]
        fits = source >= 0
        source = np.where(fits, source, 0)
        candidate = np.where(fits, best[rows, source] + v[:, i : i + 1], -1)
        candidate_count = np.where(fits, count[rows, source], 0)
        better = candidate > best
        equal = candidate == best
        take[:, i, :] = better
        count = np.where(better, candidate_count, np.where(equal, count + candidate_count, count))
        best = np.where(better, candidate, best)
    flat = np.arange(n_batch)
    value = best[flat, cap]
    n_optimal = count[flat, cap]
    selection = np.zeros((n_batch, n_items), dtype=bool)
    remaining = cap.copy()
    for i in range(n_items - 1, -1, -1):
        chosen = take[flat, i, remaining]
        selection[:, i] = chosen
        remaining = remaining - chosen * w[:, i]
    return DPResult(value=value, selection=selection, n_optimal=n_optimal)
