"""Exact 0-1 knapsack optimum by dynamic programming, vectorised over a batch.

The table has one row per instance and one column per capacity ``0..C``; every
item is one vectorised update of a block of instances, so a batch of ``B``
instances with ``n`` items costs ``O(n · B · C)`` NumPy work and no Python loop
over instances. Besides the optimal value and item set the solver counts how
many item sets reach the optimal value, which the generator uses to keep only
instances whose optimum is unique.

How it is fast (for the paper's 18 items, about 110,000 instances per
CPU-second against 3,900 for the plain formulation of one int64 table of values
and one of counts; ``benchmarks/bench_knapsack_dp.py``):

- **One packed integer per cell.** The best value and the number of item sets
  reaching it are stored together as ``value << k | count`` with ``k = n + 1``
  bits for the count (a count is at most ``2**n``, and at least 1). For an
  item, ``t = candidate - (cell with its count bits cleared)`` is negative
  when the candidate is worth less, the candidate's count when it ties, and
  above ``2**n`` when it is worth more, so ``max(cell + clip(t, 0, 2**n),
  candidate)`` keeps the cell, adds the counts, or takes the candidate, and
  the item is taken where the new cell equals the candidate (a tie leaves the
  cell above it). The table is ``int32`` when the
  largest possible packed cell (the instance's value sum shifted, plus
  ``2**n``) is below ``2**30`` -- the case for the paper's instances (18 items,
  value sums below 2048) -- else ``int64`` (below ``2**62``), else Python
  integers (exact, slow).
- **The per-row shift is one gather of contiguous windows.** The table is
  one flat buffer, rows of ``C + 1`` cells after a zero lead-in; the source of
  row ``r`` for an item of weight ``w_r`` is the window of ``C + 1`` cells that
  starts ``w_r`` cells earlier (``sliding_window_view``), so one fancy index
  over the window starts copies every row's shifted source. The ``w_r`` cells
  a window borrows from the previous row (or the lead-in) are pushed far below
  zero by adding ``-2**30`` (``-2**62``) instead of the item's value, so they
  never win and never tie.
- **Blocks that fit in cache.** Instances are sorted by capacity and solved in
  blocks of about ``_CHUNK_CELLS`` table cells, each block only as wide as its
  largest capacity.

Every step is exact integer arithmetic; the optimum, the count and the
selection returned are those of the plain formulation (the benchmark and
``tests/test_knapsack_solver.py`` check this, ties included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
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
        One optimal item set. Among ties, the one the back-tracking finds:
        from the last item to the first, item ``i`` is taken exactly when it
        strictly raises the best value of items ``0..i-1`` at the capacity
        still left.
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


#: table cells (instances × capacities) solved at once: a block's int32 tables
#: stay in the cache (measured: 2**17..2**19 equally fast, 2**15 half as fast)
_CHUNK_CELLS = 1 << 18


def _packed_dtype(value_bound: int, n_items: int) -> tuple[type, int]:
    """The cell type for ``value << (n + 1) | count`` cells, and the sentinel offset.

    Parameters
    ----------
    value_bound : int
        An upper bound on every value in the table (the largest value sum).
    n_items : int
        Items per instance (a count is at most ``2**n_items``).

    Returns
    -------
    dtype : type
        ``np.int32``, ``np.int64`` or ``object`` (Python integers).
    huge : int
        A bound ``top`` with every cell in ``[0, top)``. A borrowed cell plus
        ``-top`` lies in ``[-top, 0)`` and, less a cell's value bits, stays above
        ``-2 * top``: with ``top = 2**30`` (``2**62``) nothing overflows int32 (int64).
    """
    largest = (value_bound << (n_items + 1)) + (1 << n_items)
    if largest < 1 << 30:
        return np.int32, 1 << 30
    if largest < 1 << 62:
        return np.int64, 1 << 62
    return object, largest + 1


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
    value = np.zeros(n_batch, dtype=np.int64)
    n_optimal = np.ones(n_batch, dtype=np.int64 if n_items < 63 else object)
    selection = np.zeros((n_batch, n_items), dtype=bool)
    if n_batch == 0:
        return DPResult(value=value, selection=selection, n_optimal=n_optimal)
    # instances sorted by capacity, so that a block is as wide as its own largest one
    order = np.argsort(cap, kind="stable")
    block = max(1, _CHUNK_CELLS // (int(cap.max()) + 1))
    for start in range(0, n_batch, block):
        rows = order[start : start + block]
        value[rows], n_optimal[rows], selection[rows] = _solve_block(w[rows], v[rows], cap[rows])
    return DPResult(value=value, selection=selection, n_optimal=n_optimal)


def _solve_block(w: np.ndarray, v: np.ndarray, cap: np.ndarray):
    """Value, count and selection of a block of instances (see the module notes)."""
    n_batch, n_items = w.shape
    width = int(cap.max()) + 1
    k = n_items + 1
    count_mask = (1 << k) - 1
    if int(v.max(initial=0)) * n_items < 1 << 62:  # the row sums cannot overflow
        value_bound = int(v.sum(axis=1).max())
    else:
        value_bound = int(v.max()) * n_items
    dtype, huge = _packed_dtype(value_bound, n_items)
    # the flat table after a lead-in of `width` zeros; every cell starts as
    # value 0 reached by one item set (the empty one)
    buffer = np.zeros(width * (n_batch + 1), dtype=dtype)
    table = buffer[width:].reshape(n_batch, width)
    table[...] = 1
    windows = sliding_window_view(buffer, width)
    row_start = np.arange(1, n_batch + 1) * width
    shift = np.minimum(w, width)  # an item heavier than every capacity never fits
    packed_values = v.astype(dtype) << k
    # per row: `shift` sentinel cells, then `width - shift` cells of the item's value
    addend = np.empty(2 * n_batch, dtype=dtype)
    addend[0::2] = -huge
    run = np.empty(2 * n_batch, dtype=np.intp)
    top = np.empty((n_batch, width), dtype=dtype)
    take = np.empty((n_items, n_batch, width), dtype=bool)
    for i in range(n_items):
        candidate = windows[row_start - shift[:, i]]
        addend[1::2] = packed_values[:, i]
        run[0::2] = shift[:, i]
        np.subtract(width, shift[:, i], out=run[1::2])
        candidate += np.repeat(addend, run).reshape(n_batch, width)
        # top = candidate minus the table's value bits: < 0 if worse, its count
        # (1..2**n) if tied, > 2**n if better; clipped, it is what the cell gains
        np.bitwise_and(table, ~count_mask, out=top)
        np.subtract(candidate, top, out=top)
        np.clip(top, 0, 1 << n_items, out=top)
        table += top
        np.maximum(table, candidate, out=table)
        np.equal(table, candidate, out=take[i])  # only where strictly better
    flat_row = np.arange(n_batch) * width
    final = table.ravel()[flat_row + cap]
    remaining = cap.copy()
    selection = np.zeros((n_batch, n_items), dtype=bool)
    for i in range(n_items - 1, -1, -1):
        chosen = take[i].ravel()[flat_row + remaining]
        selection[:, i] = chosen
        remaining -= chosen * w[:, i]
    return final >> k, final & count_mask, selection
