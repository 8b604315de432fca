"""Packed row sets: packing round-trips and population counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.advisors import bitsets


@given(st.integers(1, 200), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_pack_unpack_and_count(n_rows, n_sets, seed):
    mask = np.random.default_rng(seed).random((n_sets, n_rows)) < 0.4
    words = bitsets.pack_rows(mask)
    assert words.dtype == np.uint64 and words.shape == (n_sets, -(-n_rows // 64))
    assert np.array_equal(bitsets.unpack_rows(words, n_rows), mask)
    assert bitsets.popcount(words).tolist() == mask.sum(axis=1).tolist()
    other = np.random.default_rng(seed + 1).random((n_sets, n_rows)) < 0.5
    both = bitsets.popcount(words & bitsets.pack_rows(other))
    assert both.tolist() == (mask & other).sum(axis=1).tolist()


def test_popcount_without_numpy_bitwise_count(monkeypatch):
    mask = np.random.default_rng(0).random((3, 130)) < 0.5
    words = bitsets.pack_rows(mask)
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert bitsets.popcount(words).tolist() == mask.sum(axis=1).tolist()


@pytest.mark.parametrize("n_rows", [1, 63, 64, 65])
def test_bits_past_the_last_row_are_zero(n_rows):
    words = bitsets.pack_rows(np.ones((1, n_rows), bool))
    assert bitsets.popcount(words).tolist() == [n_rows]
