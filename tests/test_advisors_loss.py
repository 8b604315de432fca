"""Decision loss, team loss (eq. 3) and ψ (eq. 5): properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.advisors.loss import (
    check_alpha,
    check_loss_weights,
    decision_loss,
    expected_decision_loss,
    psi,
    team_loss,
)
from hmlsim.errors import ConfigError

rows = st.integers(1, 30)
unit = st.floats(0.0, 1.0)
weights = st.tuples(st.floats(0.1, 5.0), st.floats(0.1, 5.0))


@st.composite
def cases(draw):
    n = draw(rows)
    ints = st.lists(st.integers(0, 1), min_size=n, max_size=n)
    probs = st.lists(unit, min_size=n, max_size=n)
    return (
        np.array(draw(ints)),
        np.array(draw(ints)),
        np.array(draw(ints)),
        np.array(draw(probs)),
        np.array(draw(probs)),
    )


@given(cases(), st.floats(0.0, 2.0), weights)
def test_team_loss_reduces_to_human_loss_without_contradiction(case, alpha, lw):
    y, y_hat, h, p_a, _ = case
    loss = team_loss(y, y_hat, h, p_a, alpha, lw)
    same = y_hat == h
    assert np.allclose(loss[same], decision_loss(y, h, lw)[same])
    # with contradiction: a mixture of the two decision losses plus α
    v_adv, v_h = decision_loss(y, y_hat, lw)[~same], decision_loss(y, h, lw)[~same]
    assert np.all(loss[~same] >= np.minimum(v_adv, v_h) + alpha - 1e-12)
    assert np.all(loss[~same] <= np.maximum(v_adv, v_h) + alpha + 1e-12)


@given(cases(), st.floats(0.0, 2.0), weights)
def test_psi_is_the_expected_loss_comparison(case, alpha, lw):
    _, advice, h, p_a, p_y = case
    ok = psi(advice, p_y, h, p_a, alpha, lw)
    e_advise = (
        p_a * expected_decision_loss(p_y, advice, lw)
        + (1 - p_a) * expected_decision_loss(p_y, h, lw)
        + alpha * (advice != h)
    )
    e_withhold = expected_decision_loss(p_y, h, lw)
    strict = np.abs(e_advise - e_withhold) > 1e-9
    assert np.array_equal(ok[strict], (e_advise < e_withhold)[strict])
    assert not ok[advice == h].any()


@given(cases(), weights)
def test_at_zero_cost_psi_does_not_depend_on_p_accept(case, lw):
    """Artefact check behind diagnosis D6 of the reproduction: at α = 0 the ADB-aware ψ
    and the no-ADB ψ (p̂(a) ≡ 1) advise on the same rows, so TR and TR-no(ADB) can differ
    only through the rules the annealing picks."""
    _, advice, h, p_a, p_y = case
    p_a = np.clip(p_a, 1e-3, 1.0)  # any p̂(a) > 0
    assert np.array_equal(
        psi(advice, p_y, h, p_a, 0.0, lw), psi(advice, p_y, h, np.ones_like(p_a), 0.0, lw)
    )


@given(cases(), st.floats(0.01, 2.0), weights)
def test_with_a_cost_p_accept_can_change_psi(case, alpha, lw):
    """...whereas at α > 0 a low p̂(a) withholds advice that p̂(a) = 1 would offer."""
    _, advice, h, _, p_y = case
    offered_anyway = psi(advice, p_y, h, np.ones(len(h)), alpha, lw)
    rarely_taken = psi(advice, p_y, h, np.full(len(h), 1e-6), alpha, lw)
    assert not rarely_taken.any() and np.all(rarely_taken <= offered_anyway)


@given(cases(), weights)
def test_expected_loss_is_the_mean_over_labels(case, lw):
    _, d, _, _, p_y = case
    by_hand = p_y * decision_loss(1, d, lw) + (1 - p_y) * decision_loss(0, d, lw)
    assert np.allclose(expected_decision_loss(p_y, d, lw), by_hand)


def test_asymmetric_weights():
    assert decision_loss([1, 0], [0, 1], (1.0, 3.0)).tolist() == [3.0, 1.0]


@pytest.mark.parametrize("bad", [(0, 1), (1, -2), (1,), "ab", (1, float("inf"))])
def test_loss_weights_must_be_positive_pairs(bad):
    with pytest.raises(ConfigError) as err:
        check_loss_weights(bad)
    assert err.value.field == "loss_weights"


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_alpha_must_be_non_negative(bad):
    with pytest.raises(ConfigError) as err:
        check_alpha(bad)
    assert err.value.field == "alpha"


@pytest.mark.parametrize(
    "module", ["loss", "rules", "metrics", "annealing"], ids=lambda m: f"hmlsim.advisors.{m}"
)
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"hmlsim.advisors.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@given(cases())
def test_at_alpha_one_psi_never_advises_with_unit_losses(case):
    """Artefact check behind the reproduction's diagnosis A: with λ = (1, 1) no advice
    gains more than one decision, so at α = 1 ψ withholds whatever p̂(a) and p̂(y | x)
    say, and TR-no(ADB) adds exactly 0 there by construction."""
    _, advice, h, p_a, p_y = case
    assert not psi(advice, p_y, h, np.ones_like(p_a), 1.0, (1.0, 1.0)).any()
    assert not psi(advice, p_y, h, p_a, 1.0, (1.0, 1.0)).any()
