"""The batched DP solver against brute force and a scalar DP (property tests)."""

from __future__ import annotations

import itertools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.knapsack import solver
from hmlsim.knapsack.instances import draw_raw
from hmlsim.knapsack.solver import solve_dp
from hmlsim.knapsack.utility import total_value, total_weight


def brute_force(w: np.ndarray, v: np.ndarray, cap: int) -> tuple[int, int]:
    """Best value and number of item sets reaching it, by enumeration."""
    n = len(w)
    subsets = np.array(list(itertools.product([0, 1], repeat=n)), dtype=bool)
    weight = (subsets * w).sum(axis=1)
    value = np.where(weight <= cap, (subsets * v).sum(axis=1), -1)
    best = int(value.max())
    return best, int((value == best).sum())


instance = st.integers(1, 8).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 30), min_size=n, max_size=n),
        st.lists(st.integers(0, 30), min_size=n, max_size=n),
        st.integers(0, 100),
    )
)


same_size = st.lists(instance, min_size=1, max_size=4).filter(
    lambda b: len({len(x[0]) for x in b}) == 1
)


@given(same_size)
def test_dp_equals_brute_force_and_beats_every_feasible_set(batch):
    w = np.array([b[0] for b in batch])
    v = np.array([b[1] for b in batch])
    cap = np.array([b[2] for b in batch])
    result = solve_dp(w, v, cap)
    for k in range(len(batch)):
        best, count = brute_force(w[k], v[k], int(cap[k]))
        assert result.value[k] == best
        assert result.n_optimal[k] == count
    # the returned selection is feasible and reaches the optimum
    assert np.all(total_weight(w, result.selection) <= cap)
    assert np.array_equal(total_value(v, result.selection), result.value)
    # every feasible set is worth at most the optimum
    n = w.shape[1]
    for bits in itertools.product([False, True], repeat=n):
        sel = np.tile(bits, (len(batch), 1))
        feasible = total_weight(w, sel) <= cap
        assert np.all(total_value(v, sel)[feasible] <= result.value[feasible])


def test_known_example_and_tie_count():
    result = solve_dp([[2, 3, 4], [1, 1, 2]], [[3, 4, 6], [1, 1, 2]], [5, 2])
    assert result.value.tolist() == [7, 2]
    assert result.selection[0].tolist() == [True, True, False]
    assert result.n_optimal.tolist() == [1, 2]  # {0,1} and {2} both worth 2


def test_bad_input_names_field():
    with pytest.raises(ConfigError, match="capacity"):
        solve_dp([[1, 2]], [[1, 2]], [1, 2])
    with pytest.raises(ConfigError, match="weights"):
        solve_dp([[-1, 2]], [[1, 2]], [3])
    with pytest.raises(ConfigError, match="values"):
        solve_dp([[1, 2]], [[1, 2, 3]], [3])


def scalar_dp(w: list[int], v: list[int], cap: int) -> tuple[int, int, list[bool]]:
    """Best value, number of optimal item sets and the back-tracked selection, in plain Python.

    ``best[i][c]`` / ``count[i][c]``: the best value of items ``0..i-1`` within
    capacity ``c`` and how many item sets reach it. Back-tracking from the last
    item takes item ``i`` exactly when it strictly improves on items ``0..i-1``
    at the capacity left -- the tie rule :func:`solve_dp` documents.
    """
    n = len(w)
    best = [[0] * (cap + 1)]
    count = [[1] * (cap + 1)]
    for i in range(n):
        b, k = best[-1], count[-1]
        nb, nk = list(b), list(k)
        for c in range(w[i], cap + 1):
            cand = b[c - w[i]] + v[i]
            if cand > b[c]:
                nb[c], nk[c] = cand, k[c - w[i]]
            elif cand == b[c]:
                nk[c] = k[c] + k[c - w[i]]
        best.append(nb)
        count.append(nk)
    selection = [False] * n
    c = cap
    for i in range(n - 1, -1, -1):
        if best[i + 1][c] > best[i][c]:
            selection[i] = True
            c -= w[i]
    return best[n][cap], count[n][cap], selection


def assert_equals_scalar(w: np.ndarray, v: np.ndarray, cap: np.ndarray) -> None:
    result = solve_dp(w, v, cap)
    for k in range(len(cap)):
        value, count, selection = scalar_dp(w[k].tolist(), v[k].tolist(), int(cap[k]))
        assert int(result.value[k]) == value
        assert int(result.n_optimal[k]) == count
        assert result.selection[k].tolist() == selection


tie_prone = st.integers(0, 10).flatmap(
    lambda n: st.lists(
        st.tuples(
            st.lists(st.integers(0, 6), min_size=n, max_size=n),
            st.lists(st.integers(0, 6), min_size=n, max_size=n),
            st.integers(0, 25),
        ),
        min_size=1,
        max_size=12,
    )
)


@given(tie_prone, st.sampled_from([1, 7, 40, 1 << 18]))
def test_dp_equals_scalar_dp_with_ties_in_blocks(batch, chunk_cells):
    """Small weights and values (zeros included) make many ties; small blocks split the batch."""
    n = len(batch[0][0])
    w = np.array([b[0] for b in batch], dtype=np.int64).reshape(len(batch), n)
    v = np.array([b[1] for b in batch], dtype=np.int64).reshape(len(batch), n)
    cap = np.array([b[2] for b in batch])
    with mock.patch.object(solver, "_CHUNK_CELLS", chunk_cells):
        assert_equals_scalar(w, v, cap)


@pytest.mark.parametrize(
    ("n_items", "v_max", "dtype"),
    [(18, 30, np.int32), (12, 10**9, np.int64), (40, 10**6, object)],
)
def test_every_cell_type_is_exact(n_items, v_max, dtype):
    """int32, int64 and Python-integer tables give the scalar DP's answers."""
    rng = np.random.default_rng(n_items)
    w = rng.integers(0, 12, size=(30, n_items))
    v = rng.integers(0, v_max + 1, size=(30, n_items))
    v[:5] = v[:5, :1]  # equal values: ties
    cap = rng.integers(0, 60, size=30)
    assert solver._packed_dtype(int(v.sum(axis=1).max()), n_items)[0] is dtype
    assert_equals_scalar(w, v, cap)


def test_generator_draws_match_scalar_dp():
    """The paper's instances (18 items, capacities up to 250), ties included."""
    w, v, cap = draw_raw(60, np.random.default_rng(3))
    assert_equals_scalar(w, v, cap)


def test_empty_batch_and_no_items():
    empty = solve_dp(np.zeros((0, 3), int), np.zeros((0, 3), int), np.zeros(0, int))
    assert empty.value.shape == (0,) and empty.selection.shape == (0, 3)
    none = solve_dp(np.zeros((2, 0), int), np.zeros((2, 0), int), [0, 4])
    assert none.value.tolist() == [0, 0] and none.n_optimal.tolist() == [1, 1]
