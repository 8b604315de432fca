"""Properties of the CPT-logit acceptance probability and of accept/reject sampling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

import hmlsim
from hmlsim.behaviour import accept_probability, sample_acceptance
from hmlsim.errors import ConfigError

unit = st.floats(0.0, 1.0, allow_nan=False)
params = st.fixed_dictionaries(
    {
        "delta": st.floats(0.0, 20.0),
        "k": st.floats(0.2, 2.0),
        "gamma": st.floats(0.2, 2.0),
        "beta": st.floats(0.0, 2.0),
    }
)
TOL = 1e-9


def test_published_examples_and_top_level_export():
    assert hmlsim.accept_probability is accept_probability
    assert accept_probability(0.8, 0.2) == pytest.approx(0.895, abs=5e-4)
    assert accept_probability(0.6, 0.2) == pytest.approx(0.5, abs=1e-9)
    for c_model in (0.0, 0.3, 0.7, 0.99):
        assert accept_probability(c_model, 1.0) == pytest.approx(0.0006, abs=1e-4)
    # both inputs certain (c^M = c^H = 1) is 0/0 in the combination; the clipping
    # to (1e-7, 1 - 1e-7) resolves it to an even split, as the released code does
    assert accept_probability(1.0, 1.0) == pytest.approx(0.5, abs=1e-6)


@given(unit, unit, params)
def test_probability_in_unit_interval(c_model, c_human, kw):
    p = accept_probability(c_model, c_human, **kw)
    assert isinstance(p, float)
    assert 0.0 <= p <= 1.0


@given(unit, unit, unit, params)
def test_non_decreasing_in_model_confidence(c1, c2, c_human, kw):
    lo, hi = sorted((c1, c2))
    assert accept_probability(lo, c_human, **kw) <= accept_probability(hi, c_human, **kw) + TOL


@given(unit, unit, unit, params)
def test_non_increasing_in_human_confidence(c1, c2, c_model, kw):
    lo, hi = sorted((c1, c2))
    assert accept_probability(c_model, lo, **kw) + TOL >= accept_probability(c_model, hi, **kw)


@given(st.floats(0.5, 1.0), params)
def test_one_half_where_beliefs_balance(c_model, kw):
    # the advice is believed right with the same probability as the expert's own
    # answer (c^M = q = (1 + c^H) / 2): combined belief 1/2, equal utilities
    c_human = 2.0 * c_model - 1.0
    assert accept_probability(c_model, c_human, **kw) == pytest.approx(0.5, abs=1e-6)


@given(unit, params)
def test_complementary_advice_against_an_undecided_expert(c_model, kw):
    # with c^H = 0 (q = 1/2) the combined belief is the advice's; the logit of
    # (1+beta)(2w(P)-1) is odd in P - 1/2, so p(c) + p(1 - c) = 1
    total = accept_probability(c_model, 0.0, **kw) + accept_probability(1.0 - c_model, 0.0, **kw)
    assert total == pytest.approx(1.0, abs=1e-6)


@given(st.floats(0.0, 0.5), unit, params)
def test_belief_sources_are_exchangeable(c_model, c_human, kw):
    # the Adjusted-Naive-Bayes combination treats the advice's belief c^M and the
    # expert's belief in the advice 1 - q symmetrically: swapping them changes nothing
    swapped_model = (1.0 - c_human) / 2.0
    swapped_human = 1.0 - 2.0 * c_model
    assume(0.0 <= swapped_human <= 1.0)
    p = accept_probability(c_model, c_human, **kw)
    assert p == pytest.approx(accept_probability(swapped_model, swapped_human, **kw), abs=1e-6)


@given(
    st.lists(unit, min_size=1, max_size=20),
    st.lists(unit, min_size=1, max_size=20),
)
def test_vectorised_matches_scalar(cms, chs):
    n = min(len(cms), len(chs))
    cm, ch = np.array(cms[:n]), np.array(chs[:n])
    vec = accept_probability(cm, ch)
    assert vec.shape == (n,)
    assert np.allclose(vec, [accept_probability(a, b) for a, b in zip(cm, ch, strict=True)])
    grid = accept_probability(cm[:, None], ch[None, :])
    assert grid.shape == (n, n)


@pytest.mark.parametrize("bad", [-0.1, 1.2, np.nan])
def test_confidence_outside_unit_interval_is_an_error(bad):
    with pytest.raises(ConfigError, match="c_model"):
        accept_probability(bad, 0.5)
    with pytest.raises(ConfigError, match="c_human"):
        accept_probability(0.5, np.array([0.1, bad]))


def test_sampling_frequencies_match_probabilities():
    rng = np.random.default_rng(2024)
    c_model = np.linspace(0.0, 1.0, 11)
    c_human = np.array([0.0, 0.2, 0.6, 0.95])
    p = accept_probability(c_model[:, None], c_human[None, :])
    reps = 20_000
    counts = np.zeros_like(p)
    for _ in range(reps // 1000):
        draws = sample_acceptance(np.broadcast_to(p, (1000, *p.shape)), rng)
        counts += draws.sum(axis=0)
    # each cell: two-sided binomial test at a Bonferroni-corrected level
    pvalues = [
        stats.binomtest(int(c), reps, float(q)).pvalue
        for c, q in zip(counts.ravel(), p.ravel(), strict=True)
        if 0.0 < q < 1.0
    ]
    assert min(pvalues) > 0.001 / p.size
    assert np.max(np.abs(counts / reps - p)) < 0.015


def test_sampling_is_reproducible():
    p = np.full(100, 0.3)
    a = sample_acceptance(p, np.random.default_rng(5))
    b = sample_acceptance(p, np.random.default_rng(5))
    assert np.array_equal(a, b) and a.dtype == bool
