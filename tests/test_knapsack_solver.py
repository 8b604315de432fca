"""The batched DP solver against brute force (property tests)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
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
