"""Utilities of knapsack solutions and the random-fill baseline (SPEC part A).

*Economic performance* is ``value(Y) / value(Y*)`` and *optimality* is
``1{value(Y) = value(Y*)}``; both lie in [0, 1]. A selection that exceeds the
capacity is not a valid solution and scores 0 under both (the paper's
interface never let participants submit one).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def total_value(values: ArrayLike, selection: ArrayLike) -> np.ndarray:
    """Total value of each selection (``(B, n)`` arrays in, ``(B,)`` out)."""
    return (np.asarray(values) * np.asarray(selection, dtype=bool)).sum(axis=-1)


def total_weight(weights: ArrayLike, selection: ArrayLike) -> np.ndarray:
    """Total weight of each selection (``(B, n)`` arrays in, ``(B,)`` out)."""
    return (np.asarray(weights) * np.asarray(selection, dtype=bool)).sum(axis=-1)


def is_feasible(weights: ArrayLike, capacity: ArrayLike, selection: ArrayLike) -> np.ndarray:
    """Whether each selection fits its capacity."""
    return total_weight(weights, selection) <= np.asarray(capacity)


def economic_performance(
    values: ArrayLike,
    selection: ArrayLike,
    optimum: ArrayLike,
    weights: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
) -> np.ndarray:
    """Economic performance ``value(Y) / value(Y*)`` of each selection, in [0, 1].

    Parameters
    ----------
    values : array-like, shape (B, n)
        Item values.
    selection : array-like of bool, shape (B, n)
        The solutions to score.
    optimum : array-like, shape (B,)
        The optimal values (from :func:`~hmlsim.knapsack.solver.solve_dp`).
    weights, capacity : array-like, optional
        When given, infeasible selections score 0.

    Examples
    --------
    >>> economic_performance([[3, 4, 6]], [[True, False, False]], [7]).round(3).tolist()
    [0.429]
    """
    opt = np.asarray(optimum, dtype=float)
    score = np.divide(total_value(values, selection), opt, out=np.ones_like(opt), where=opt > 0)
    if weights is not None and capacity is not None:
        score = np.where(is_feasible(weights, capacity, selection), score, 0.0)
    return np.clip(score, 0.0, 1.0)


def optimality(
    values: ArrayLike,
    selection: ArrayLike,
    optimum: ArrayLike,
    weights: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
) -> np.ndarray:
    """Optimality ``1{value(Y) = value(Y*)}`` of each selection (0.0 or 1.0)."""
    hit = total_value(values, selection) == np.asarray(optimum)
    if weights is not None and capacity is not None:
        hit &= is_feasible(weights, capacity, selection)
    return hit.astype(float)


def fill_in_order(
    weights: ArrayLike, capacity: ArrayLike, order: ArrayLike, *, stop_at_first: bool = False
) -> np.ndarray:
    """Take items in the given order while they fit.

    Parameters
    ----------
    weights : array-like, shape (B, n)
    capacity : array-like, shape (B,)
    order : array-like of int, shape (B, n)
        A permutation of the items per instance (first = considered first).
    stop_at_first : bool
        ``True``: stop at the first item that does not fit; ``False`` (default):
        skip it and consider the next ones.

    Returns
    -------
    ndarray of bool, shape (B, n)
        A feasible selection for every instance.
    """
    w = np.asarray(weights)
    order = np.asarray(order)
    if stop_at_first:
        rows2 = np.arange(w.shape[0])[:, None]
        cumulative = np.cumsum(w[rows2, order], axis=1)
        keep = np.cumprod(cumulative <= np.asarray(capacity)[:, None], axis=1).astype(bool)
        chosen = np.zeros(w.shape, dtype=bool)
        chosen[rows2, order] = keep
        return chosen
    rows = np.arange(w.shape[0])
    load = np.zeros(w.shape[0], dtype=w.dtype)
    remaining = np.asarray(capacity)
    selection = np.zeros(w.shape, dtype=bool)
    for k in range(w.shape[1]):
        item = order[:, k]
        wk = w[rows, item]
        fits = load + wk <= remaining
        selection[rows, item] = fits
        load = load + np.where(fits, wk, 0)
    return selection


def random_fill(
    weights: ArrayLike, capacity: ArrayLike, rng: np.random.Generator, *, stop_at_first: bool = True
) -> np.ndarray:
    """The paper's random baseline: items in random order while they fit.

    Parameters
    ----------
    weights : array-like, shape (B, n)
    capacity : array-like, shape (B,)
    rng : numpy.random.Generator
    stop_at_first : bool
        ``True`` (default): stop at the first item that does not fit ("pick items
        until reaching the weight capacity"); ``False``: skip it and go on.

    Returns
    -------
    ndarray of bool, shape (B, n)
    """
    w = np.asarray(weights)
    order = rng.permuted(np.tile(np.arange(w.shape[1]), (w.shape[0], 1)), axis=1)
    return fill_in_order(w, capacity, order, stop_at_first=stop_at_first)
